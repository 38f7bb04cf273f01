/**
 * A large backlog drained under the endpoint's declared request rate. N referrals (default 100,000; `--messages` sets N) are queued with the workers off and the Redis bytes per queued
 * message measured; then the workers drain them into the EHR with the endpoint's maxRequestsPerSecond set to R
 * (`--backlog-rate`, default 100), and the requests are timed where the EHR receives them: the most in any
 * 1-second window, the mean rate, whether the declared rate was ever exceeded, and the drain time.
 */
import { Redis } from 'ioredis';
import type { LoadedConfig } from '../../src/config/load';
import { silentLogger } from '../../src/observability/logger';
import { runAdapter } from '../../src/runtime/run';
import { accept, runPool, sleep } from '../load';
import { bytesUnder, usedMemory } from '../processes';
import type { BenchContext, Scenario, ScenarioResult } from '../scenario';

const NAME = 'backlog';

function limited(config: LoadedConfig, perSecond: number): LoadedConfig {
  return {
    ...config,
    endpoints: config.endpoints.map((endpoint) => ({ ...endpoint, maxRequestsPerSecond: perSecond })),
  };
}

/** The most arrivals (ms, in order) in any window of `windowMs` that starts at an arrival: two pointers. */
export function maxInWindow(arrivals: readonly number[], windowMs: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < arrivals.length; last += 1) {
    while ((arrivals[last] ?? 0) - (arrivals[first] ?? 0) >= windowMs) {
      first += 1;
    }
    most = Math.max(most, last - first + 1);
  }
  return most;
}

async function measure(context: BenchContext): Promise<ScenarioResult> {
  const count = context.options.backlogMessages;
  const rate = context.options.backlogRate;
  const config = limited(context.config(NAME), rate);
  const redis = new Redis(context.redisUrl);
  try {
    const api = await runAdapter(config, { api: true, worker: false, sandbox: false }, silentLogger());
    const usedBefore = await usedMemory(redis);
    let queued = 0;
    try {
      await runPool(context.takeDocs(count), context.options.concurrency, async (doc) => {
        await accept(api.apiUrl ?? '', doc);
        queued += 1;
      });
    } finally {
      await api.stop();
    }
    const usedDelta = (await usedMemory(redis)) - usedBefore;
    const queuedBytes = await bytesUnder(redis, `${config.redis.prefix}:*`);

    await context.ehr.reset();
    const started = performance.now();
    const workers = await runAdapter(config, { api: false, worker: true, sandbox: false }, silentLogger());
    let seconds: number;
    try {
      const store = workers.services.store;
      for (;;) {
        const failed = await store.countByStatus('failed');
        if (failed > 0) {
          throw new Error(`${String(failed)} messages failed during the backlog drain`);
        }
        if ((await store.countByStatus('delivered')) >= queued) {
          break;
        }
        await sleep(200);
      }
      seconds = (performance.now() - started) / 1000;
    } finally {
      await workers.stop();
    }
    const arrivals = await context.ehr.arrivals();
    const atEhr =
      arrivals === undefined
        ? 'not seen (external EHR)'
        : (() => {
            const most = maxInWindow(arrivals, 1000);
            const spanSeconds = ((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)) / 1000;
            return {
              requests: arrivals.length,
              maxInAnySecond: most,
              meanPerSecond: spanSeconds > 0 ? Math.round((arrivals.length / spanSeconds) * 10) / 10 : 0,
              declaredRateExceeded: most > rate,
            };
          })();
    return {
      figures: {
        messages: queued,
        declaredRequestsPerSecond: rate,
        redisBytesPerQueuedMessage: Math.round(queuedBytes / Math.max(queued, 1)),
        usedMemoryDeltaPerQueuedMessage: Math.round(usedDelta / Math.max(queued, 1)),
        drainSeconds: Math.round(seconds * 10) / 10,
        deliveredPerSecond: Math.round((queued / seconds) * 10) / 10,
        atEhr,
        note: 'requests are timed where the EHR receives them: the first to the last, and in every 1-second window',
      },
      targets:
        typeof atEhr === 'string'
          ? []
          : [
              {
                target: `backlog: most EHR requests in any second, declared rate ${String(rate)}/s`,
                goal: `≤ ${String(rate)}`,
                measured: `${String(atEhr.maxInAnySecond)} (mean ${String(atEhr.meanPerSecond)}/s, ${String(queued)} messages drained in ${String(Math.round(seconds))} s)`,
                ratio: Math.round((atEhr.maxInAnySecond / rate) * 100) / 100,
                met: !atEhr.declaredRateExceeded,
              },
            ],
    };
  } finally {
    await redis.quit();
  }
}

export const backlog: Scenario = {
  name: NAME,
  describe: 'a large backlog queued (Redis bytes each), then drained under the declared rate, timed at the EHR',
  // 100,000 messages at 100 requests a second take the best part of an hour.
  onlyWhenNamed: true,
  run: measure,
};
