/**
 * Footprint figures: Redis bytes per queued message, per delivered message and per ledger entry (MEMORY USAGE of
 * every key under a throwaway prefix, and the INFO memory delta beside it), the start-up time and RSS of each role
 * (sandbox, API, worker, `audit verify`) run as its own process, and the RSS of the API, worker and sandbox
 * processes at the start and end of a steady run at a fixed offered rate. `measureFootprint` returns the figures;
 * `main` prints them and writes bench/results/footprint-<date>.json (`npm run bench:footprint -- --minutes 2`).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import type { RoleFigures, RoleProcess } from './processes';
import { bytesUnder, deleteUnder, rssMiB, runCommand, startRole, usedMemory, waitUntil } from './processes';
import type { MachineInfo } from './report';
import { machineInfo, writeResults } from './report';
import { benchReferral, postReferral } from './referral';

export interface FootprintOptions {
  readonly redisUrl: string;
  /** Length of the steady run (the figure is for 10 minutes). */
  readonly minutes: number;
  /** Referrals offered per second during the steady run. */
  readonly ratePerSecond: number;
  /** Referrals queued (workers off) to measure Redis bytes per queued message. */
  readonly queuedMessages: number;
  readonly log?: (line: string) => void;
}

export interface FootprintResults {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly redis: {
    /** MEMORY USAGE of every key under the prefix after N referrals were accepted (workers off), divided by N. */
    readonly bytesPerQueuedMessage: number;
    /** The same after they were delivered (their records kept, with their settled TTL, jobs completed). */
    readonly bytesPerDeliveredMessage: number;
    /** MEMORY USAGE of the ledger stream, its head and its indexes, divided by the number of entries. */
    readonly bytesPerLedgerEntry: number;
    /** INFO used_memory delta over the queueing, divided by N: includes allocator overhead and other clients. */
    readonly usedMemoryDeltaPerQueuedMessage: number;
    readonly queuedMessages: number;
    readonly ledgerEntries: number;
  };
  readonly roles: readonly RoleFigures[];
  readonly steady: {
    readonly minutes: number;
    readonly offeredPerSecond: number;
    readonly accepted: number;
    readonly delivered: number;
    readonly rssMiB: Readonly<Record<'api' | 'worker' | 'sandbox', { readonly start: number; readonly end: number }>>;
  };
}

async function postAll(apiUrl: string, run: string, from: number, count: number, concurrency: number): Promise<number> {
  let next = from;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < from + count) {
        const i = next;
        next += 1;
        if ((await postReferral(apiUrl, benchReferral(i, run))) === 202) accepted += 1;
      }
    }),
  );
  return accepted;
}

