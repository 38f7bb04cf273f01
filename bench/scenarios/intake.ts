/**
 * Intake with the workers off: accepted (202) per second and request latency in a closed loop, Redis CPU per
 * accepted message, then an open loop at an offered 1,000 messages per second, where the p99 target applies.
 */
import { silentLogger } from '../../src/observability/logger';
import { runAdapter } from '../../src/runtime/run';
import { redisCommandUs, redisCpuMs } from '../intake-steps';
import { Redis } from 'ioredis';
import { accept, runOpenLoop, runPool } from '../load';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario';
import { percentiles } from '../stats';

const NAME = 'intake';

const OFFERED_PER_SECOND = 1000;

async function redisUsedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

async function measure(context: BenchContext): Promise<ScenarioResult> {
  const { options } = context;
  const adapter = await runAdapter(context.config(NAME), { api: true, worker: false, sandbox: false }, silentLogger());
  const redis = new Redis(context.redisUrl);
  try {
    const apiUrl = adapter.apiUrl ?? '';
    const docs = context.takeDocs(options.messages);
    const latency: number[] = [];
    const memoryBefore = await redisUsedMemory(redis);
    const cpuBefore = await redisCpuMs(redis);
    const commandsBefore = await redisCommandUs(redis);
    // The API and this load generator share the process: its CPU (worker threads included) and the main
    // thread's alone, which is what serves requests, say how much of a message's work left the event loop.
    const processCpu = process.cpuUsage();
    const mainThreadCpu = process.threadCpuUsage();
    const eventLoop = performance.eventLoopUtilization();
    const started = performance.now();
    await runPool(docs, options.concurrency, async (doc) => {
      const sent = performance.now();
      await accept(apiUrl, doc);
      latency.push(performance.now() - sent);
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuMsPerMessage = (usage: NodeJS.CpuUsage): number =>
      Math.round(((usage.user + usage.system) / 1000 / options.messages) * 1000) / 1000;
    const benchProcessCpuMsPerMessage = cpuMsPerMessage(process.cpuUsage(processCpu));
    const mainThreadCpuMsPerMessage = cpuMsPerMessage(process.threadCpuUsage(mainThreadCpu));
    const eventLoopUtilization = Math.round(performance.eventLoopUtilization(eventLoop).utilization * 1000) / 1000;
    const commands = (await redisCommandUs(redis)) - commandsBefore;
    const cpu = (await redisCpuMs(redis)) - cpuBefore;
    const memoryAfter = await redisUsedMemory(redis);

    const offeredSeconds = Math.min(options.steadySeconds, options.quick ? 3 : 10);
    const offered = context.takeDocs(OFFERED_PER_SECOND * offeredSeconds);
    const offeredLatency: number[] = [];
    const offeredStart = performance.now();
    // An open loop may outrun the server: a refused or reset connection is counted, not fatal.
    const refused: string[] = [];
    await runOpenLoop(offered, OFFERED_PER_SECOND, async (doc) => {
      const sent = performance.now();
      try {
        await accept(apiUrl, doc);
        offeredLatency.push(performance.now() - sent);
      } catch (error) {
        refused.push(error instanceof Error ? error.message : String(error));
      }
    });
    const offeredElapsed = (performance.now() - offeredStart) / 1000;
    const acceptedPerSecond = Math.round(options.messages / seconds);
    const atOffered = percentiles(offeredLatency);
    const offeredAccepted = Math.round(offeredLatency.length / offeredElapsed);
    return {
      figures: {
        closedLoop: {
          messages: options.messages,
          concurrency: options.concurrency,
          acceptedPerSecond,
          latencyMs: percentiles(latency),
          redisCpuMsPerMessage: Math.round((cpu / options.messages) * 1000) / 1000,
          redisCommandMsPerMessage: Math.round((commands / 1000 / options.messages) * 1000) / 1000,
          // Record, indexes, ledger entry and job of each queued message; only exact on a Redis nothing else uses.
          redisBytesPerMessage: Math.round((memoryAfter - memoryBefore) / options.messages),
          intakeCheckThreads: adapter.services.config.http.intakeCheckThreads,
          // API and load generator: the whole process (threads included), and its main thread alone.
          benchProcessCpuMsPerMessage,
          mainThreadCpuMsPerMessage,
          mainThreadEventLoopUtilization: eventLoopUtilization,
        },
        offered: {
          offeredPerSecond: OFFERED_PER_SECOND,
          seconds: offeredSeconds,
          acceptedPerSecond: offeredAccepted,
          notAccepted: refused.length,
          latencyMs: atOffered,
        },
      },
      targets: [
        {
          target: 'intake: accepted per second (one API process, durable writes, ledger on)',
          goal: '≥ 3,000/s',
          measured: `${String(acceptedPerSecond)}/s`,
          ratio: Math.round((acceptedPerSecond / 3000) * 100) / 100,
          met: acceptedPerSecond >= 3000,
        },
        {
          target: 'intake: p99 latency at an offered 1,000/s',
          goal: '≤ 50 ms',
          measured: `${String(Math.round(atOffered.p99))} ms (accepted ${String(offeredAccepted)}/s, ${String(refused.length)} not accepted)`,
          ratio: Math.round((atOffered.p99 / 50) * 100) / 100,
          met: atOffered.p99 <= 50 && refused.length === 0,
        },
      ],
    };
  } finally {
    await redis.quit();
    await adapter.stop();
  }
}

export const intake: Scenario = {
  name: NAME,
  describe: 'POSTs with the workers off: accepted/s and latency closed-loop, then p99 at an offered 1,000/s',
  run: measure,
};
