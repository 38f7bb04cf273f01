/**
 * The retention purge on the running adapter and real Redis: the worker's scheduled run removes the bodies of
 * settled messages past the retention period (not failed ones unless configured, never recent ones), keeps the
 * ledger and the record's state, appends a `purged` entry per message, and the chain still verifies. The status
 * API and the audit timeline still answer for a purged message, a dry run changes nothing, and a purged message
 * cannot be replayed.
 */
import { purgeExpired } from '../../src/audit/retention';
import type { MessageStatus } from '../../src/messages/record';
import type { LedgerEvent } from '../../src/store/ledger-events';
import { messageKeys } from '../../src/store/keys';
import { validateInbound } from '../../src/messages/validate';
import type { TestAdapter } from '../support/adapter';
import { eventually, postJson, startTestAdapter } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

const INGEST_KEY = 'casebook-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
const ADMIN_KEY = 'practice-it-admin-key-0123456789';
const DAY_MS = 86_400_000;

describe('retention purge', () => {
  let adapter: TestAdapter;
  let fresh: string;
  const old: Partial<Record<MessageStatus, string>> = {};
  const nhsNumber = referralDoc().patient.nhsNumber;

  const get = async (path: string, key: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${adapter.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** Writes a message as if received `daysAgo` and settled in `status`, as the worker would have recorded it. */
  async function settledLongAgo(status: 'delivered' | 'failed' | 'superseded', daysAgo: number): Promise<string> {
    const { store } = adapter.services;
    const at = new Date(Date.now() - daysAgo * DAY_MS);
    const validation = validateInbound('referral', referralDoc(), new Date());
    if (!validation.ok) {
      throw new Error('fixture is invalid');
    }
    const id = crypto.randomUUID();
    await store.create({
      id,
      message: validation.message,
      contentHash: id,
      idempotencyKey: id,
      clientId: 'casebook',
      endpointId: 'sandbox',
      now: at,
    });
    await store.markEnqueued(id);
    const later = new Date(at.getTime() + 60_000);
    const common = {
      messageId: id,
      endpoint: 'sandbox',
      practice: 'A81001',
      attempt: 1,
      requestId: `${id}.1`,
      latencyMs: 20,
      at: later.toISOString(),
    };
    const event: LedgerEvent =
      status === 'delivered'
        ? {
            type: 'delivered',
            ...common,
            httpStatus: 200,
            patient: 'Patient/1',
            resources: 'ServiceRequest/1/_history/1',
          }
        : status === 'failed'
          ? { type: 'failed', ...common, httpStatus: 422, reason: 'EHR rejected the bundle', outcome: 'invalid' }
          : { type: 'superseded', ...common, reason: 'a newer version was delivered', ehrVersion: 2 };
    const changes =
      status === 'failed'
        ? {
            lastError: 'EHR rejected the bundle',
            outcome: {
              resourceType: 'OperationOutcome' as const,
              issue: [{ severity: 'error' as const, code: 'invalid' as const, diagnostics: `bad ${nhsNumber}` }],
            },
          }
        : {};
    await store.transition(id, { status, now: later, event, changes });
    return id;
  }

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'audit-retention',
      config: {
        http: { port: 0, apiKeys: { casebook: INGEST_KEY }, adminKeys: { 'practice-it': ADMIN_KEY } },
        audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY }, retentionDays: 30, purgeIntervalMs: 1000 },
        // The sweeper would enqueue the back-dated messages written below; this test does not need it.
        worker: { outboxSweepMs: 3_600_000 },
      },
    });
    const posted = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), {
      authorization: `Bearer ${INGEST_KEY}`,
    });
    fresh = String(posted.body.messageId);
    await eventually(async () => {
      const { body } = await get(`/v1/messages/${fresh}`, INGEST_KEY);
      return body.status === 'delivered' ? body : undefined;
    });
    old.delivered = await settledLongAgo('delivered', 40);
    old.superseded = await settledLongAgo('superseded', 35);
    old.failed = await settledLongAgo('failed', 45);
  }, 60_000);

  afterAll(async () => {
    await adapter.close();
  });

  it('the worker purges settled bodies past the period, keeps the rest, and the chain verifies', async () => {
    const { redis } = adapter.services;
    const keys = messageKeys(adapter.services.config.redis.prefix);
    const purgedIds = [old.delivered ?? '', old.superseded ?? ''];
    await eventually(
      async () => {
        const marks = await Promise.all(purgedIds.map(async (id) => redis.hget(keys.message(id), 'purgedAt')));
        return marks.every((mark) => mark !== null) ? true : undefined;
      },
      20_000,
      'the scheduled purge',
    );
    for (const id of purgedIds) {
      const stored = await redis.hgetall(keys.message(id));
      expect(stored.message).not.toContain(nhsNumber);
      expect(stored.message).not.toContain('Ada');
      expect(JSON.parse(stored.message ?? '{}')).toMatchObject({ kind: 'referral', purged: true });
      expect(stored.status).toEqual(id === old.delivered ? 'delivered' : 'superseded');

      const status = await get(`/v1/messages/${id}`, INGEST_KEY);
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ messageId: id, bodyPurgedAt: stored.purgedAt });

      const audit = await get(`/v1/audit/messages/${id}`, AUDITOR_KEY);
      expect(audit.body.message).toMatchObject({ purgedAt: stored.purgedAt });
      const timeline = audit.body.timeline as Record<string, string>[];
      expect(timeline.map((e) => e.type)).toEqual([
        'received',
        id === old.delivered ? 'delivered' : 'superseded',
        'purged',
      ]);
      expect(timeline.at(-1)).toMatchObject({ by: 'retention', retentionDays: '30', messageId: id });
    }
    // Failed (purgeFailed is off) and recent messages keep their bodies.
    for (const id of [old.failed ?? '', fresh]) {
      expect(await redis.hget(keys.message(id), 'purgedAt')).toBeNull();
      expect(await redis.hget(keys.message(id), 'message')).toContain(nhsNumber);
    }
    const verify = await get('/v1/audit/verify', AUDITOR_KEY);
    expect(verify.body).toMatchObject({ ok: true });
  }, 30_000);

  it('a dry run changes nothing; a run with purgeFailed purges the failed message, which then cannot be replayed', async () => {
    const { ledger, redis } = adapter.services;
    const keys = messageKeys(adapter.services.config.redis.prefix);
    const failedId = old.failed ?? '';
    const before = await ledger.head();
    const dry = await purgeExpired(ledger, {
      retentionDays: 30,
      purgeFailed: true,
      now: new Date(),
      by: 'ops-alice',
      dryRun: true,
    });
    expect(dry.purged).toEqual([failedId]);
    expect(await ledger.head()).toEqual(before);
    expect(await redis.hget(keys.message(failedId), 'message')).toContain(nhsNumber);

    const run = await purgeExpired(ledger, { retentionDays: 30, purgeFailed: true, now: new Date(), by: 'ops-alice' });
    expect(run).toMatchObject({ dryRun: false, purged: [failedId] });
    const stored = await redis.hgetall(keys.message(failedId));
    expect(stored.outcome).toBeUndefined();
    expect(JSON.stringify(stored)).not.toContain(nhsNumber);
    expect((await ledger.timeline(failedId)).at(-1)?.fields).toMatchObject({ type: 'purged', by: 'ops-alice' });

    // A second run finds nothing more to do.
    expect(
      (await purgeExpired(ledger, { retentionDays: 30, purgeFailed: true, now: new Date(), by: 'x' })).purged,
    ).toEqual([]);

    const replay = await fetch(`${adapter.apiUrl}/v1/admin/messages/${failedId}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(replay.status).toBe(409);
    const outcome = (await replay.json()) as { resourceType: string; issue: { details: { text: string } }[] };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.details.text).toMatch(/purged under the retention policy/);
    expect(await redis.hget(keys.message(failedId), 'status')).toBe('failed');

    // Even past the route's own check, the store never puts a purged message back on the queue.
    const moved = await adapter.services.store.transition(failedId, {
      status: 'queued',
      from: ['failed'],
      now: new Date(),
    });
    expect(moved).toMatchObject({ ok: false, reason: 'conflict' });

    const raw = JSON.stringify(await redis.xrange(keys.ledger, '-', '+'));
    expect(raw).not.toContain(nhsNumber);
    expect(await get('/v1/audit/verify', AUDITOR_KEY)).toMatchObject({ body: { ok: true } });
  }, 30_000);
});
