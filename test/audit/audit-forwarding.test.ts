/**
 * AuditEvent forwarding on real parts: the running adapter delivers referrals into the sandbox EHR, and the
 * worker role forwards their IHE BALP AuditEvents to the EHR itself or to a second sandbox acting as an audit
 * repository. Checked: the events arrive and validate against base R4, they are written exactly once however
 * often the job runs or the hand-off is swept, an endpoint with `none` sends nothing, a repository that is down is
 * retried until it is back, and the ledger records each forward while its chain still verifies.
 */
import { validateResource } from '@medplum/core';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { Queue } from 'bullmq';
import type { AuditForwardDeps } from '../../src/audit/audit-forward';
import { forwardAuditEvents } from '../../src/audit/audit-forward';
import { auditEventSite } from '../../src/audit/audit-events';
import { auditForwardOutboxKey } from '../../src/store/forward-keys';
import type { AuditForwarding } from '../../src/queue/audit-forward-worker';
import {
  auditForwardJobId,
  auditForwardQueueName,
  auditTargets,
  startAuditForwarding,
} from '../../src/queue/audit-forward-worker';
import type { LedgerEntry } from '../../src/store/ledger';
import { verifyLedger } from '../../src/audit/verify';
import { silentLogger } from '../../src/observability/logger';
import { queuePrefix } from '../../src/queue/names';
import type { RunningSandbox } from '../../src/sandbox';
import { startSandbox } from '../../src/sandbox';
import { ensureFhirDefinitionsLoaded } from '../../src/lib/fhir-definitions';
import type { TestAdapter } from '../support/adapter';
import { FAST_RETRY, eventually, postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

async function auditEventsIn(baseUrl: string): Promise<AuditEvent[]> {
  const response = await fetch(`${baseUrl}/AuditEvent?_count=1000`);
  expect(response.status).toBe(200);
  const bundle = (await response.json()) as Bundle<AuditEvent>;
  return (bundle.entry ?? []).flatMap((e) => (e.resource === undefined ? [] : [e.resource]));
}

async function submit(adapter: TestAdapter, doc: unknown): Promise<string> {
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, doc);
  expect(response.status).toBe(202);
  const id = String(response.body.messageId);
  expect((await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'])).status).toBe('delivered');
  return id;
}

async function timeline(adapter: TestAdapter, messageId: string): Promise<LedgerEntry[]> {
  return adapter.services.ledger.timeline(messageId);
}

async function forwarded(adapter: TestAdapter, messageId: string): Promise<LedgerEntry> {
  return eventually(
    async () => (await timeline(adapter, messageId)).find((e) => e.type === 'audit-forwarded'),
    30_000,
    `audit-forwarded for ${messageId}`,
  );
}

function deliveredEntry(entries: readonly LedgerEntry[]): LedgerEntry {
  const entry = entries.find((e) => e.type === 'delivered');
  if (entry === undefined) {
    throw new Error('no delivered entry');
  }
  return entry;
}

beforeAll(() => {
  ensureFhirDefinitionsLoaded();
});

describe('forwarding to the EHR, and an endpoint that sends none', () => {
  let adapter: TestAdapter;

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'audit-fwd-ehr',
      config: {
        endpoints: [
          { id: 'fwd', baseUrl: 'sandbox', practices: ['A81001'], retry: FAST_RETRY, auditEvents: { send: 'ehr' } },
          { id: 'quiet', baseUrl: 'sandbox', practices: ['*'], retry: FAST_RETRY },
        ],
        audit: { forwardSweepMs: 200 },
      },
    });
  });

  afterAll(async () => {
    await adapter.close();
  });

  test('a delivery to an endpoint with send none leaves nothing to forward, while send ehr puts BALP AuditEvents into the EHR once', async () => {
    const sandboxUrl = adapter.sandbox?.baseUrl ?? '';
    const quietDoc = referralDoc();
    const quiet = await submit(adapter, { ...quietDoc, gpPractice: { odsCode: 'B82002' } });

    const first = referralDoc();
    const v1 = await submit(adapter, first);
    const v2 = await submit(adapter, { ...first, source: { ...first.source, recordVersion: 2 } });
    const entries = [await forwarded(adapter, v1), await forwarded(adapter, v2)];

    const ids = entries.flatMap((e) => (e.fields.auditEvents ?? '').split(' '));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const entry of entries) {
      expect(entry.fields).toMatchObject({ endpoint: 'fwd', target: 'ehr', targetUrl: sandboxUrl, attempt: '1' });
      expect(entry.fields.httpStatus?.split(' ').every((s) => s === '200' || s === '201')).toBe(true);
    }

    const stored = await auditEventsIn(sandboxUrl);
    expect(stored.map((e) => `AuditEvent/${e.id ?? ''}`).sort()).toEqual([...ids].sort());
    const profiles = new Set<string>();
    for (const event of stored) {
      expect(() => validateResource(event)).not.toThrow();
      expect(event.meta?.versionId).toBe('1');
      profiles.add(event.meta?.profile?.[0]?.split('.').at(-1) ?? '');
      const patient = event.entity?.find((e) => e.role?.code === '1')?.what?.reference ?? '';
      expect(patient).toMatch(/^Patient\/[^/]+$/);
      // The reference resolves in the EHR that holds the AuditEvent.
      expect((await fetch(`${sandboxUrl}/${patient}`)).status).toBe(200);
      const requestId = event.entity?.find((e) => e.type?.code === 'XrequestId')?.what?.identifier?.value;
      expect(requestId).toMatch(/^[0-9a-f-]+\.1$/);
    }
    expect([...profiles].sort()).toEqual(['PatientCreate', 'PatientUpdate']);

    // Nothing was handed off for the quiet endpoint, and nothing recorded.
    const quietTypes = (await timeline(adapter, quiet)).map((e) => e.type);
    expect(quietTypes).toContain('delivered');
    expect(quietTypes.filter((t) => t.startsWith('audit-forward'))).toEqual([]);
    expect(await adapter.services.redis.zscore(auditForwardOutboxKey(adapter.prefix), `${quiet}.1`)).toBeNull();
    expect(await adapter.services.redis.zcard(auditForwardOutboxKey(adapter.prefix))).toBe(0);
    const quietRequests = new Set(
      stored.map((e) => e.entity?.find((x) => x.type?.code === 'XrequestId')?.what?.identifier?.value),
    );
    expect(quietRequests.has(`${quiet}.1`)).toBe(false);

    const report = await verifyLedger(adapter.services.ledger, new Date());
    expect(report).toMatchObject({ ok: true });
  }, 90_000);
});

