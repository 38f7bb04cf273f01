/**
 * The 1,000-message run against the most realistic EHR this machine can run: the sandbox in its realistic mode
 * (a Medplum server on PostgreSQL with default settings: 50,000 interaction points per client per minute,
 * entry-by-entry transactions, serialization conflicts), fed by the compiled adapter as real processes (one API,
 * two workers, the endpoint's default settings) on a private redis-server. It posts the messages as fast as the
 * API takes them and measures the time until none is queued or delivering, the 429s and 409s the EHR gave,
 * retries, the messages left failed (each one a manual replay), EHR requests per message and the load average.
 * `runRealisticEhr` returns the figures; `npm run bench:realistic` runs it alone and writes them to bench/results/.
 * Sizes and the server's settings come from BENCH_MESSAGES (default 1000), BENCH_QUOTA_POINTS, BENCH_QUOTA_WINDOW,
 * BENCH_CONFLICT_RATE, BENCH_ENTRY_CONFLICT_RATE and BENCH_SEED (defaults: the realistic mode's own).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findPackageRoot } from '../src/lib/package-root';
import type { RealisticOptions, SandboxStats } from '../src/sandbox';
import { REALISTIC_DEFAULTS, SANDBOX_PATIENTS, STATS_PATH, startSandbox } from '../src/sandbox';
import { AdapterProcess } from '../test/faults/processes';
import { DURABLE_REDIS_ARGS, createPrivateRedis, freePort } from '../test/support/private-redis';
import { machineInfo, writeResults } from './report';
import type { MachineInfo } from './report';

export interface RealisticEhrOptions {
  readonly messages: number;
  readonly realistic: Required<RealisticOptions>;
  /** Give up waiting for the drain after this long; what is still open then counts as stuck. */
  readonly drainTimeoutMs: number;
}

export interface RealisticEhrFigures {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly messages: number;
  readonly ehr: Required<RealisticOptions>;
  readonly postSeconds: number;
  /** From the first POST until no message is queued or delivering. */
  readonly drainSeconds: number;
  readonly delivered: number;
  readonly superseded: number;
  /** Messages failed at the end: each would need a manual replay (the target is none). */
  readonly replaysNeeded: number;
  /** Messages still queued or delivering when the drain timed out. */
  readonly stuck: number;
  /** Delivery attempts beyond the first, over all messages. */
  readonly retries: number;
  readonly ehrAnswered429: number;
  readonly ehrAnswered429ByKind: Readonly<Record<string, number>>;
  readonly ehrAnswered409: { readonly wholeRequests: number; readonly entries: number };
  readonly ehrRequests: Readonly<Record<string, number>>;
  readonly ehrRequestsPerMessage: number;
  readonly loadAverage1m: { readonly start: number; readonly mean: number; readonly max: number; readonly end: number };
}

type Kind = 'referral' | 'goal' | 'outcome-note' | 'support-plan' | 'connection';

const PATHS: Readonly<Record<Kind, string>> = {
  referral: '/v1/referrals',
  goal: '/v1/goals',
  'outcome-note': '/v1/outcome-notes',
  'support-plan': '/v1/support-plans',
  connection: '/v1/connections',
};

interface Doc {
  readonly kind: Kind;
  readonly body: Record<string, unknown>;
}

const ROOT = findPackageRoot(__dirname);
const REFERRED_AT = '2026-10-16T09:00:00Z';

function example(file: string): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as Record<string, unknown>;
  // The journey files wrap the message in { kind, body }; the single examples are the message itself.
  return 'body' in parsed ? (parsed.body as Record<string, unknown>) : parsed;
}

/**
 * Half referrals, half messages about them (goals, outcome notes, support plans and connections in turn), each
 * for the referral's patient and practice, with record ids unique to this run.
 */
