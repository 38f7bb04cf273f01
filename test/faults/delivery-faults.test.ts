/**
 * The fault-injection suite: the compiled adapter runs as real processes (one API, two workers) against a private
 * redis-server with AOF, delivering to two sandbox EHRs, one of them behind a fault-injecting proxy. While more
 * than 2,000 messages for four practices go in, a worker is killed with SIGKILL three times, Redis is killed and
 * restarted, and the flaky EHR answers 503 for 30 seconds, then 429 with Retry-After, resets connections, never
 * answers, and commits writes but loses the answer. Afterwards every accepted message must be in the EHR exactly
 * once (or superseded by a newer version of its record), none lost, none stuck, and the healthy EHR must have kept
 * receiving deliveries while the other was down.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sourceVersionOf } from '../../src/delivery/attempt';
import type { GoalMessage, ReferralMessage } from '../../src/messages/schemas';
import type { RunningSandbox } from '../../src/sandbox';
import { SANDBOX_PATIENTS, startSandbox } from '../../src/sandbox';
import { getJson } from '../support/adapter';
import { goalDoc, referralDoc } from '../support/fixtures';
import type { FaultProxy } from './fault-proxy';
import { startFaultProxy } from './fault-proxy';
import type { PrivateRedis } from '../support/private-redis';
import { DURABLE_REDIS_ARGS, createPrivateRedis, freePort } from '../support/private-redis';
import { AdapterProcess, buildAdapter } from './processes';

jest.setTimeout(480_000);

const HEALTHY_PRACTICES = ['A81001', 'A81002'];
const FLAKY_PRACTICES = ['B82001', 'B82002'];
const REFERRALS = 1700;
const GOALS = 200;
const UPDATES = 100;
const PREFIX = 'faults';

/** Progress on stderr when FAULTS_VERBOSE is set, for watching a run as it happens. */
function progress(text: string): void {
  if (process.env.FAULTS_VERBOSE !== undefined) {
    process.stderr.write(`[faults] ${text}\n`);
  }
}

const sleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

interface Planned {
  readonly path: '/v1/referrals' | '/v1/goals';
  readonly doc: ReferralMessage | GoalMessage;
  readonly practice: string;
}

interface Accepted extends Planned {
  readonly messageId: string;
}

/** Referrals, goals on some of them and a newer version of others, some of those sent before the older one. */
function plan(): Planned[] {
  const practices = [...HEALTHY_PRACTICES, ...FLAKY_PRACTICES];
  const referrals = Array.from({ length: REFERRALS }, (_, index) => {
    const practice = practices[index % practices.length] ?? 'A81001';
    const patient = SANDBOX_PATIENTS[index % SANDBOX_PATIENTS.length];
    return referralDoc({
      gpPractice: { odsCode: practice },
      // The NHS number alone: the example's name and birth date belong to the first sandbox patient only, and
      // the worker refuses a message whose name or birth date does not match the EHR's Patient.
      patient: { nhsNumber: patient?.nhsNumber ?? '9990000018' },
    });
  });
  const out: Planned[] = [];
  for (const [index, referral] of referrals.entries()) {
    const practice = referral.gpPractice.odsCode;
    const v2: Planned = {
      path: '/v1/referrals',
      doc: { ...referral, source: { ...referral.source, recordVersion: 2 }, status: 'in-progress' },
      practice,
    };
    const v1: Planned = { path: '/v1/referrals', doc: referral, practice };
    if (index < UPDATES) {
      // Half the updates arrive before the version they replace.
      out.push(...(index % 2 === 0 ? [v2, v1] : [v1, v2]));
    } else {
      out.push(v1);
    }
    if (index >= UPDATES && index < UPDATES + GOALS) {
      const goal = goalDoc(referral.source.recordId, {
        gpPractice: { odsCode: practice },
        patient: { nhsNumber: referral.patient.nhsNumber },
      });
      out.push({ path: '/v1/goals', doc: goal, practice });
    }
  }
  return out;
}

