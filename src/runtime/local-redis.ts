/**
 * Makes sure a Redis answers before the adapter starts. On a developer's machine with Redis installed but not
 * running, it starts a local redis-server for the default URL; otherwise it says in one line how to get one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../observability/logger';
import { closeRedis, createRedis, waitForRedis } from '../store/connection';

export const NO_REDIS_HINT =
  'No Redis answered at %URL%. Start one (`docker compose up -d redis`, or `apt-get install redis-server` then ' +
  '`redis-server --daemonize yes`), or point REDIS_URL at yours.';

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const redis = createRedis(url, 'command', { lazyConnect: true, retryStrategy: () => null });
  try {
    await redis.connect();
    await waitForRedis(redis, timeoutMs);
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    await closeRedis(redis);
  }
}

function isLocal(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname);
}

/** Starts `redis-server` in the background with AOF on and noeviction, as the adapter's durability needs. */
function startLocalRedis(port: string): boolean {
  const dir = join(tmpdir(), `sp-fhir-adapter-redis-${port}`);
  mkdirSync(dir, { recursive: true });
  const result = spawnSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  return result.status === 0;
}

/** Resolves when Redis answers; rejects with a one-line explanation when it does not and cannot be started. */
export async function ensureRedis(urlText: string, logger: Logger): Promise<void> {
  if (await answers(urlText, 2000)) {
    return;
  }
  const url = new URL(urlText);
  if (isLocal(url) && url.password === '' && startLocalRedis(url.port || '6379')) {
    for (let i = 0; i < 20; i += 1) {
      if (await answers(urlText, 500)) {
        logger.warn({ url: urlText }, 'no Redis was running; started a local redis-server (AOF on, noeviction)');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(NO_REDIS_HINT.replace('%URL%', urlText));
}
