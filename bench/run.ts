/**
 * The benchmark: measures intake (HTTP 202s per second, their latency, Redis CPU per message), what each intake
 * step costs (intake-steps.ts), end-to-end delivery into the embedded sandbox EHR (messages per second, time from
 * acceptance to delivery) and memory (process RSS, Redis bytes per message). It runs the real adapter against the
 * real Redis under a throwaway key prefix, prints the figures and writes them to bench/results/ as JSON. Sizes:
 * BENCH_MESSAGES (default 2000), BENCH_CONCURRENCY (default 32); BENCH_PHASES picks phases (default all);
 * BENCH_PRIVATE_REDIS=1 runs against a private redis-server with the production durability settings, so its CPU
 * figures are the adapter's alone.
 */
import { randomBytes } from 'node:crypto';
import { machineInfo, writeResults } from './report';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load';
import { silentLogger } from '../src/observability/logger';
import { runAdapter } from '../src/runtime/run';
import { SANDBOX_PATIENTS, startSandbox } from '../src/sandbox';
import { DURABLE_REDIS_ARGS, createPrivateRedis } from '../test/support/private-redis';
import type { PrivateRedis } from '../test/support/private-redis';
import type { BenchDocument, IntakeStepsResults } from './intake-steps';
import { measureIntakeSteps, redisCommandUs, redisCpuMs } from './intake-steps';
import type { Latencies } from './stats';
import { percentiles } from './stats';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SINGLE_MESSAGES = Number(process.env.BENCH_SINGLE ?? 50);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'intake,intake-steps,delivery,single').split(','));
const PRIVATE_REDIS = process.env.BENCH_PRIVATE_REDIS === '1';

