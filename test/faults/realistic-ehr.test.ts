/**
 * The fault suite against the most realistic EHR this machine can run: the sandbox in its realistic mode (as a
 * Medplum server on PostgreSQL behaved: transactions applied entry by entry, serialization conflicts (409) on
 * whole transactions and on single entries, a per-client quota answered with 429 and only a RateLimit header,
 * versions only in resource bodies). The compiled adapter runs as real processes (one API, two workers) on a
 * private redis-server; messages of all five kinds go in while one worker is killed with SIGKILL. Afterwards,
 * with no manual replay: every message is delivered or superseded, each business identifier is once in the EHR,
 * each source record version has exactly one Provenance, no Provenance points at a missing resource and every
 * resource a delivered message records is in the EHR.
 */
import type { Bundle, Provenance, Resource } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sourceVersionOf } from '../../src/delivery/attempt';
import type { ConnectionMessage, ReferralMessage, SupportPlanMessage } from '../../src/messages/schemas';
import type { RunningSandbox, SandboxStats } from '../../src/sandbox';
import { SANDBOX_PATIENTS, STATS_PATH, startSandbox } from '../../src/sandbox';
import { getJson } from '../support/adapter';
import { goalDoc, journeyBody, outcomeNoteDoc, referralDoc, uniqueId } from '../support/fixtures';
import type { PrivateRedis } from '../support/private-redis';
import { createPrivateRedis, freePort } from '../support/private-redis';
import { AdapterProcess, buildAdapter } from './processes';

jest.setTimeout(600_000);

const REFERRALS = 60;
const UPDATED_REFERRALS = 12;
const PREFIX = 'realistic';
const REFERRED_AT = '2026-10-16T09:00:00Z';
const STARTUP_MS = 120_000;
/** Read back with a client of its own, so the checks do not spend the adapter's quota. */
const AUDITOR = { authorization: 'Bearer fault-suite-auditor' };

/** Progress on stderr when FAULTS_VERBOSE is set, for watching a run as it happens. */
function progress(text: string): void {
  if (process.env.FAULTS_VERBOSE !== undefined) {
    process.stderr.write(`[realistic] ${text}\n`);
  }
}

const sleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

type Kind = 'referral' | 'goal' | 'outcome-note' | 'support-plan' | 'connection';

const PATHS: Readonly<Record<Kind, string>> = {
  referral: '/v1/referrals',
  goal: '/v1/goals',
  'outcome-note': '/v1/outcome-notes',
  'support-plan': '/v1/support-plans',
  connection: '/v1/connections',
};

interface Planned {
  readonly kind: Kind;
  readonly body: {
    readonly source: { readonly system: string; readonly recordId: string; readonly recordVersion: number };
  };
}

interface Accepted extends Planned {
  readonly messageId: string;
}

function supportPlan(referral: ReferralMessage): SupportPlanMessage {
  const plan = journeyBody('b-anchoring/04-support-plan.json') as SupportPlanMessage;
  const suffix = uniqueId('G');
  return {
    ...plan,
    source: { ...plan.source, recordId: uniqueId('PLAN') },
    patient: referral.patient,
    gpPractice: referral.gpPractice,
    referralId: referral.source.recordId,
    goals: plan.goals.map((goal) => ({ ...goal, goalId: `${goal.goalId}-${suffix}` })),
    actions: plan.actions.map((action) => ({ ...action, goalId: `${action.goalId}-${suffix}` })),
  };
}

function connection(referral: ReferralMessage): ConnectionMessage {
  const doc = journeyBody('b-anchoring/05-connection.json') as ConnectionMessage;
  return {
    ...doc,
    source: { ...doc.source, recordId: uniqueId('CONN') },
    patient: referral.patient,
    gpPractice: referral.gpPractice,
    referralId: referral.source.recordId,
  };
}

/**
 * Referrals, each followed by one message of another kind about it (goals, outcome notes, support plans and
 * connections in turn), and a newer version of some referrals, half of them sent before the version they replace.
 */
