/**
 * The benchmark: measures intake (HTTP 202s per second and their latency), end-to-end delivery into the embedded
 * sandbox EHR (messages per second, time from acceptance to delivery) and memory (process RSS, Redis bytes per
 * message). It runs the real adapter against the real Redis under a throwaway key prefix, prints the figures and
 * writes them to bench/results/ as JSON. Sizes: BENCH_MESSAGES (default 2000), BENCH_CONCURRENCY (default 32).
 */
import { randomBytes } from 'node:crypto';
import { machineInfo, writeResults } from './report';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load';
import type { InboundMessage } from '../src/messages/schemas';
import { silentLogger } from '../src/observability/logger';
import { runAdapter } from '../src/runtime/run';
import { SANDBOX_PATIENTS, startSandbox } from '../src/sandbox';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SINGLE_MESSAGES = Number(process.env.BENCH_SINGLE ?? 50);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Latencies {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

function percentiles(values: number[]): Latencies {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

function referral(i: number, run: string): { path: string; body: InboundMessage['body'] } {
  const patient = SANDBOX_PATIENTS[i % SANDBOX_PATIENTS.length];
  if (patient === undefined) {
    throw new Error('the sandbox has no patients');
  }
  return {
    path: '/v1/referrals',
    body: {
      source: {
        system: 'https://bench.example.org',
        recordId: `B-${run}-${i}`,
        recordVersion: 1,
        sentAt: '2026-11-01T09:00:00Z',
      },
      patient: { nhsNumber: patient.nhsNumber },
      gpPractice: { odsCode: patient.practiceOdsCode },
      linkWorker: { name: 'Bench Worker', organisation: { odsCode: 'RX9LW' } },
      status: 'accepted',
      referredAt: '2026-11-01T08:00:00Z',
      referrer: { name: 'Dr Bench', organisation: { odsCode: patient.practiceOdsCode } },
      method: 'gp',
      reasons: [{ snomed: '422650009' }],
      urgency: 'routine',
    },
  };
}

async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        if (item !== undefined) {
          await work(item);
        }
      }
    }),
  );
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const prefix = `bench-${run}`;
  const sandbox = await startSandbox({ port: 0 });
  const config = parseConfig({
    http: { port: 0 },
    redis: { url: REDIS_URL, prefix },
    endpoints: [
      { id: 'ehr', baseUrl: sandbox.baseUrl, practices: ['*'], concurrency: 16, maxRequestsPerSecond: 10_000 },
    ],
    log: { level: 'silent' },
  });
  const redis = new Redis(REDIS_URL);
  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);

  // Phase 1: intake only (no workers), so the API's own throughput is measured.
  const apiOnly = await runAdapter(config, { api: true, worker: false, sandbox: false }, silentLogger());
  const docs = Array.from({ length: MESSAGES }, (_, i) => referral(i, run));
  const ids: string[] = [];
  const intakeLatency: number[] = [];
  const intakeStart = performance.now();
  await runPool(docs, CONCURRENCY, async (doc) => {
    const started = performance.now();
    const response = await fetch(`${apiOnly.apiUrl ?? ''}${doc.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(doc.body),
    });
    const body = (await response.json()) as { messageId?: string };
    intakeLatency.push(performance.now() - started);
    if (response.status !== 202 || body.messageId === undefined) {
      throw new Error(`intake answered ${response.status}`);
    }
    ids.push(body.messageId);
  });
  const intakeSeconds = (performance.now() - intakeStart) / 1000;
  const memoryAfterIntake = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  await apiOnly.stop();

  // Phase 2: start workers on the backlog and time the drain into the sandbox EHR.
  const drainStart = performance.now();
  const workers = await runAdapter(config, { api: false, worker: true, sandbox: false }, silentLogger());
  const store = workers.services.store;
  let delivered = 0;
  while (delivered < ids.length) {
    delivered = await store.countByStatus('delivered');
    const failed = await store.countByStatus('failed');
    if (failed > 0) {
      throw new Error(`${failed} messages failed during the benchmark`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const records = await Promise.all(ids.slice(0, 500).map(async (id) => store.get(id)));
  const endToEnd = records.map((r) => (r?.deliveredAt ? Date.parse(r.deliveredAt) - Date.parse(r.receivedAt) : 0));
  await workers.stop();

  // Phase 3: one message at a time on an idle adapter, the link worker's everyday case: how long from the 202
  // until the record is in the EHR.
  const idle = await runAdapter(config, { api: true, worker: true, sandbox: false }, silentLogger());
  const single: number[] = [];
  for (let i = 0; i < SINGLE_MESSAGES; i += 1) {
    const doc = referral(MESSAGES + i, run);
    const started = performance.now();
    const response = await fetch(`${idle.apiUrl ?? ''}${doc.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(doc.body),
    });
    const { messageId } = (await response.json()) as { messageId: string };
    for (;;) {
      const record = await idle.services.store.get(messageId);
      if (record?.status === 'delivered') {
        break;
      }
      if (record?.status === 'failed') {
        throw new Error(`message ${messageId} failed during the benchmark`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    single.push(performance.now() - started);
  }
  const rss = process.memoryUsage().rss;
  await idle.stop();
  await sandbox.close();

  const results = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    messages: MESSAGES,
    concurrency: CONCURRENCY,
    intake: {
      acceptedPerSecond: Math.round(MESSAGES / intakeSeconds),
      latencyMs: percentiles(intakeLatency),
    },
    delivery: {
      deliveredPerSecond: Math.round(MESSAGES / drainSeconds),
      drainSeconds: Math.round(drainSeconds * 10) / 10,
      acceptedToDeliveredMs: percentiles(endToEnd),
      note: 'phase 2 drains a backlog built in phase 1, so accepted-to-delivered includes queueing time',
    },
    singleMessage: {
      count: SINGLE_MESSAGES,
      postToDeliveredMs: percentiles(single),
      note: 'one message at a time on an idle adapter: from the POST until the store says delivered (polled every 5 ms)',
    },
    memory: {
      processRssMiB: Math.round(rss / 2 ** 20),
      redisBytesPerMessage: Math.round((memoryAfterIntake - memoryBefore) / MESSAGES),
    },
  };
  // Leave nothing behind in Redis.
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
    if ((keys as string[]).length > 0) {
      await redis.unlink(...(keys as string[]));
    }
  }
  await redis.quit();

  writeResults('bench', results);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