describe('running a forward twice, and re-sweeping its hand-off', () => {
  let adapter: TestAdapter;
  let forwarding: AuditForwarding;
  let queue: Queue;

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'audit-fwd-twice',
      config: {
        endpoints: [
          { id: 'sandbox', baseUrl: 'sandbox', practices: ['*'], retry: FAST_RETRY, auditEvents: { send: 'ehr' } },
        ],
        // The adapter's own sweeper stays idle: the test sweeps when it chooses.
        audit: { forwardSweepMs: 3_600_000 },
      },
    });
    forwarding = startAuditForwarding({
      redis: adapter.services.redis,
      workerRedis: adapter.services.workerRedis,
      redisPrefix: adapter.prefix,
      endpoints: adapter.services.endpoints,
      ledger: adapter.services.ledger,
      site: auditEventSite({ version: 'test', address: 'localhost', endpoints: adapter.services.endpoints }),
      sweepMs: 3_600_000,
      logger: silentLogger(),
      now: () => new Date(),
    });
    queue = new Queue(auditForwardQueueName('sandbox'), {
      connection: adapter.services.redis,
      prefix: queuePrefix(adapter.prefix),
    });
  });

  afterAll(async () => {
    await queue.close();
    await forwarding.close();
    await adapter.close();
  });

  test('two concurrent runs, a swept job and a re-enqueued hand-off still leave one copy of each AuditEvent and one ledger record', async () => {
    const sandboxUrl = adapter.sandbox?.baseUrl ?? '';
    const messageId = await submit(adapter, referralDoc());
    const outbox = auditForwardOutboxKey(adapter.prefix);
    // The hand-off was written with the delivered entry, atomically.
    expect(await adapter.services.redis.zscore(outbox, `${messageId}.1`)).not.toBeNull();

    const deps: AuditForwardDeps = {
      ledger: adapter.services.ledger,
      site: auditEventSite({ version: 'test', address: 'localhost', endpoints: adapter.services.endpoints }),
      target: (id) => auditTargets(adapter.services.endpoints).get(id),
      now: () => new Date(),
      random: () => 0.5,
    };
    const request = { messageId, attempt: 1, previousTries: 0 };
    const results = await Promise.all([forwardAuditEvents(request, deps), forwardAuditEvents(request, deps)]);
    expect(results.some((r) => r.kind === 'forwarded')).toBe(true);
    const once = await auditEventsIn(sandboxUrl);
    expect(once.length).toBeGreaterThanOrEqual(1);

    // The sweeper hands the attempt to the queue; the job finds the forward already recorded.
    expect(await forwarding.sweepOnce()).toBe(1);
    const jobId = auditForwardJobId(messageId, 1);
    await eventually(async () => ((await queue.getJob(jobId))?.finishedOn !== undefined ? true : undefined));
    expect((await queue.getJob(jobId))?.returnvalue).toMatchObject({ kind: 'skipped', reason: 'already recorded' });

    // Handed off again (as after a crash between enqueue and removal), with and without the finished job kept.
    await adapter.services.redis.zadd(outbox, Date.now(), `${messageId}.1`);
    expect(await forwarding.sweepOnce()).toBe(1);
    await (await queue.getJob(jobId))?.remove();
    await adapter.services.redis.zadd(outbox, Date.now(), `${messageId}.1`);
    expect(await forwarding.sweepOnce()).toBe(1);
    await eventually(async () => ((await queue.getJob(jobId))?.finishedOn !== undefined ? true : undefined));
    expect(await adapter.services.redis.zcard(outbox)).toBe(0);

    const after = await auditEventsIn(sandboxUrl);
    expect(after.map((e) => e.id).sort()).toEqual(once.map((e) => e.id).sort());
    const records = (await timeline(adapter, messageId)).filter((e) => e.type.startsWith('audit-forward'));
    expect(records).toHaveLength(1);
    expect(records[0]?.fields.auditEvents?.split(' ').sort()).toEqual(
      after.map((e) => `AuditEvent/${e.id ?? ''}`).sort(),
    );
    expect(await verifyLedger(adapter.services.ledger, new Date())).toMatchObject({ ok: true });
  }, 90_000);
});

