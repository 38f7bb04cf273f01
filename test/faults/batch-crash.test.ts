/**
 * A worker killed in the middle of a batched transaction: the compiled adapter runs as real processes (one API,
 * one worker) on a private redis-server, delivering through a fault proxy to the sandbox EHR with micro-batching
 * on. The proxy lets the batch reach the EHR, which writes it, and holds the answer; the worker is killed with
 * SIGKILL while it waits, and a new worker takes the messages over. Afterwards every message is delivered once in
 * the ledger, each referral is in the EHR once with its one Provenance, and no message was lost.
 */
import type { Bundle, Provenance, ServiceRequest } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { RunningSandbox } from '../../src/sandbox';
import { startSandbox } from '../../src/sandbox';
import { eventually, getJson } from '../support/adapter';
import { referralDoc } from '../support/fixtures';
import type { PrivateRedis } from '../support/private-redis';
import { createPrivateRedis, freePort } from '../support/private-redis';
import type { FaultProxy } from './fault-proxy';
import { startFaultProxy } from './fault-proxy';
import { AdapterProcess, buildAdapter } from './processes';

jest.setTimeout(300_000);

const PREFIX = 'batchcrash';
const STARTUP_MS = 120_000;
const MESSAGES = 4;

const started: {
  work?: string;
  build?: string;
  redis?: PrivateRedis;
  sandbox?: RunningSandbox;
  proxy?: FaultProxy;
  processes: AdapterProcess[];
} = { processes: [] };

afterAll(async () => {
  await Promise.all(started.processes.map(async (p) => p.kill('SIGKILL')));
  await started.proxy?.close();
  await started.sandbox?.close();
  await started.redis?.destroy();
  for (const dir of [started.work, started.build]) {
    if (dir !== undefined) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a worker killed while its batched transaction is in the EHR loses and duplicates nothing', async () => {
  const work = mkdtempSync(join(tmpdir(), 'spfa-batch-crash-'));
  started.work = work;
  const [main, apiPort] = await Promise.all([buildAdapter(), freePort()]);
  started.build = join(main, '..', '..');
  const redis = await createPrivateRedis({ dir: join(work, 'redis') });
  started.redis = redis;
  const sandbox = await startSandbox({ port: 0 });
  started.sandbox = sandbox;
  const proxy = await startFaultProxy(sandbox.baseUrl);
  started.proxy = proxy;
  const config = {
    http: { host: '127.0.0.1', port: apiPort },
    redis: { url: redis.url, prefix: PREFIX },
    sandbox: { enabled: false },
    endpoints: [
      {
        id: 'batched',
        baseUrl: proxy.baseUrl,
        practices: ['*'],
        concurrency: MESSAGES,
        // Slow enough that every message is in flight before the first is ready to write (see batching.test.ts).
        maxRequestsPerSecond: 5,
        batch: { maxEntries: 100, maxWaitMs: 5000 },
        lookupCache: { maxEntries: 0 },
        // A short request timeout keeps the dead worker's record leases short (they lapse after 5 timeouts + 10 s).
        retry: { baseDelayMs: 250, maxDelayMs: 2000, maxAgeMs: 10 * 60_000, requestTimeoutMs: 3000 },
      },
    ],
    worker: { outboxSweepMs: 1000, lockDurationMs: 5000, stalledIntervalMs: 3000, shutdownGraceMs: 1000 },
    log: { level: 'info' },
  };
  const configFile = join(work, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const env = { CONFIG_FILE: configFile };
  const api = new AdapterProcess(main, 'api', env, work, 'api');
  const worker = new AdapterProcess(main, 'worker', env, work, 'worker');
  started.processes.push(api, worker);
  await Promise.all([api.start('API listening', STARTUP_MS), worker.start('delivery workers started', STARTUP_MS)]);
  const apiUrl = `http://127.0.0.1:${apiPort}`;

  // The first transaction to reach the EHR (the batch) is written there and its answer held.
  proxy.mode = 'hold-write-response';
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('deliver-batched', { connection: client, prefix: `${PREFIX}:q` });
  // Submitted with the queue paused, so the worker takes them together.
  await queue.pause();
  const referrals = Array.from({ length: MESSAGES }, () => referralDoc());
  const ids: string[] = [];
  for (const referral of referrals) {
    const response = await fetch(`${apiUrl}/v1/referrals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(referral),
    });
    expect(response.status).toBe(202);
    ids.push(((await response.json()) as { messageId: string }).messageId);
  }
  await queue.resume();
  await queue.close();
  await eventually(async () => Promise.resolve(proxy.lostWrites > 0 ? true : undefined), 60_000, 'the batch');
  await worker.kill('SIGKILL');
  expect(proxy.lostWrites).toBe(1);

  proxy.mode = 'pass';
  await worker.start('delivery workers started', STARTUP_MS);
  const statuses = await Promise.all(
    ids.map(async (id) =>
      eventually(
        async () => {
          const { body } = await getJson(`${apiUrl}/v1/messages/${id}`);
          return body.status === 'delivered' || body.status === 'failed' ? body : undefined;
        },
        120_000,
        `message ${id}`,
      ),
    ),
  );
  expect(statuses.map((status) => status.status)).toEqual(ids.map(() => 'delivered'));
  // Each was tried again after the crash: the first attempt never recorded a result.
  expect(statuses.every((status) => Number(status.attempts) >= 2)).toBe(true);

  // One `delivered` ledger entry per message.
  const ledger = await client.xrange(`${PREFIX}:ledger`, '-', '+');
  await client.quit();
  const deliveredEntries = ledger.filter(([, fields]) => {
    const at = fields.indexOf('type');
    return at >= 0 && fields[at + 1] === 'delivered';
  });
  const deliveredIds = deliveredEntries.map(([, fields]) => fields[fields.indexOf('messageId') + 1]);
  expect([...deliveredIds].sort()).toEqual([...ids].sort());

  // Each referral once in the EHR, with exactly one Provenance naming it.
  const provenances = await (async () => {
    const response = await fetch(`${sandbox.baseUrl}/Provenance?_count=1000`);
    return ((await response.json()) as Bundle).entry?.map((entry) => entry.resource as Provenance) ?? [];
  })();
  for (const referral of referrals) {
    const token = encodeURIComponent(`${referral.source.system}|referral/${referral.source.recordId}`);
    const found = await fetch(`${sandbox.baseUrl}/ServiceRequest?identifier=${token}`);
    const held = ((await found.json()) as Bundle).entry?.map((entry) => entry.resource as ServiceRequest) ?? [];
    expect(held).toHaveLength(1);
    const naming = provenances.filter((p) =>
      p.target.some((t) => t.reference === `ServiceRequest/${held[0]?.id ?? ''}`),
    );
    expect(naming).toHaveLength(1);
  }
  expect(worker.log).toContain('delivery workers started');
});
