/**
 * An endpoint's request budget: every HTTP request sent to one EHR (searches, reads, transactions, token requests)
 * takes one unit, and a request waits, rather than fails, until a unit is free. The count is shared by every
 * worker process through Redis, so the endpoint's total stays within its declared requests per second however
 * many processes deliver to it.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConnection } from './connection';

export interface RequestBudget {
  /** Waits until one request may be sent and counts it. */
  take(): Promise<void>;
  /** The rate requests are let out at now, in requests per second. */
  rate(): number;
  /** Lets requests out at `perSecond` from now on (held between the floor and the declared maximum). */
  setRate(perSecond: number): void;
  /** Holds every request until the given time (ms since the epoch); an earlier time than one already set is ignored. */
  pauseUntil(epochMs: number): void;
}

export interface RequestBudgetOptions {
  /** The endpoint's declared limit, which the shared count never exceeds in any one-second window. */
  readonly maxPerSecond: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Where one endpoint's shared count lives, under the deployment's prefix. */
export function requestBudgetKeyPrefix(prefix: string, endpointId: string): string {
  return `${prefix}:request-budget:${endpointId}`;
}

/** The lowest rate the budget lets out: one request a second, or the declared rate when that is lower. */
export function rateFloor(maxPerSecond: number): number {
  return Math.min(1, maxPerSecond);
}

const defaultSleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * The shared window: the declared rate per second, or for a rate below one a second, one request per window
 * stretched to as many whole seconds as that takes (the library counts windows in whole seconds).
 */
function windowFor(perSecond: number): { points: number; durationSeconds: number } {
  return perSecond >= 1
    ? { points: Math.floor(perSecond), durationSeconds: 1 }
    : { points: 1, durationSeconds: Math.ceil(1 / perSecond) };
}

/**
 * A budget counted in Redis by rate-limiter-flexible's fixed windows, with the requests of this process also
 * spaced evenly at the current rate. The spacing keeps one process's requests within the rate over any second,
 * not only within the library's windows; the shared window caps the total of all processes. `redis` is called on
 * the first request, so a process that never sends one never connects for it. When Redis cannot be reached the
 * count falls back to this process alone rather than stopping delivery.
 */
export function createRequestBudget(
  redis: () => RedisConnection,
  keyPrefix: string,
  options: RequestBudgetOptions,
): RequestBudget {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const max = options.maxPerSecond;
  const floor = rateFloor(max);
  const window = windowFor(max);
  let current = max;
  let pausedUntil = 0;
  let nextSlot = Number.NEGATIVE_INFINITY;
  let limiter: RateLimiterRedis | undefined;
  let fallback: RateLimiterMemory | undefined;

  const shared = (): RateLimiterRedis => {
    if (limiter === undefined) {
      const points = windowFor(current).points;
      fallback = new RateLimiterMemory({ points, duration: window.durationSeconds });
      limiter = new RateLimiterRedis({
        storeClient: redis(),
        keyPrefix,
        points,
        duration: window.durationSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: fallback,
      });
    }
    return limiter;
  };

  async function waitUntil(at: number): Promise<void> {
    for (let wait = at - now(); wait > 0; wait = at - now()) {
      await sleep(wait);
    }
  }

  /** One unit of the shared count, waiting for the next window while this one is spent. */
  async function takeShared(): Promise<void> {
    for (;;) {
      await waitUntil(pausedUntil);
      try {
        await shared().consume('count');
        return;
      } catch (error) {
        // The library rejects with its result when the window's points are used up, with an Error otherwise.
        if (!(error instanceof RateLimiterRes)) {
          throw error;
        }
        await sleep(Math.max(1, error.msBeforeNext));
      }
    }
  }

  /**
   * This process's next send slot, reserved at once and then waited for. Reserved after the shared unit, with no
   * Redis round trip between the slot and the send, so Redis's latency neither serialises requests nor bunches them.
   */
  async function spaced(): Promise<void> {
    const slot = Math.max(now(), pausedUntil, nextSlot);
    nextSlot = slot + 1000 / current;
    await waitUntil(slot);
  }

  return {
    async take() {
      await takeShared();
      await spaced();
    },
    rate: () => current,
    setRate(perSecond) {
      current = Math.min(max, Math.max(floor, perSecond));
      const { points } = windowFor(current);
      if (limiter !== undefined && fallback !== undefined) {
        limiter.points = points;
        fallback.points = points;
      }
    },
    pauseUntil(epochMs) {
      pausedUntil = Math.max(pausedUntil, epochMs);
    },
  };
}
