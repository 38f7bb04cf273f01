/**
 * The abuse limits measured from outside, as a client sees them: at which offered rate of submissions the
 * per-client ingest limit starts answering 429 (referrals sent at a steady pace, open loop, at fractions and
 * multiples of the configured limit), and what counting every request in Redis costs accepted messages per second
 * (the same closed-loop intake with the limits on and off, in alternating rounds so a busy machine weighs on both
 * alike). Runs the real API on the real Redis under a throwaway prefix. `npm run bench:abuse-limits`; sizes from
 * BENCH_LIMIT (points per second for the onset runs, default 40), BENCH_SECONDS (per offered rate, default 5),
 * BENCH_MESSAGES (per intake round, default 1000), BENCH_CONCURRENCY (default 32), BENCH_ROUNDS (default 3).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/load';
import { silentLogger } from '../src/observability/logger';
import { runAdapter } from '../src/runtime/run';
import { SANDBOX_PATIENTS } from '../src/sandbox';
import { machineInfo, writeResults } from './report';
import type { Latencies } from './stats';
import { percentiles } from './stats';

export interface OnsetStep {
  readonly offeredPerSecond: number;
  readonly sent: number;
  readonly accepted: number;
  readonly refused: number;
  /** Share of the requests answered 429. */
  readonly refusedShare: number;
}

export interface IntakeRound {
  readonly limits: 'on' | 'off';
  readonly acceptedPerSecond: number;
  readonly latencyMs: Latencies;
}

export interface AbuseLimitFigures {
  readonly limitPerSecond: number;
  readonly onset: readonly OnsetStep[];
  /** The lowest offered rate at which more than 1 % of requests were refused. */
  readonly refusingFromPerSecond: number | undefined;
  readonly intake: readonly IntakeRound[];
  /** Median accepted/s with the limits on ÷ with them off. */
  readonly limitsOnOverOff: number;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
}

export interface AbuseLimitOptions {
  readonly redisUrl: string;
  readonly limitPerSecond: number;
  readonly secondsPerRate: number;
  readonly messagesPerRound: number;
  readonly concurrency: number;
  readonly rounds: number;
}

function referralBody(recordId: string): unknown {
  const patient = SANDBOX_PATIENTS[0];
  if (patient === undefined) {
    throw new Error('the sandbox has no patients');
  }
  return {
    source: { system: 'https://bench.example.org', recordId, recordVersion: 1, sentAt: '2026-11-01T09:00:00Z' },
    patient: { nhsNumber: patient.nhsNumber },
    gpPractice: { odsCode: patient.practiceOdsCode },
    linkWorker: { name: 'Bench Worker', organisation: { odsCode: 'RX9LW' } },
    status: 'accepted',
    referredAt: '2026-11-01T08:00:00Z',
    referrer: { name: 'Dr Bench', organisation: { odsCode: patient.practiceOdsCode } },
    method: 'gp',
    reasons: [{ snomed: '422650009' }],
    urgency: 'routine',
  };
}