function plan(): Planned[] {
  const out: Planned[] = [];
  for (let index = 0; index < REFERRALS; index += 1) {
    const patient = SANDBOX_PATIENTS[index % SANDBOX_PATIENTS.length];
    const referral = referralDoc({
      gpPractice: { odsCode: patient?.practiceOdsCode ?? 'A81001' },
      // The NHS number alone: the example's name and birth date belong to the first sandbox patient only.
      patient: { nhsNumber: patient?.nhsNumber ?? '9990000018' },
      // Before the support plan (2026-10-17) and the connection (2026-10-18) about it: intake refuses records
      // dated before their referral.
      referredAt: REFERRED_AT,
    });
    const v1: Planned = { kind: 'referral', body: referral };
    if (index < UPDATED_REFERRALS) {
      const updated: ReferralMessage = {
        ...referral,
        source: { ...referral.source, recordVersion: 2 },
        status: 'in-progress',
      };
      const v2: Planned = { kind: 'referral', body: updated };
      out.push(...(index % 2 === 0 ? [v2, v1] : [v1, v2]));
    } else {
      out.push(v1);
    }
    const about = { patient: referral.patient, gpPractice: referral.gpPractice };
    const referralId = referral.source.recordId;
    switch (index % 4) {
      case 0:
        out.push({ kind: 'goal', body: goalDoc(referralId, about) });
        break;
      case 1:
        out.push({ kind: 'outcome-note', body: outcomeNoteDoc(referralId, about) });
        break;
      case 2:
        out.push({ kind: 'support-plan', body: supportPlan(referral) });
        break;
      default:
        out.push({ kind: 'connection', body: connection(referral) });
    }
  }
  return out;
}

/**
 * Posts until the API answers. A connection the API closed as it was reused (keep-alive) fails the fetch; posting
 * again is safe, since the same version of a record is accepted once and answered with the same message id.
 */
