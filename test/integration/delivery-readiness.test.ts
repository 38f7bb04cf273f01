/**
 * /health/ready against a private redis-server: ready while Redis can take writes; 503 naming the reason when it
 * is out of memory under noeviction, a read-only replica, or unreachable; ready again once mended. The INFO
 * judgement is also checked on INFO texts for states a test cannot easily provoke (MISCONF, AOF write errors,
 * loading).
 */
import { Redis } from 'ioredis';
import { readinessFromInfo } from '../../src/store/readiness';
import type { TestAdapter } from '../support/adapter';
import { eventually, startTestAdapter } from '../support/adapter';
import type { PrivateRedis } from '../support/private-redis';
import { createPrivateRedis, freePort } from '../support/private-redis';

let redis: PrivateRedis;
let admin: Redis;
let adapter: TestAdapter;

beforeAll(async () => {
  redis = await createPrivateRedis();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  adapter = await startTestAdapter({
    name: 'delivery-readiness',
    config: { redis: { url: redis.url, prefix: 'readiness' } },
    roles: { api: true, worker: false, sandbox: false },
  });
});

afterAll(async () => {
  await adapter.stop();
  admin.disconnect();
  await redis.destroy();
});

async function ready(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${adapter.apiUrl}/health/ready`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('ready while Redis can take writes', async () => {
  expect(await ready()).toEqual({ status: 200, body: { status: 'ok', redis: 'ok' } });
});

test('out of memory under noeviction: 503 naming the reason, then ready once memory is freed', async () => {
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1] ?? '0');
  await admin.config('SET', 'maxmemory', String(used));
  try {
    const answer = await ready();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ status: 'unavailable', redis: 'out-of-memory' });
    expect(String(answer.body.reason)).toContain('out of memory');
  } finally {
    await admin.config('SET', 'maxmemory', '0');
  }
  expect((await ready()).status).toBe(200);
});

test('read-only (a replica): 503 naming the reason, then ready once it is a primary again', async () => {
  await admin.replicaof('127.0.0.1', await freePort());
  try {
    const answer = await ready();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ status: 'unavailable', redis: 'read-only' });
    expect(String(answer.body.reason)).toContain('replica');
  } finally {
    await admin.replicaof('NO', 'ONE');
  }
  expect((await ready()).status).toBe(200);
});

test('unreachable: 503, then ready once Redis is back', async () => {
  await redis.kill();
  const answer = await ready();
  expect(answer.status).toBe(503);
  expect(answer.body).toMatchObject({ status: 'unavailable', redis: 'unreachable' });
  await redis.start();
  await eventually(async () => ((await ready()).status === 200 ? true : undefined), 20_000, 'ready again');
});

describe('judging INFO', () => {
  const healthy = 'loading:0\r\nrole:master\r\nrdb_last_bgsave_status:ok\r\naof_last_write_status:ok\r\n';
  const memory = (used: number, max: number, policy: string): string =>
    `used_memory:${used}\r\nmaxmemory:${max}\r\nmaxmemory_policy:${policy}\r\n`;

  test.each([
    ['a healthy primary without a memory limit', healthy + memory(5_000_000, 0, 'noeviction'), undefined],
    ['below maxmemory', healthy + memory(5_000_000, 6_000_000, 'noeviction'), undefined],
    ['at maxmemory but evicting', healthy + memory(6_000_000, 6_000_000, 'allkeys-lru'), undefined],
    ['at maxmemory under noeviction', healthy + memory(6_000_000, 6_000_000, 'noeviction'), 'out-of-memory'],
    ['a replica', healthy.replace('role:master', 'role:slave'), 'read-only'],
    [
      'a failed snapshot (MISCONF)',
      healthy.replace('rdb_last_bgsave_status:ok', 'rdb_last_bgsave_status:err'),
      'read-only',
    ],
    ['a failed AOF write', healthy.replace('aof_last_write_status:ok', 'aof_last_write_status:err'), 'read-only'],
    ['loading after a restart', healthy.replace('loading:0', 'loading:1'), 'loading'],
  ])('%s', (_name, info, problem) => {
    const verdict = readinessFromInfo(info);
    expect(verdict.ready ? undefined : verdict.problem).toBe(problem);
  });
});
