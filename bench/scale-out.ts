/**
 * Scale-out figures (docs/scaling.md): the same backlog of referrals delivered by one worker process and then by
 * two worker processes against one Redis and one sandbox EHR process, with the endpoint's rate limit raised so the
 * limiter is not what is measured. Reports delivered/s for each and the duplicates the ledger shows (a message with
 * more than one `delivered` entry). `measureScaleOut` returns the figures; `main` prints them and writes
 * bench/results/scale-out-<date>.json (`npm run bench:scale-out -- --messages 1000 --workers 2`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RoleProcess } from './processes';
import { deleteUnder, startRole, waitUntil } from './processes';
import type { MachineInfo } from './report';
import { machineInfo, writeResults } from './report';
import { benchReferral, postReferral } from './referral';

export interface ScaleOutOptions {
  readonly redisUrl: string;
  /** Referrals in the backlog of each run. */
  readonly messages: number;
  /** The largest number of worker processes; runs are made with 1 and with this many. */
  readonly workers: number;
  readonly log?: (line: string) => void;
}

export interface ScaleOutRun {
  readonly workers: number;
  readonly messages: number;
  readonly delivered: number;
  readonly seconds: number;
  readonly deliveredPerSecond: number;
  /** Messages with more than one `delivered` ledger entry. */
  readonly duplicateDeliveries: number;
  /** Messages that took more than one attempt (a lease or lock contention would show here). */
  readonly retriedMessages: number;
}

export interface ScaleOutResults {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly runs: readonly ScaleOutRun[];
}

async function deliveredEntries(redis: Redis, prefix: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let from = '-';
  for (;;) {
    const batch = (await redis.xrange(`${prefix}:ledger`, from, '+', 'COUNT', 1000)) as [string, string[]][];
    for (const [, fields] of batch) {
      const type = fields[fields.indexOf('type') + 1];
      const messageId = fields[fields.indexOf('messageId') + 1];
      if (type === 'delivered' && messageId !== undefined) {
        counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
      }
    }
    const last = batch.at(-1);
    if (batch.length < 1000 || last === undefined) return counts;
    from = `(${last[0]}`;
  }
}

async function oneRun(
  redis: Redis,
  env: NodeJS.ProcessEnv,
  workers: number,
  messages: number,
  log: (line: string) => void,
): Promise<ScaleOutRun> {
  const run = randomBytes(4).toString('hex');
  const prefix = `bench-scale-${run}`;
  const runEnv = { ...env, REDIS_PREFIX: prefix };
  const processes: RoleProcess[] = [];
  try {
    const api = await startRole(['api'], runEnv, 'API listening');
    processes.push(api);
    const apiUrl = String(api.ready.url);
    log(`${String(workers)} worker(s): queueing ${String(messages)} referrals`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < messages) {
          const i = next;
          next += 1;
          await postReferral(apiUrl, benchReferral(i, run));
        }
      }),
    );
    const started = await Promise.all(
      Array.from({ length: workers }, () => startRole(['worker'], runEnv, 'delivery workers started')),
    );
    processes.push(...started);
    const delivered = async (): Promise<number> => redis.zcard(`${prefix}:status:delivered`);
    const t0 = performance.now();
    const d0 = await delivered();
    await waitUntil(async () => (await delivered()) >= messages, 30 * 60_000);
    const seconds = (performance.now() - t0) / 1000;
    const entries = await deliveredEntries(redis, prefix);
    let retried = 0;
    for (const id of entries.keys()) {
      if (Number(await redis.hget(`${prefix}:msg:${id}`, 'attempts')) > 1) retried += 1;
    }
    return {
      workers,
      messages,
      delivered: await delivered(),
      seconds: Math.round(seconds * 10) / 10,
      deliveredPerSecond: Math.round(((messages - d0) / seconds) * 10) / 10,
      duplicateDeliveries: [...entries.values()].filter((count) => count > 1).length,
      retriedMessages: retried,
    };
  } finally {
    for (const role of processes.reverse()) {
      await role.stop();
    }
    await deleteUnder(redis, `${prefix}:*`);
  }
}

export async function measureScaleOut(options: ScaleOutOptions): Promise<ScaleOutResults> {
  const log = options.log ?? ((): void => undefined);
  const loadStart = loadavg();
  const redis = new Redis(options.redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'spfa-scale-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: options.redisUrl,
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    SANDBOX: 'off',
  };
  let sandbox: RoleProcess | undefined;
  try {
    sandbox = await startRole(
      ['sandbox', '--port', '0'],
      { ...env, SANDBOX: 'on', REDIS_PREFIX: 'bench-scale-sandbox' },
      'sandbox EHR listening',
    );
    const configFile = join(dir, 'config.json');
    // The limit raised far above what the sandbox takes, so the workers and the EHR are what is measured.
    writeFileSync(
      configFile,
      JSON.stringify({
        endpoints: [
          {
            id: 'bench',
            baseUrl: String(sandbox.ready.baseUrl),
            practices: ['*'],
            maxRequestsPerSecond: 10_000,
            concurrency: 20,
          },
        ],
      }),
    );
    const runs: ScaleOutRun[] = [];
    for (const workers of [...new Set([1, options.workers])]) {
      runs.push(await oneRun(redis, { ...env, CONFIG_FILE: configFile }, workers, options.messages, log));
    }
    return {
      date: new Date().toISOString(),
      machine: machineInfo(),
      loadAverage: { start: loadStart, end: loadavg() },
      runs,
    };
  } finally {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
    await redis.quit();
  }
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`--${name} must be a positive whole number`);
  }
  return value;
}

async function main(): Promise<void> {
  const results = await measureScaleOut({
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    messages: option('messages', 2000),
    workers: option('workers', 2),
    log: (line) => {
      console.error(`scale-out: ${line}`);
    },
  });
  writeResults('scale-out', results);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