/** Posts until the API answers 202: a 503 (Redis down) or a refused connection means "try again". */
async function submit(apiUrl: string, planned: Planned): Promise<Accepted> {
  for (;;) {
    try {
      const response = await fetch(`${apiUrl}${planned.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(planned.doc),
      });
      const body = (await response.json()) as { messageId?: string };
      if (response.status === 202 && body.messageId !== undefined) {
        return { ...planned, messageId: body.messageId };
      }
      if (response.status !== 503) {
        throw new Error(`unexpected ${response.status}: ${JSON.stringify(body)}`);
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('unexpected')) {
        throw error;
      }
    }
    await sleep(250);
  }
}

async function count(baseUrl: string, resourceType: string): Promise<number> {
  const response = await fetch(`${baseUrl}/${resourceType}?_summary=count`);
  return ((await response.json()) as Bundle).total ?? 0;
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let index = 0; index < items.length; index += size) {
    out.push(...(await Promise.all(items.slice(index, index + size).map(run))));
  }
  return out;
}

interface Harness {
  readonly work: string;
  readonly redis: PrivateRedis;
  readonly healthy: RunningSandbox;
  readonly flakyEhr: RunningSandbox;
  readonly proxy: FaultProxy;
  readonly api: AdapterProcess;
  readonly workers: readonly [AdapterProcess, AdapterProcess];
  readonly apiUrl: string;
}

/** Everything started so far, so afterAll can stop exactly that even when start-up failed half-way. */
const started: {
  work?: string;
  build?: string;
  redis?: PrivateRedis;
  sandboxes: RunningSandbox[];
  proxy?: FaultProxy;
  processes: AdapterProcess[];
} = { sandboxes: [], processes: [] };
let harness: Harness | undefined;

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'spfa-faults-'));
  started.work = work;
  const [main, apiPort] = await Promise.all([buildAdapter(), freePort()]);
  started.build = join(main, '..', '..');
  progress(`built ${main}`);
  const redis = await createPrivateRedis({ args: DURABLE_REDIS_ARGS, dir: join(work, 'redis') });
  started.redis = redis;
  progress(`redis on ${redis.port}`);
  const healthy = await startSandbox({ port: 0 });
  const flakyEhr = await startSandbox({ port: 0 });
  started.sandboxes.push(healthy, flakyEhr);
  const proxy = await startFaultProxy(flakyEhr.baseUrl, 1);
  started.proxy = proxy;
  const retry = { baseDelayMs: 250, maxDelayMs: 2000, maxAgeMs: 30 * 60_000, requestTimeoutMs: 2000 };
  const config = {
    http: { host: '127.0.0.1', port: apiPort },
    redis: { url: redis.url, prefix: PREFIX },
    sandbox: { enabled: false },
    endpoints: [
      { id: 'healthy', baseUrl: healthy.baseUrl, practices: HEALTHY_PRACTICES, concurrency: 8, retry },
      { id: 'flaky', baseUrl: proxy.baseUrl, practices: FLAKY_PRACTICES, concurrency: 8, retry },
    ].map((endpoint) => ({ ...endpoint, maxRequestsPerSecond: 800 })),
    worker: { outboxSweepMs: 1000, lockDurationMs: 5000, stalledIntervalMs: 3000, shutdownGraceMs: 10_000 },
    log: { level: 'info' },
  };
  const configFile = join(work, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const env = { CONFIG_FILE: configFile };
  const api = new AdapterProcess(main, 'api', env, work, 'api');
  const workers = [
    new AdapterProcess(main, 'worker', env, work, 'worker-1'),
    new AdapterProcess(main, 'worker', env, work, 'worker-2'),
  ] as const;
  started.processes.push(api, ...workers);
  await Promise.all([api.start('API listening'), ...workers.map(async (w) => w.start('delivery workers started'))]);
  progress('adapter processes started');
  harness = { work, redis, healthy, flakyEhr, proxy, api, workers, apiUrl: `http://127.0.0.1:${apiPort}` };
});

afterAll(async () => {
  await Promise.all(started.processes.map(async (p) => p.kill('SIGKILL')));
  await started.proxy?.close();
  await Promise.all(started.sandboxes.map(async (sandbox) => sandbox.close()));
  await started.redis?.kill();
  for (const dir of [started.work, started.build]) {
    if (dir !== undefined) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('every accepted message reaches its EHR exactly once whatever fails', async () => {
  if (harness === undefined) {
    throw new Error('the fault harness did not start');
  }
  const { redis, healthy, flakyEhr, proxy, apiUrl } = harness;
  const planned = plan();
  expect(planned.length).toBeGreaterThanOrEqual(2000);
  const [victim, survivor] = harness.workers;
  const startedAt = Date.now();
  const faultLog: string[] = [];
  const note = (what: string): void => {
    faultLog.push(`${((Date.now() - startedAt) / 1000).toFixed(1)}s ${what}`);
    progress(faultLog[faultLog.length - 1] ?? what);
  };
  let healthyDuringOutage = { before: 0, after: 0 };

  // Submissions are paced over the whole run so every fault lands in the middle of real traffic.
  const submitting = (async () => {
    const accepted: Accepted[] = [];
    for (let index = 0; index < planned.length; index += 40) {
      const batchStarted = Date.now();
      accepted.push(...(await inBatches(planned.slice(index, index + 40), 20, async (p) => submit(apiUrl, p))));
      await sleep(Math.max(0, 1000 - (Date.now() - batchStarted)));
    }
    note('all submitted');
    return accepted;
  })();

  const killWorker = async (n: number): Promise<void> => {
    await victim.kill('SIGKILL');
    note(`worker SIGKILL ${n}`);
    await victim.start('delivery workers started');
  };
  const faults = (async () => {
    await sleep(3000);
    proxy.mode = 'unavailable';
    note('flaky EHR answers 503');
    const outageStarted = Date.now();
    const before = (await count(healthy.baseUrl, 'ServiceRequest')) + (await count(healthy.baseUrl, 'Goal'));
    await sleep(4000);
    await killWorker(1);
    await sleep(4000);
    await redis.kill();
    note('redis SIGKILL');
    await sleep(2000);
    await redis.start();
    note('redis restarted from its AOF');
    await sleep(4000);
    await killWorker(2);
    await sleep(Math.max(0, 30_000 - (Date.now() - outageStarted)));
    const after = (await count(healthy.baseUrl, 'ServiceRequest')) + (await count(healthy.baseUrl, 'Goal'));
    healthyDuringOutage = { before, after };
    proxy.mode = 'rate-limit';
    note('flaky EHR answers 429 Retry-After: 1');
    await sleep(6000);
    await killWorker(3);
    proxy.mode = 'reset';
    note('flaky EHR resets connections');
    await sleep(6000);
    proxy.mode = 'hang';
    note('flaky EHR never answers (timeouts)');
    await sleep(6000);
    proxy.mode = 'lose-response';
    note('flaky EHR commits writes but the answer is lost');
    await sleep(6000);
    proxy.mode = 'pass';
    note('flaky EHR healthy again');
  })();

  const [accepted] = await Promise.all([submitting, faults]);

  // Drain: wait until no message is queued or delivering.
  const client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
  const open = async (): Promise<number> =>
    (await client.zcard(`${PREFIX}:status:queued`)) + (await client.zcard(`${PREFIX}:status:delivering`));
  const deadline = Date.now() + 240_000;
  while ((await open()) > 0 && Date.now() < deadline) {
    await sleep(1000);
  }
  const stuck = await open();
  await client.quit();

  // A graceful stop of the worker that was never killed: SIGTERM exits cleanly.
  expect(await survivor.kill('SIGTERM')).toBe(0);

  // Every accepted message's final status, through the API.
  const ids = new Set(accepted.map((a) => a.messageId));
  expect(ids.size).toBe(planned.length);
  const statuses = await inBatches(accepted, 25, async (a) => {
    const { status, body } = await getJson(`${apiUrl}/v1/messages/${a.messageId}`);
    return { accepted: a, status, body };
  });

  // What each EHR holds, by business identifier, read straight from the EHR (not through the proxy).
  const records = new Map<
    string,
    { ehr: string; type: string; token: string; newest: number; messages: typeof statuses }
  >();
  for (const entry of statuses) {
    const doc = entry.accepted.doc;
    const type = entry.accepted.path === '/v1/goals' ? 'Goal' : 'ServiceRequest';
    const kind = type === 'Goal' ? 'goal' : 'referral';
    const token = `${doc.source.system}|${kind}/${doc.source.recordId}`;
    const ehr = HEALTHY_PRACTICES.includes(entry.accepted.practice) ? healthy.baseUrl : flakyEhr.baseUrl;
    const record = records.get(token) ?? { ehr, type, token, newest: 0, messages: [] };
    record.newest = Math.max(record.newest, doc.source.recordVersion);
    record.messages.push(entry);
    records.set(token, record);
  }
  let lost = 0;
  let duplicated = 0;
  let disagreeing = 0;
  let delivered = 0;
  let superseded = 0;
  let failed = 0;
  await inBatches([...records.values()], 25, async (record) => {
    const response = await fetch(`${record.ehr}/${record.type}?identifier=${encodeURIComponent(record.token)}`);
    const found =
      ((await response.json()) as Bundle).entry?.flatMap((e) => (e.resource !== undefined ? [e.resource] : [])) ?? [];
    if (found.length > 1) {
      duplicated += found.length - 1;
    }
    const held = found[0];
    if (held === undefined || sourceVersionOf(held) !== record.newest) {
      lost += 1;
    }
    for (const { status, body, accepted: a } of record.messages) {
      const version = a.doc.source.recordVersion;
      if (status !== 200) {
        lost += 1;
        continue;
      }
      if (body.status === 'delivered') {
        delivered += 1;
        const reference = (body.resources as { reference: string }[] | undefined)?.[0]?.reference;
        if (held === undefined || reference !== `${record.type}/${held.id ?? ''}`) {
          disagreeing += 1;
        }
      } else if (body.status === 'superseded') {
        superseded += 1;
        // Only an older version may be superseded, and only by a newer one the EHR really holds.
        if (version >= record.newest) {
          disagreeing += 1;
        }
      } else if (body.status === 'failed') {
        failed += 1;
      }
    }
  });

  const summary = `faults: ${accepted.length} accepted, ${delivered} delivered, ${superseded} superseded by a newer version, ${lost} lost, ${duplicated} duplicated, ${stuck} stuck`;
  process.stdout.write(
    `${summary}\n  ${faultLog.join('\n  ')}\n  proxy requests by mode: ${JSON.stringify(proxy.seen)}\n  healthy EHR resources during the 30 s outage: ${healthyDuringOutage.before} -> ${healthyDuringOutage.after}\n`,
  );

  expect({ lost, duplicated, stuck, failed, disagreeing }).toEqual({
    lost: 0,
    duplicated: 0,
    stuck: 0,
    failed: 0,
    disagreeing: 0,
  });
  expect(delivered + superseded).toBe(accepted.length);
  expect(superseded).toBeLessThanOrEqual(UPDATES);
  // The healthy EHR kept receiving deliveries while the other one was down.
  expect(healthyDuringOutage.after).toBeGreaterThan(healthyDuringOutage.before);
  // Every fault really happened.
  for (const mode of ['unavailable', 'rate-limit', 'reset', 'hang', 'lose-response'] as const) {
    expect(proxy.seen[mode]).toBeGreaterThan(0);
  }
  expect(faultLog.filter((line) => line.includes('worker SIGKILL'))).toHaveLength(3);
});
