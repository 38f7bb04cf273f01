/**
 * Abuse limits counted in Redis, so every API process shares one count per client or address: a fixed number of
 * points per window for each route group (ingest, admin, audit) and for failed authentication. The HTTP edge sees
 * only the `RateLimits` interface; this module is the one place that knows the counters live in Redis.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConnection } from './connection';

/** The route groups counted separately, and failed authentication (counted per remote address). */
export const RATE_LIMIT_GROUPS = ['ingest', 'admin', 'audit', 'failedAuth'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

export interface RateLimitSetting {
  /** Requests (or failures) allowed per window. */
  readonly points: number;
  readonly durationSeconds: number;
}

export type RateLimitSettings = Readonly<Record<RateLimitGroup, RateLimitSetting>>;

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** One group's counter. Both methods reject when the counter cannot be reached, so the caller chooses the policy. */
export interface RateLimiter {
  /** Counts one for `key`; refused once the window's points are used up. */
  consume(key: string): Promise<RateDecision>;
  /** Whether `key` has used up its points, without counting. */
  check(key: string): Promise<RateDecision>;
}

export type RateLimits = Readonly<Record<RateLimitGroup, RateLimiter>>;

/** Where the counters of one group live: under the deployment's prefix, so tests and deployments stay apart. */
export function rateLimitKeyPrefix(prefix: string, group: RateLimitGroup): string {
  return `${prefix}:rate-limit:${group}`;
}

function refused(res: RateLimiterRes): RateDecision {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
}

class RedisRateLimiter implements RateLimiter {
  constructor(private readonly limiter: RateLimiterRedis) {}

  async consume(key: string): Promise<RateDecision> {
    try {
      await this.limiter.consume(key);
      return { allowed: true };
    } catch (error) {
      // The library rejects with its result when the points are used up, and with an Error when Redis fails.
      if (error instanceof RateLimiterRes) {
        return refused(error);
      }
      throw error;
    }
  }

  async check(key: string): Promise<RateDecision> {
    const res = await this.limiter.get(key);
    return res !== null && res.consumedPoints > this.limiter.points ? refused(res) : { allowed: true };
  }
}

/** One Redis-backed counter per group, on the given connection. */
export function createRedisRateLimits(redis: RedisConnection, prefix: string, settings: RateLimitSettings): RateLimits {
  const limiter = (group: RateLimitGroup): RateLimiter =>
    new RedisRateLimiter(
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: rateLimitKeyPrefix(prefix, group),
        points: settings[group].points,
        duration: settings[group].durationSeconds,
        // The API's connection does not queue commands while Redis is down; fail at once rather than hang.
        rejectIfRedisNotReady: true,
      }),
    );
  return {
    ingest: limiter('ingest'),
    admin: limiter('admin'),
    audit: limiter('audit'),
    failedAuth: limiter('failedAuth'),
  };
}
