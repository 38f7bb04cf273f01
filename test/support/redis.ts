/**
 * Test Redis helpers: a unique key prefix per test file (so parallel test files never see each other's keys or
 * queues) and a clean-up that deletes everything under it.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}

/** Every key under the prefix, via ioredis's SCAN stream (never KEYS, which blocks Redis). */
async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
    keys.push(...(batch as string[]));
  }
  return keys;
}

export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await keysUnder(redis, prefix);
    return keys.length > 0 ? await redis.unlink(...keys) : 0;
  } finally {
    await redis.quit();
  }
}

/**
 * Keys under the prefix other than the audit ledger's (stream, head, indexes), which refused requests also write,
 * and the abuse limits' and endpoints' request budgets' counters, which expire by themselves.
 */
export async function countStateKeys(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  return countKeys(prefix, url, `${prefix}:ledger`, `${prefix}:rate-limit:`, `${prefix}:request-budget:`);
}

export async function countKeys(prefix: string, url = TEST_REDIS_URL, ...except: string[]): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await keysUnder(redis, prefix);
    return keys.filter((key) => !except.some((start) => key.startsWith(start))).length;
  } finally {
    await redis.quit();
  }
}