export function realisticDocuments(count: number, run: string): Doc[] {
  const templates = {
    referral: example('referral.json'),
    goal: example('goal.json'),
    'outcome-note': example('outcome-note.json'),
    'support-plan': example('journeys/b-anchoring/04-support-plan.json'),
    connection: example('journeys/b-anchoring/05-connection.json'),
  };
  const followUps: Kind[] = ['goal', 'outcome-note', 'support-plan', 'connection'];
  const docs: Doc[] = [];
  for (let index = 0; docs.length < count; index += 1) {
    const patient = SANDBOX_PATIENTS[index % SANDBOX_PATIENTS.length];
    const about = {
      patient: { nhsNumber: patient?.nhsNumber ?? '9990000018' },
      gpPractice: { odsCode: patient?.practiceOdsCode ?? 'A81001' },
    };
    const referralId = `RB-${run}-${index}`;
    const source = (template: Record<string, unknown>, recordId: string): Record<string, unknown> => ({
      ...(template.source as Record<string, unknown>),
      recordId,
      recordVersion: 1,
    });
    docs.push({
      kind: 'referral',
      // Dated before the support plan (2026-10-17) and connection (2026-10-18) examples, since intake refuses
      // records dated before their referral.
      body: {
        ...templates.referral,
        ...about,
        source: source(templates.referral, referralId),
        referredAt: REFERRED_AT,
      },
    });
    const kind = followUps[index % followUps.length] ?? 'goal';
    if (docs.length >= count) {
      break;
    }
    const template = templates[kind];
    const body: Record<string, unknown> = {
      ...template,
      ...about,
      source: source(template, `${kind}-${run}-${index}`),
      referralId,
    };
    if (kind === 'support-plan') {
      // Goal ids are business identifiers of their own: unique per plan.
      const suffix = `${run}-${index}`;
      const plan = template as { goals: { goalId: string }[]; actions: { goalId: string }[] };
      body.goals = plan.goals.map((goal) => ({ ...goal, goalId: `${goal.goalId}-${suffix}` }));
      body.actions = plan.actions.map((action) => ({ ...action, goalId: `${action.goalId}-${suffix}` }));
    }
    docs.push({ kind, body });
  }
  return docs;
}

/**
 * Posts until the API accepts. A refused connection, one closed as it was reused, or a 503 means "again": the
 * same version of a record is accepted once and answered with the same message id.
 */
