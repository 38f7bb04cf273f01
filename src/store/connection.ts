/**
 * Redis connections for the two kinds of user. The API must fail fast when Redis is unreachable (so it can answer
 * 503 at once rather than hold the client), while BullMQ workers must wait and reconnect forever.
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

/** A connection, as the layers above the store hand it around (only store/ and queue/ use it). */
export type RedisConnection = Redis;

export type RedisRole = 'command' | 'worker';

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const base: RedisOptions =
    role === 'command'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 5000 }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  const redis = new Redis(url, { lazyConnect: false, ...base, ...extra });
  // Connection errors are reported by the health endpoint and by failing commands; an unhandled 'error' event
  // would crash the process instead.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Closes a connection, politely if it is up and at once if it is not. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') {
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