describe('forwarding to a separate audit repository that is down at first', () => {
  let adapter: TestAdapter;
  let repository: RunningSandbox;

  beforeAll(async () => {
    // Take a free port for the repository, then stop it: the adapter starts with its repository down.
    repository = await startSandbox({ port: 0, seed: false });
    await repository.close();
    adapter = await startTestAdapter({
      name: 'audit-fwd-repo',
      config: {
        endpoints: [
          {
            id: 'sandbox',
            baseUrl: 'sandbox',
            practices: ['*'],
            retry: FAST_RETRY,
            auditEvents: {
              send: 'repository',
              repositoryUrl: repository.baseUrl,
              auth: { type: 'bearer', token: 'audit-repository-token' },
            },
          },
        ],
        audit: { forwardSweepMs: 200 },
      },
    });
  });

  afterAll(async () => {
    await adapter.close();
    await repository.close();
  });

  test('the forward is retried while the repository is down and succeeds once it is back; the EHR gets none', async () => {
    const ehrUrl = adapter.sandbox?.baseUrl ?? '';
    const messageId = await submit(adapter, referralDoc());
    const queue = new Queue(auditForwardQueueName('sandbox'), {
      connection: adapter.services.redis,
      prefix: queuePrefix(adapter.prefix),
    });
    try {
      const jobId = auditForwardJobId(messageId, 1);
      await eventually(
        async () => ((await queue.getJob(jobId))?.attemptsMade ?? 0) >= 1 || undefined,
        30_000,
        'a failed forwarding try',
      );
      expect((await timeline(adapter, messageId)).filter((e) => e.type.startsWith('audit-forward'))).toEqual([]);
    } finally {
      await queue.close();
    }

    repository = await startSandbox({ port: repository.port, seed: false, repository: repository.repository });
    const entry = await forwarded(adapter, messageId);
    expect(entry.fields).toMatchObject({ target: 'repository', targetUrl: repository.baseUrl, httpStatus: '201' });

    const stored = await auditEventsIn(repository.baseUrl);
    expect(stored.map((e) => `AuditEvent/${e.id ?? ''}`)).toEqual(entry.fields.auditEvents?.split(' '));
    const delivered = deliveredEntry(await timeline(adapter, messageId));
    for (const event of stored) {
      expect(() => validateResource(event)).not.toThrow();
      // The repository holds no EHR resources, so the patient and data references name the EHR absolutely.
      expect(event.entity?.find((e) => e.role?.code === '1')?.what?.reference).toBe(
        `${ehrUrl}/${delivered.fields.patient ?? ''}`,
      );
      for (const data of event.entity?.filter((e) => e.role?.code === '4') ?? []) {
        expect(data.what?.reference?.startsWith(`${ehrUrl}/`)).toBe(true);
      }
    }
    expect(await auditEventsIn(ehrUrl)).toEqual([]);
    expect(await verifyLedger(adapter.services.ledger, new Date())).toMatchObject({ ok: true });
  }, 90_000);
});