function referral(i: number, run: string): BenchDocument {
  const patient = SANDBOX_PATIENTS[i % SANDBOX_PATIENTS.length];
  if (patient === undefined) {
    throw new Error('the sandbox has no patients');
  }
  return {
    kind: 'referral',
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

interface IntakeResults {
  readonly acceptedPerSecond: number;
  readonly latencyMs: Latencies;
  /** Redis CPU (user + system) per accepted message; only the adapter's own with BENCH_PRIVATE_REDIS=1. */
  readonly redisCpuMsPerMessage: number;
  /** Of which executing commands and scripts (INFO commandstats), per accepted message. */
  readonly redisCommandMsPerMessage: number;
}

async function post(apiUrl: string, doc: BenchDocument): Promise<{ status: number; messageId?: string }> {
  const response = await fetch(`${apiUrl}${doc.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(doc.body),
  });
  const body = (await response.json()) as { messageId?: string };
  return { status: response.status, ...(body.messageId !== undefined ? { messageId: body.messageId } : {}) };
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const prefix = `bench-${run}`;
  const privateRedis: PrivateRedis | undefined = PRIVATE_REDIS
    ? await createPrivateRedis({ args: DURABLE_REDIS_ARGS })
    : undefined;
  const redisUrl = privateRedis?.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const sandbox = await startSandbox({ port: 0 });
  const config = parseConfig({
    http: { port: 0 },
    redis: { url: redisUrl, prefix },
    endpoints: [
      { id: 'ehr', baseUrl: sandbox.baseUrl, practices: ['*'], concurrency: 16, maxRequestsPerSecond: 10_000 },
    ],
    log: { level: 'silent' },
  });
  const redis = new Redis(redisUrl);
  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  let nextDoc = 0;
  const takeDocs = (count: number): BenchDocument[] =>
    Array.from({ length: count }, () => {
      nextDoc += 1;
      return referral(nextDoc, run);
    });

  // Phase 1: intake only (no workers), so the API's own throughput is measured.
  const ids: string[] = [];
  let intake: IntakeResults | undefined;
  let intakeSteps: IntakeStepsResults | undefined;
  let memoryAfterIntake = memoryBefore;
  if (PHASES.has('intake') || PHASES.has('intake-steps')) {
    const apiOnly = await runAdapter(config, { api: true, worker: false, sandbox: false }, silentLogger());
    const apiUrl = apiOnly.apiUrl ?? '';
    if (PHASES.has('intake')) {
      const docs = takeDocs(MESSAGES);
      const intakeLatency: number[] = [];
      const cpuBefore = await redisCpuMs(redis);
      const commandsBefore = await redisCommandUs(redis);
      const intakeStart = performance.now();
      await runPool(docs, CONCURRENCY, async (doc) => {
        const started = performance.now();
        const answer = await post(apiUrl, doc);
        intakeLatency.push(performance.now() - started);
        if (answer.status !== 202 || answer.messageId === undefined) {
          throw new Error(`intake answered ${String(answer.status)}`);
        }
        ids.push(answer.messageId);
      });
      const intakeSeconds = (performance.now() - intakeStart) / 1000;
      const commands = (await redisCommandUs(redis)) - commandsBefore;
      const cpu = (await redisCpuMs(redis)) - cpuBefore;
      memoryAfterIntake = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
      intake = {
        acceptedPerSecond: Math.round(MESSAGES / intakeSeconds),
        latencyMs: percentiles(intakeLatency),
        redisCpuMsPerMessage: Math.round((cpu / MESSAGES) * 1000) / 1000,
        redisCommandMsPerMessage: Math.round((commands / 1000 / MESSAGES) * 1000) / 1000,
      };
    }
    if (PHASES.has('intake-steps')) {
      // Steps one at a time over the whole batch, then a few hundred sequential POSTs for the HTTP overhead.
      intakeSteps = await measureIntakeSteps(
        apiOnly.services,
        apiUrl,
        takeDocs(MESSAGES),
        takeDocs(Math.min(500, MESSAGES)),
      );
      ids.push(...intakeSteps.acceptedIds);
    }
    await apiOnly.stop();
  }

  // Phase 2: start workers on the backlog and time the drain into the sandbox EHR.
  let delivery: Record<string, unknown> | undefined;
  if (PHASES.has('delivery') && ids.length > 0) {
    const drainStart = performance.now();
    const workers = await runAdapter(config, { api: false, worker: true, sandbox: false }, silentLogger());
    const store = workers.services.store;
    let delivered = 0;
    while (delivered < ids.length) {
      delivered = await store.countByStatus('delivered');
      const failed = await store.countByStatus('failed');
      if (failed > 0) {
        throw new Error(`${String(failed)} messages failed during the benchmark`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const records = await Promise.all(ids.slice(0, 500).map(async (id) => store.get(id)));
    const endToEnd = records.map((r) => (r?.deliveredAt ? Date.parse(r.deliveredAt) - Date.parse(r.receivedAt) : 0));
    await workers.stop();
    delivery = {
      messages: ids.length,
      deliveredPerSecond: Math.round(ids.length / drainSeconds),
      drainSeconds: Math.round(drainSeconds * 10) / 10,
      acceptedToDeliveredMs: percentiles(endToEnd),
      note: 'phase 2 drains a backlog built in phase 1, so accepted-to-delivered includes queueing time',
    };
  }

  // Phase 3: one message at a time on an idle adapter, the link worker's everyday case: how long from the 202
  // until the record is in the EHR.
  let singleMessage: Record<string, unknown> | undefined;
  if (PHASES.has('single')) {
    const idle = await runAdapter(config, { api: true, worker: true, sandbox: false }, silentLogger());
    const single: number[] = [];
    for (const doc of takeDocs(SINGLE_MESSAGES)) {
      const started = performance.now();
      const { messageId } = await post(idle.apiUrl ?? '', doc);
      for (;;) {
        const record = await idle.services.store.get(messageId ?? '');
        if (record?.status === 'delivered') {
          break;
        }
        if (record === undefined || record.status === 'failed') {
          throw new Error(`message ${messageId ?? '(none)'} failed during the benchmark`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      single.push(performance.now() - started);
    }
    await idle.stop();
    singleMessage = {
      count: SINGLE_MESSAGES,
      postToDeliveredMs: percentiles(single),
      note: 'one message at a time on an idle adapter: from the POST until the store says delivered (polled every 5 ms)',
    };
  }
  const rss = process.memoryUsage().rss;
  await sandbox.close();

  const results = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    redis: privateRedis === undefined ? 'shared (REDIS_URL)' : 'private, appendonly yes, appendfsync always',
    messages: MESSAGES,
    concurrency: CONCURRENCY,
    ...(intake !== undefined ? { intake } : {}),
    ...(intakeSteps !== undefined ? { intakeSteps: { ...intakeSteps, acceptedIds: undefined } } : {}),
    ...(delivery !== undefined ? { delivery } : {}),
    ...(singleMessage !== undefined ? { singleMessage } : {}),
    memory: {
      processRssMiB: Math.round(rss / 2 ** 20),
      ...(intake !== undefined
        ? { redisBytesPerMessage: Math.round((memoryAfterIntake - memoryBefore) / MESSAGES) }
        : {}),
    },
  };
  // Leave nothing behind in Redis.
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
    if ((keys as string[]).length > 0) {
      await redis.unlink(...(keys as string[]));
    }
  }
  await redis.quit();
  await privateRedis?.destroy();

  writeResults('bench', results);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