export async function measureFootprint(options: FootprintOptions): Promise<FootprintResults> {
  const log = options.log ?? ((): void => undefined);
  const loadStart = loadavg();
  const run = randomBytes(4).toString('hex');
  const prefix = `bench-footprint-${run}`;
  const redis = new Redis(options.redisUrl);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    SANDBOX: 'off',
  };
  const processes: RoleProcess[] = [];
  try {
    log('starting the sandbox EHR');
    const sandbox = await startRole(['sandbox', '--port', '0'], { ...env, SANDBOX: 'on' }, 'sandbox EHR listening');
    processes.push(sandbox);
    const fhirBaseUrl = String(sandbox.ready.baseUrl);
    const roleEnv = { ...env, FHIR_BASE_URL: fhirBaseUrl };
    log('starting the API');
    const api = await startRole(['api'], roleEnv, 'API listening');
    processes.push(api);
    const apiUrl = String(api.ready.url);
    const roles: RoleFigures[] = [
      { role: 'sandbox', startupMs: sandbox.startupMs, rssMiB: rssMiB(sandbox.child.pid) },
      { role: 'api', startupMs: api.startupMs, rssMiB: rssMiB(api.child.pid) },
    ];

    log(`queueing ${String(options.queuedMessages)} referrals with the workers off`);
    const memoryBefore = await usedMemory(redis);
    const queued = await postAll(apiUrl, run, 0, options.queuedMessages, 16);
    const usedDelta = (await usedMemory(redis)) - memoryBefore;
    const queuedBytes = await bytesUnder(redis, `${prefix}:*`);
    const ledgerEntries = await redis.xlen(`${prefix}:ledger`);
    const ledgerBytes = await bytesUnder(redis, `${prefix}:ledger*`);

    log('starting the worker');
    const worker = await startRole(['worker'], roleEnv, 'delivery workers started');
    processes.push(worker);
    roles.push({ role: 'worker', startupMs: worker.startupMs, rssMiB: rssMiB(worker.child.pid) });
    const delivered = async (): Promise<number> => redis.zcard(`${prefix}:status:delivered`);
    await waitUntil(async () => (await delivered()) >= queued, 30 * 60_000);
    const deliveredBytes = await bytesUnder(redis, `${prefix}:*`);
    roles.push(await runCommand(['audit', 'verify'], roleEnv));
    roles.push(await runCommand(['--version'], roleEnv));

    log(`steady run: ${String(options.ratePerSecond)}/s for ${String(options.minutes)} min`);
    const rssStart = {
      api: rssMiB(api.child.pid),
      worker: rssMiB(worker.child.pid),
      sandbox: rssMiB(sandbox.child.pid),
    };
    const deliveredBefore = await delivered();
    const end = Date.now() + options.minutes * 60_000;
    let sent = 0;
    let accepted = 0;
    const inFlight = new Set<Promise<void>>();
    const started = Date.now();
    while (Date.now() < end) {
      // Paced by the clock, so a slow response does not lower the offered rate.
      const due = Math.floor(((Date.now() - started) / 1000) * options.ratePerSecond);
      while (sent < due) {
        const i = options.queuedMessages + sent;
        sent += 1;
        const posting = postReferral(apiUrl, benchReferral(i, run)).then((status) => {
          if (status === 202) accepted += 1;
        });
        inFlight.add(posting);
        void posting.finally(() => inFlight.delete(posting));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(inFlight);
    await waitUntil(async () => (await delivered()) >= deliveredBefore + accepted, 5 * 60_000).catch(() => undefined);
    const rssEnd = {
      api: rssMiB(api.child.pid),
      worker: rssMiB(worker.child.pid),
      sandbox: rssMiB(sandbox.child.pid),
    };
    return {
      date: new Date().toISOString(),
      machine: machineInfo(),
      loadAverage: { start: loadStart, end: loadavg() },
      redis: {
        bytesPerQueuedMessage: Math.round(queuedBytes / Math.max(queued, 1)),
        bytesPerDeliveredMessage: Math.round(deliveredBytes / Math.max(queued, 1)),
        bytesPerLedgerEntry: Math.round(ledgerBytes / Math.max(ledgerEntries, 1)),
        usedMemoryDeltaPerQueuedMessage: Math.round(usedDelta / Math.max(queued, 1)),
        queuedMessages: queued,
        ledgerEntries,
      },
      roles,
      steady: {
        minutes: options.minutes,
        offeredPerSecond: options.ratePerSecond,
        accepted,
        delivered: (await delivered()) - deliveredBefore,
        rssMiB: {
          api: { start: rssStart.api, end: rssEnd.api },
          worker: { start: rssStart.worker, end: rssEnd.worker },
          sandbox: { start: rssStart.sandbox, end: rssEnd.sandbox },
        },
      },
    };
  } finally {
    for (const role of processes.reverse()) {
      await role.stop();
    }
    await deleteUnder(redis, `${prefix}:*`);
    await redis.quit();
  }
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`--${name} must be a positive number`);
  }
  return value;
}

async function main(): Promise<void> {
  const results = await measureFootprint({
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    minutes: option('minutes', 10),
    ratePerSecond: option('rate', 10),
    queuedMessages: option('messages', 1000),
    log: (line) => {
      console.error(`footprint: ${line}`);
    },
  });
  writeResults('footprint', results);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