describe('a repository that refuses the adapter', () => {
  let adapter: TestAdapter;
  let repository: RunningSandbox;

  beforeAll(async () => {
    // The repository demands tokens from its own token endpoint; a static bearer token is refused with 401.
    repository = await startSandbox({ port: 0, seed: false, oauth: { clients: { auditor: 'auditor-secret' } } });
    adapter = await startTestAdapter({
      name: 'audit-fwd-refused',
      config: {
        endpoints: [
          {
            id: 'sandbox',
            baseUrl: 'sandbox',
            practices: ['*'],
            retry: FAST_RETRY,
            auditEvents: {
              send: 'repository',
              repositoryUrl: repository.baseUrl,
              auth: { type: 'bearer', token: 'not-a-token-it-issued' },
            },
          },
        ],
        audit: { forwardSweepMs: 200 },
      },
    });
  });

  afterAll(async () => {
    await adapter.close();
    await repository.close();
  });

  test('a permanent 4xx is recorded as audit-forward-failed with the reason, once, and not retried', async () => {
    const messageId = await submit(adapter, referralDoc());
    const failed = await eventually(
      async () => (await timeline(adapter, messageId)).find((e) => e.type === 'audit-forward-failed'),
      30_000,
      'audit-forward-failed',
    );
    expect(failed.fields).toMatchObject({ target: 'repository', endpoint: 'sandbox', attempt: '1' });
    expect(failed.fields.reason).toMatch(/^writing AuditEvent with write key [0-9a-f-]{36}: HTTP 401/);
    expect(failed.fields.reason).not.toContain('not-a-token-it-issued');
    const queue = new Queue(auditForwardQueueName('sandbox'), {
      connection: adapter.services.redis,
      prefix: queuePrefix(adapter.prefix),
    });
    try {
      const job = await queue.getJob(auditForwardJobId(messageId, 1));
      expect(await job?.getState()).toBe('failed');
      expect(job?.attemptsMade).toBe(1);
    } finally {
      await queue.close();
    }
    expect((await timeline(adapter, messageId)).filter((e) => e.type.startsWith('audit-forward'))).toHaveLength(1);
    expect(await verifyLedger(adapter.services.ledger, new Date())).toMatchObject({ ok: true });
  }, 60_000);
});