async function post(apiUrl: string, recordId: string): Promise<number> {
  const response = await fetch(`${apiUrl}/v1/referrals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(referralBody(recordId)),
  });
  await response.arrayBuffer();
  return response.status;
}

const sleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Sends at a steady `perSecond` for `seconds`, not waiting for answers before the next send (open loop). */
async function offer(apiUrl: string, perSecond: number, seconds: number, tag: string): Promise<OnsetStep> {
  const total = Math.round(perSecond * seconds);
  const started = performance.now();
  const answers: Promise<number>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) {
      await sleep(wait);
    }
    answers.push(post(apiUrl, `${tag}-${String(i)}`));
  }
  const statuses = await Promise.all(answers);
  const accepted = statuses.filter((status) => status === 202).length;
  const refused = statuses.filter((status) => status === 429).length;
  if (accepted + refused !== total) {
    throw new Error(`unexpected answers at ${String(perSecond)}/s: ${statuses.join(',')}`);
  }
  return {
    offeredPerSecond: perSecond,
    sent: total,
    accepted,
    refused,
    refusedShare: Math.round((refused / total) * 1000) / 1000,
  };
}

/** Closed loop: `count` referrals at `concurrency`, every one of which must be accepted. */
async function intakeRound(
  apiUrl: string,
  count: number,
  concurrency: number,
  limits: 'on' | 'off',
  tag: string,
): Promise<IntakeRound> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next;
        next += 1;
        const sent = performance.now();
        const status = await post(apiUrl, `${tag}-${String(i)}`);
        latencies.push(performance.now() - sent);
        if (status !== 202) {
          throw new Error(`intake answered ${String(status)}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    limits,
    acceptedPerSecond: Math.round(count / seconds),
    latencyMs: percentiles(latencies),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function withApi<T>(
  options: AbuseLimitOptions,
  rateLimits: Record<string, unknown>,
  work: (apiUrl: string, tag: string) => Promise<T>,
): Promise<T> {
  const run = randomBytes(3).toString('hex');
  const prefix = `bench-limits-${run}`;
  const config = parseConfig({
    http: { port: 0, rateLimits },
    redis: { url: options.redisUrl, prefix },
    // Intake never calls the EHR; the address only has to be valid.
    endpoints: [{ id: 'ehr', baseUrl: 'http://127.0.0.1:9/fhir', practices: ['*'] }],
    log: { level: 'silent' },
  });
  const api = await runAdapter(config, { api: true, worker: false, sandbox: false }, silentLogger());
  const redis = new Redis(options.redisUrl);
  try {
    return await work(api.apiUrl ?? '', run);
  } finally {
    await api.stop();
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 500) {
      await redis.del(...keys.slice(i, i + 500));
    }
    await redis.quit();
  }
}

export async function measureAbuseLimits(options: AbuseLimitOptions): Promise<AbuseLimitFigures> {
  const loadStart = loadavg();
  const limit = options.limitPerSecond;
  const rates = [0.5, 0.8, 1, 1.2, 1.5, 2].map((share) => Math.round(limit * share));
  const onset: OnsetStep[] = [];
  for (const rate of rates) {
    // A fresh prefix per rate, so no step inherits the previous one's window.
    onset.push(
      await withApi(options, { ingest: { points: limit, durationSeconds: 1 } }, async (apiUrl, tag) =>
        offer(apiUrl, rate, options.secondsPerRate, `onset-${tag}`),
      ),
    );
  }
  const intake: IntakeRound[] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    for (const enabled of [true, false]) {
      intake.push(
        await withApi(options, { enabled }, async (apiUrl, tag) =>
          intakeRound(apiUrl, options.messagesPerRound, options.concurrency, enabled ? 'on' : 'off', `intake-${tag}`),
        ),
      );
    }
  }
  const on = median(intake.filter((r) => r.limits === 'on').map((r) => r.acceptedPerSecond));
  const off = median(intake.filter((r) => r.limits === 'off').map((r) => r.acceptedPerSecond));
  return {
    limitPerSecond: limit,
    onset,
    refusingFromPerSecond: onset.find((step) => step.refusedShare > 0.01)?.offeredPerSecond,
    intake,
    limitsOnOverOff: off === 0 ? 0 : Math.round((on / off) * 1000) / 1000,
    loadAverage: { start: loadStart, end: loadavg() },
  };
}

async function main(): Promise<void> {
  const figures = await measureAbuseLimits({
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    limitPerSecond: Number(process.env.BENCH_LIMIT ?? 40),
    secondsPerRate: Number(process.env.BENCH_SECONDS ?? 5),
    messagesPerRound: Number(process.env.BENCH_MESSAGES ?? 1000),
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32),
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  });
  const results = { date: new Date().toISOString(), machine: machineInfo(), ...figures };
  writeResults('abuse-limits', results);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
