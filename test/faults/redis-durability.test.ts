/**
 * The API never answers 202 when Redis cannot durably take the write: against a private redis-server, an
 * out-of-memory Redis (tiny maxmemory + noeviction), a read-only one (a replica) and a stopped one each give a 503
 * OperationOutcome with nothing stored, and the same message is accepted once Redis is writable again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter } from '../support/adapter';
import { referralDoc } from '../support/fixtures';
import type { PrivateRedis } from '../support/private-redis';
import { DURABLE_REDIS_ARGS, createPrivateRedis, freePort } from '../support/private-redis';

let work: string | undefined;
let redis: PrivateRedis | undefined;
let admin: Redis | undefined;
let adapter: TestAdapter | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'spfa-redis-durability-'));
  redis = await createPrivateRedis({ args: DURABLE_REDIS_ARGS, dir: join(work, 'redis') });
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  adapter = await startTestAdapter({
    name: 'redis-durability',
    config: { redis: { url: redis.url, prefix: 'durability' } },
    roles: { api: true, worker: false, sandbox: true },
  });
});

afterAll(async () => {
  await adapter?.stop();
  await admin?.quit();
  await redis?.kill();
  if (work !== undefined) {
    rmSync(work, { recursive: true, force: true });
  }
});

async function post(doc: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return postJson(`${adapter?.apiUrl ?? ''}/v1/referrals`, doc);
}

async function stored(): Promise<number> {
  return (await admin?.keys('durability:msg:*'))?.length ?? -1;
}

test('out of memory: 503 and nothing stored, then accepted once memory is freed', async () => {
  const before = await stored();
  const used = Number(/used_memory:(\d+)/.exec((await admin?.info('memory')) ?? '')?.[1] ?? '0');
  await admin?.config('SET', 'maxmemory', String(used));
  const doc = referralDoc();
  const refused = await post(doc);
  expect(refused.status).toBe(503);
  expect(refused.body.resourceType).toBe('OperationOutcome');
  expect(await stored()).toBe(before);
  await admin?.config('SET', 'maxmemory', '0');
  expect((await post(doc)).status).toBe(202);
  expect(await stored()).toBe(before + 1);
});

test('read-only (a replica): 503 and nothing stored, then accepted once writable', async () => {
  const before = await stored();
  // A replica of a master that does not exist: reads work, writes are refused.
  await admin?.replicaof('127.0.0.1', await freePort());
  const doc = referralDoc();
  const refused = await post(doc);
  expect(refused.status).toBe(503);
  expect(await stored()).toBe(before);
  await admin?.replicaof('NO', 'ONE');
  expect((await post(doc)).status).toBe(202);
  expect(await stored()).toBe(before + 1);
});
