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
 * With BENCH_BASE_URL the same run goes to a real FHIR server instead (client credentials from BENCH_TOKEN_URL,
 * BENCH_CLIENT_ID, BENCH_CLIENT_AUTH and FHIR_CLIENT_SECRET): the synthetic patients are seeded there first, and the
 * EHR-side counts (429s, 409s, requests) are left to the server's own logs, since only the sandbox reports them.
 */
import { spawnSync } from 'node:child_process';
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

/** A real FHIR server to run against instead of the sandbox, reached with OAuth 2.0 client credentials. */
export interface ExternalEhr {
  readonly baseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthentication: 'client_secret_basic' | 'client_secret_post';
}

export interface RealisticEhrOptions {
  readonly messages: number;
  readonly realistic: Required<RealisticOptions>;
  readonly external?: ExternalEhr;
  /** Give up waiting for the drain after this long; what is still open then counts as stuck. */
  readonly drainTimeoutMs: number;
}

export interface RealisticEhrFigures {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly messages: number;
  /** The sandbox's realistic settings, or the real server's base URL. */
  readonly ehr: Required<RealisticOptions> | { readonly baseUrl: string };
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
  /** What the EHR answered, counted by the sandbox; absent for a real server (read its own logs). */
  readonly ehrSide?: {
    readonly answered429: number;
    readonly answered429ByKind: Readonly<Record<string, number>>;
    readonly answered409: { readonly wholeRequests: number; readonly entries: number };
    readonly requests: Readonly<Record<string, number>>;
    readonly requestsPerMessage: number;
  };
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
  const external = options.external;
  const sandbox = external === undefined ? await startSandbox({ port: 0, realistic: options.realistic }) : undefined;
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
      endpoints: [
        external === undefined
          ? { id: 'realistic', baseUrl: sandbox?.baseUrl, practices: ['*'] }
          : {
              id: 'realistic',
              baseUrl: external.baseUrl,
              practices: ['*'],
              auth: {
                type: 'client-credentials',
                tokenUrl: external.tokenUrl,
                clientId: external.clientId,
                // In the run's own temporary config file, removed with it.
                clientSecret: external.clientSecret,
                clientAuthentication: external.clientAuthentication,
              },
            },
      ],
      // info: the processes are ready when their log says so.
      log: { level: 'info' },
    };
    const configFile = join(work, 'config.json');
    writeFileSync(configFile, JSON.stringify(config));
    // Compiled next to this file: dist/bench/ and dist/src/.
    const main = join(__dirname, '..', 'src', 'main.js');
    const env = { CONFIG_FILE: configFile };
    if (external !== undefined) {
      seedExternal(main, external);
    }
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

    const stats =
      sandbox === undefined
        ? undefined
        : ((await (await fetch(`http://127.0.0.1:${sandbox.port}${STATS_PATH}`)).json()) as SandboxStats);
    const views = await pool(ids, 20, async (id) => {
      const response = await fetch(`${apiUrl}/v1/messages/${id}`);
      return (await response.json()) as { status: string; attempts: number };
    });
    const count = (status: string): number => views.filter((view) => view.status === status).length;
    const attempts = views.reduce((sum, view) => sum + view.attempts, 0);
    return {
      date: new Date().toISOString(),
      machine: machineInfo(),
      messages: ids.length,
      ehr: external === undefined ? options.realistic : { baseUrl: external.baseUrl },
      postSeconds: round1(postSeconds),
      drainSeconds: round1(drainSeconds),
      delivered: count('delivered'),
      superseded: count('superseded'),
      replaysNeeded: count('failed'),
      stuck,
      retries: attempts - ids.length,
      ...(stats !== undefined ? { ehrSide: ehrSide(stats, ids.length) } : {}),
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
    await sandbox?.close();
    await redis.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

function ehrSide(stats: SandboxStats, messages: number): NonNullable<RealisticEhrFigures['ehrSide']> {
  const requests = Object.values(stats.requests).reduce((sum, n) => sum + n, 0);
  return {
    answered429: Object.values(stats.throttled).reduce((sum, n) => sum + n, 0),
    answered429ByKind: stats.throttled,
    answered409: { wholeRequests: stats.conflicts.requests, entries: stats.conflicts.entries },
    requests: stats.requests,
    requestsPerMessage: Math.round((requests / messages) * 100) / 100,
  };
}

/** Writes the synthetic patients the documents name into the real server, with the adapter's own command. */
function seedExternal(main: string, external: ExternalEhr): void {
  const seeded = spawnSync(
    process.execPath,
    [
      main,
      'seed-patients',
      '--base-url',
      external.baseUrl,
      '--token-url',
      external.tokenUrl,
      '--client-id',
      external.clientId,
      '--client-auth',
      external.clientAuthentication,
    ],
    { env: { ...process.env, FHIR_CLIENT_SECRET: external.clientSecret }, encoding: 'utf8' },
  );
  if (seeded.status !== 0) {
    throw new Error(`seed-patients failed: ${seeded.stderr}${seeded.stdout}`);
  }
}

function externalEhr(): ExternalEhr | undefined {
  const baseUrl = process.env.BENCH_BASE_URL;
  if (baseUrl === undefined || baseUrl === '') {
    return undefined;
  }
  const need = (name: string): string => {
    const value = process.env[name];
    if (value === undefined || value === '') {
      throw new Error(`BENCH_BASE_URL is set: ${name} is needed too`);
    }
    return value;
  };
  return {
    baseUrl,
    tokenUrl: need('BENCH_TOKEN_URL'),
    clientId: need('BENCH_CLIENT_ID'),
    clientSecret: need('FHIR_CLIENT_SECRET'),
    clientAuthentication:
      process.env.BENCH_CLIENT_AUTH === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
  };
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
    ...(externalEhr() !== undefined ? { external: externalEhr() } : {}),
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