async function post(apiUrl: string, doc: Doc): Promise<string> {
  for (let tries = 1; ; tries += 1) {
    let response: Response;
    try {
      response = await fetch(`${apiUrl}${PATHS[doc.kind]}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(doc.body),
      });
    } catch (error) {
      if (tries >= 10) {
        throw error;
      }
      await sleep(200);
      continue;
    }
    const body = (await response.json()) as { messageId?: string };
    if (response.status === 202 && body.messageId !== undefined) {
      return body.messageId;
    }
    if (response.status !== 503) {
      throw new Error(`${doc.kind} answered ${response.status}: ${JSON.stringify(body)}`);
    }
  }
}

async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next;
        next += 1;
        const item = items[index];
        if (item !== undefined) {
          out[index] = await work(item);
        }
      }
    }),
  );
  return out;
}

const sleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

const round1 = (value: number): number => Math.round(value * 10) / 10;

export async function runRealisticEhr(options: RealisticEhrOptions): Promise<RealisticEhrFigures> {
  const work = mkdtempSync(join(tmpdir(), 'spfa-bench-realistic-'));
  const redis = await createPrivateRedis({ args: DURABLE_REDIS_ARGS, dir: join(work, 'redis') });
  const sandbox = await startSandbox({ port: 0, realistic: options.realistic });
  const processes: AdapterProcess[] = [];
  const loads: number[] = [];
  const sampler = setInterval(() => loads.push(loadavg()[0] ?? 0), 2000);
  try {
    const apiPort = await freePort();
    const prefix = 'bench-realistic';
    const config = {
      http: { host: '127.0.0.1', port: apiPort },
      redis: { url: redis.url, prefix },
      sandbox: { enabled: false },
      // The endpoint's defaults (concurrency, request rate, retry policy), as an operator would start.
      endpoints: [{ id: 'realistic', baseUrl: sandbox.baseUrl, practices: ['*'] }],
      // info: the processes are ready when their log says so.
      log: { level: 'info' },
    };
    const configFile = join(work, 'config.json');
    writeFileSync(configFile, JSON.stringify(config));
    // Compiled next to this file: dist/bench/ and dist/src/.
    const main = join(__dirname, '..', 'src', 'main.js');
    const env = { CONFIG_FILE: configFile };
    processes.push(
      new AdapterProcess(main, 'api', env, work, 'api'),
      new AdapterProcess(main, 'worker', env, work, 'worker-1'),
      new AdapterProcess(main, 'worker', env, work, 'worker-2'),
    );
    await Promise.all(
      processes.map(async (p) => p.start(p.role === 'api' ? 'API listening' : 'delivery workers started', 120_000)),
    );
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const docs = realisticDocuments(options.messages, Date.now().toString(36));

    loads.push(loadavg()[0] ?? 0);
    const startedAt = performance.now();
    const ids = await pool(docs, 50, async (doc) => post(apiUrl, doc));
    const postSeconds = (performance.now() - startedAt) / 1000;

    const client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
    const open = async (): Promise<number> =>
      (await client.zcard(`${prefix}:status:queued`)) + (await client.zcard(`${prefix}:status:delivering`));
    const deadline = Date.now() + options.drainTimeoutMs;
    let stuck = await open();
    while (stuck > 0 && Date.now() < deadline) {
      await sleep(500);
      stuck = await open();
    }
    const drainSeconds = (performance.now() - startedAt) / 1000;
    await client.quit();
    loads.push(loadavg()[0] ?? 0);

    const stats = (await (await fetch(`http://127.0.0.1:${sandbox.port}${STATS_PATH}`)).json()) as SandboxStats;
    const views = await pool(ids, 20, async (id) => {
      const response = await fetch(`${apiUrl}/v1/messages/${id}`);
      return (await response.json()) as { status: string; attempts: number };
    });
    const count = (status: string): number => views.filter((view) => view.status === status).length;
    const attempts = views.reduce((sum, view) => sum + view.attempts, 0);
    const requests = Object.values(stats.requests).reduce((sum, n) => sum + n, 0);
    return {
      date: new Date().toISOString(),
      machine: machineInfo(),
      messages: ids.length,
      ehr: options.realistic,
      postSeconds: round1(postSeconds),
      drainSeconds: round1(drainSeconds),
      delivered: count('delivered'),
      superseded: count('superseded'),
      replaysNeeded: count('failed'),
      stuck,
      retries: attempts - ids.length,
      ehrAnswered429: Object.values(stats.throttled).reduce((sum, n) => sum + n, 0),
      ehrAnswered429ByKind: stats.throttled,
      ehrAnswered409: { wholeRequests: stats.conflicts.requests, entries: stats.conflicts.entries },
      ehrRequests: stats.requests,
      ehrRequestsPerMessage: Math.round((requests / ids.length) * 100) / 100,
      loadAverage1m: {
        start: round1(loads[0] ?? 0),
        mean: round1(loads.reduce((sum, n) => sum + n, 0) / Math.max(1, loads.length)),
        max: round1(Math.max(...loads)),
        end: round1(loads[loads.length - 1] ?? 0),
      },
    };
  } finally {
    clearInterval(sampler);
    await Promise.all(processes.map(async (p) => p.kill('SIGTERM')));
    await sandbox.close();
    await redis.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

function envNumber(name: string, fallback: number): number {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number(value);
}

async function main(): Promise<void> {
  const figures = await runRealisticEhr({
    messages: envNumber('BENCH_MESSAGES', 1000),
    realistic: {
      seed: envNumber('BENCH_SEED', REALISTIC_DEFAULTS.seed),
      conflictRate: envNumber('BENCH_CONFLICT_RATE', REALISTIC_DEFAULTS.conflictRate),
      entryConflictRate: envNumber('BENCH_ENTRY_CONFLICT_RATE', REALISTIC_DEFAULTS.entryConflictRate),
      quotaPoints: envNumber('BENCH_QUOTA_POINTS', REALISTIC_DEFAULTS.quotaPoints),
      quotaWindowSeconds: envNumber('BENCH_QUOTA_WINDOW', REALISTIC_DEFAULTS.quotaWindowSeconds),
    },
    drainTimeoutMs: envNumber('BENCH_DRAIN_TIMEOUT_S', 3600) * 1000,
  });
  writeResults('realistic-ehr', figures);
  process.exit(figures.replaysNeeded === 0 && figures.stuck === 0 ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