async function submit(apiUrl: string, planned: Planned): Promise<Accepted> {
  let response: Response | undefined;
  for (let tries = 1; response === undefined; tries += 1) {
    try {
      response = await fetch(`${apiUrl}${PATHS[planned.kind]}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(planned.body),
      });
    } catch (error) {
      if (tries >= 5) {
        throw error;
      }
      await sleep(200);
    }
  }
  const body = (await response.json()) as { messageId?: string };
  if (response.status !== 202 || body.messageId === undefined) {
    throw new Error(`${planned.kind} answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return { ...planned, messageId: body.messageId };
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let index = 0; index < items.length; index += size) {
    out.push(...(await Promise.all(items.slice(index, index + size).map(run))));
  }
  return out;
}

/** Every resource of a type the EHR holds, following the searchset's next links. */
async function everything(baseUrl: string, resourceType: string): Promise<Resource[]> {
  const out: Resource[] = [];
  let url: string | undefined = `${baseUrl}/${resourceType}?_count=1000`;
  while (url !== undefined) {
    const response = await fetch(url, { headers: AUDITOR });
    if (response.status !== 200) {
      throw new Error(`reading ${resourceType} from the EHR answered ${response.status}`);
    }
    const bundle = (await response.json()) as Bundle;
    out.push(...(bundle.entry ?? []).flatMap((entry) => (entry.resource !== undefined ? [entry.resource] : [])));
    url = bundle.link?.find((link) => link.relation === 'next')?.url;
  }
  return out;
}

const started: {
  work?: string;
  build?: string;
  redis?: PrivateRedis;
  sandbox?: RunningSandbox;
  processes: AdapterProcess[];
} = { processes: [] };

afterAll(async () => {
  await Promise.all(started.processes.map(async (p) => p.kill('SIGKILL')));
  await started.sandbox?.close();
  await started.redis?.destroy();
  for (const dir of [started.work, started.build]) {
    if (dir !== undefined) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a non-atomic, conflict-prone, rate-limited EHR loses, duplicates and strands nothing', async () => {
  const work = mkdtempSync(join(tmpdir(), 'spfa-realistic-'));
  started.work = work;
  const [main, apiPort] = await Promise.all([buildAdapter(), freePort()]);
  started.build = join(main, '..', '..');
  const redis = await createPrivateRedis({ dir: join(work, 'redis') });
  started.redis = redis;
  // A small quota over a short window, so that the run meets 429s many times in well under a minute.
  const sandbox = await startSandbox({
    port: 0,
    realistic: { seed: 13, conflictRate: 0.1, entryConflictRate: 0.05, quotaPoints: 2500, quotaWindowSeconds: 2 },
  });
  started.sandbox = sandbox;
  const retry = { baseDelayMs: 250, maxDelayMs: 2000, maxAgeMs: 30 * 60_000, requestTimeoutMs: 5000 };
  const config = {
    http: { host: '127.0.0.1', port: apiPort },
    redis: { url: redis.url, prefix: PREFIX },
    sandbox: { enabled: false },
    endpoints: [{ id: 'realistic', baseUrl: sandbox.baseUrl, practices: ['*'], concurrency: 8, retry }],
    worker: { outboxSweepMs: 1000, lockDurationMs: 5000, stalledIntervalMs: 3000, shutdownGraceMs: 10_000 },
    log: { level: 'info' },
  };
  const configFile = join(work, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const env = { CONFIG_FILE: configFile };
  const api = new AdapterProcess(main, 'api', env, work, 'api');
  const victim = new AdapterProcess(main, 'worker', env, work, 'worker-1');
  const survivor = new AdapterProcess(main, 'worker', env, work, 'worker-2');
  started.processes.push(api, victim, survivor);
  // Generous start-up waits: the suite shares a small machine with other work.
  await Promise.all([
    api.start('API listening', STARTUP_MS),
    victim.start('delivery workers started', STARTUP_MS),
    survivor.start('delivery workers started', STARTUP_MS),
  ]);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  progress('adapter processes started');

  const planned = plan();
  expect(planned.length).toBeGreaterThanOrEqual(130);
  const startedAt = Date.now();
  const accepted: Accepted[] = [];
  let restarted: Promise<void> = Promise.resolve();
  for (let index = 0; index < planned.length; index += 20) {
    accepted.push(...(await inBatches(planned.slice(index, index + 20), 10, async (p) => submit(apiUrl, p))));
    if (index === 40) {
      // Mid-run, with deliveries in flight: the worker dies without a chance to finish or release anything.
      await victim.kill('SIGKILL');
      progress(`worker SIGKILL at ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
      restarted = victim.start('delivery workers started', STARTUP_MS);
    }
  }
  await restarted;
  progress(`all ${accepted.length} submitted at ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);

  // Drain: wait until no message is queued or delivering.
  const client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
  const open = async (): Promise<number> =>
    (await client.zcard(`${PREFIX}:status:queued`)) + (await client.zcard(`${PREFIX}:status:delivering`));
  const deadline = Date.now() + 180_000;
  for (let tick = 0; (await open()) > 0 && Date.now() < deadline; tick += 1) {
    if (tick % 10 === 0) {
      progress(`${await open()} open at ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
    }
    await sleep(1000);
  }
  const stuck = await open();
  await client.quit();
  const drainSeconds = (Date.now() - startedAt) / 1000;
  const statsResponse = await fetch(`http://127.0.0.1:${sandbox.port}${STATS_PATH}`);
  const stats = (await statsResponse.json()) as SandboxStats;

  // Every accepted message's final status, through the API.
  expect(new Set(accepted.map((a) => a.messageId)).size).toBe(planned.length);
  const statuses = await inBatches(accepted, 25, async (a) => {
    const { status, body } = await getJson(`${apiUrl}/v1/messages/${a.messageId}`);
    return { accepted: a, status, body };
  });

  // What the EHR holds, read straight from it: every type a message recorded, and every Provenance.
  const types = new Set(['Provenance']);
  for (const { body } of statuses) {
    for (const resource of (body.resources as { resourceType: string }[] | undefined) ?? []) {
      types.add(resource.resourceType);
    }
  }
  const held = new Map<string, Resource>();
  const byIdentifier = new Map<string, Resource[]>();
  for (const type of types) {
    for (const resource of await everything(sandbox.baseUrl, type)) {
      held.set(`${resource.resourceType}/${resource.id ?? ''}`, resource);
      const identifiers = (resource as { identifier?: { system?: string; value?: string }[] }).identifier ?? [];
      for (const identifier of identifiers) {
        const token = `${resource.resourceType} ${identifier.system ?? ''}|${identifier.value ?? ''}`;
        byIdentifier.set(token, [...(byIdentifier.get(token) ?? []), resource]);
      }
    }
  }

  let lost = 0;
  let delivered = 0;
  let superseded = 0;
  let failed = 0;
  let missingTargets = 0;
  const failures: string[] = [];
  const newest = new Map<string, number>();
  for (const { accepted: a } of statuses) {
    const key = `${a.kind}/${a.body.source.recordId}`;
    newest.set(key, Math.max(newest.get(key) ?? 0, a.body.source.recordVersion));
  }
  for (const { accepted: a, status, body } of statuses) {
    if (status !== 200) {
      lost += 1;
      continue;
    }
    if (body.status === 'delivered') {
      delivered += 1;
      // Delivered means every resource it recorded is in the EHR.
      for (const { reference } of (body.resources as { reference: string }[] | undefined) ?? []) {
        if (!held.has(reference)) {
          missingTargets += 1;
          failures.push(`${a.kind} ${a.messageId} delivered but ${reference} is not in the EHR`);
        }
      }
    } else if (body.status === 'superseded') {
      superseded += 1;
      if (a.body.source.recordVersion >= (newest.get(`${a.kind}/${a.body.source.recordId}`) ?? 0)) {
        failures.push(`${a.kind} ${a.messageId} superseded though it is the newest version`);
      }
    } else {
      failed += body.status === 'failed' ? 1 : 0;
      failures.push(`${a.kind} ${a.messageId} ended ${String(body.status)}: ${JSON.stringify(body.lastError)}`);
    }
  }

  // The newest version of each referral is what the EHR holds.
  for (const [key, version] of newest) {
    if (!key.startsWith('referral/')) {
      continue;
    }
    const system = accepted[0]?.body.source.system ?? '';
    const found = byIdentifier.get(`ServiceRequest ${system}|${key}`) ?? [];
    if (sourceVersionOf(found[0]) !== version) {
      lost += 1;
      failures.push(`${key}: the EHR holds version ${String(sourceVersionOf(found[0]))}, not ${version}`);
    }
  }

  // Each business identifier once.
  let duplicated = 0;
  for (const [token, resources] of byIdentifier) {
    if (resources.length > 1) {
      duplicated += resources.length - 1;
      failures.push(`${token} is in the EHR ${resources.length} times`);
    }
  }

  // One Provenance per source record version, and none pointing at a resource the EHR does not hold.
  const provenances = [...held.values()].filter((r): r is Provenance => r.resourceType === 'Provenance');
  const perVersion = new Map<string, number>();
  for (const provenance of provenances) {
    const version = provenance.entity?.[0]?.what.display ?? '';
    perVersion.set(version, (perVersion.get(version) ?? 0) + 1);
    for (const target of provenance.target) {
      if (target.reference === undefined || !held.has(target.reference)) {
        missingTargets += 1;
        failures.push(`Provenance ${provenance.id ?? ''} targets ${String(target.reference)}, not in the EHR`);
      }
    }
  }
  const attempts = statuses.reduce((sum, { body }) => sum + Number(body.attempts ?? 0), 0);
  let provenanceless = 0;
  for (const { accepted: a, body } of statuses) {
    if (body.status !== 'delivered') {
      continue;
    }
    const version = `${a.kind} ${a.body.source.recordId} version ${a.body.source.recordVersion}`;
    if (perVersion.get(version) !== 1) {
      provenanceless += 1;
      failures.push(`${version} has ${perVersion.get(version) ?? 0} Provenances`);
    }
  }
  const extraProvenances = [...perVersion.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);

  const summary = `faults: ${accepted.length} accepted, ${delivered} delivered, ${superseded} superseded by a newer version, ${lost} lost, ${duplicated} duplicated, ${stuck} stuck`;
  const conflicts = stats.conflicts.requests + stats.conflicts.entries;
  const throttled = Object.values(stats.throttled).reduce((sum, n) => sum + n, 0);
  process.stdout.write(
    `${summary}\n  realistic EHR: ${throttled} answered 429 ${JSON.stringify(stats.throttled)}, ${conflicts} serialization conflicts (${stats.conflicts.requests} whole, ${stats.conflicts.entries} entries), ${stats.entries.applied} entries applied, requests ${JSON.stringify(stats.requests)}\n  ${provenances.length} Provenances, ${attempts - accepted.length} retries (attempts - messages), drained in ${drainSeconds.toFixed(1)} s, worker killed once with SIGKILL, no manual replay\n${failures
      .slice(0, 20)
      .map((line) => `  ${line}\n`)
      .join('')}`,
  );

  expect({ lost, duplicated, stuck, failed, missingTargets, provenanceless, extraProvenances }).toEqual({
    lost: 0,
    duplicated: 0,
    stuck: 0,
    failed: 0,
    missingTargets: 0,
    provenanceless: 0,
    extraProvenances: 0,
  });
  expect(failures).toEqual([]);
  expect(delivered + superseded).toBe(accepted.length);
  // Every kind of trouble really happened.
  expect(throttled).toBeGreaterThan(0);
  expect(stats.conflicts.requests).toBeGreaterThan(0);
  expect(stats.conflicts.entries).toBeGreaterThan(0);
  expect(victim.log).toContain('delivery workers started');
});
