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

export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        deleted += await redis.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return deleted;
}

/** Keys under the prefix other than the audit ledger's (stream, head, indexes), which refused requests also write. */
export async function countStateKeys(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  return countKeys(prefix, url, `${prefix}:ledger`);
}

export async function countKeys(prefix: string, url = TEST_REDIS_URL, except?: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let count = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      count += except === undefined ? keys.length : keys.filter((key) => !key.startsWith(except)).length;
    } while (cursor !== '0');
    return count;
  } finally {
    await redis.quit();
  }
}
