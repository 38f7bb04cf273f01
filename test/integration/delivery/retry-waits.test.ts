/**
 * Retry waits that follow the server, against the sandbox over HTTP and real Redis: a message refused for load
 * again and again is tried again when the server's window resets, not after a backoff grown by its attempts, and a
 * later failure the server does not time backs off like a first failure; and
 * against the sandbox in its realistic mode (a per-client quota over a short window, answered 429 with only a
 * RateLimit header, and serialization conflicts), every message is delivered with no replay, each throttled wait
 * is the server's reset plus a little jitter, and no other wait exceeds the server's window. The assertions read
 * the waits the adapter decided (the ledger's retryInMs), never how long anything took.
 */
import type { RunningSandbox, SandboxStats } from '../../../src/sandbox';
import { STATS_PATH, startSandbox } from '../../../src/sandbox';
import type { TestAdapter } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';
import { ledgerOf, settled, startDeliveryAdapter, submit } from './support';

/** Exponential backoff from 1 s up to a minute: after a few failures in a row it would outgrow a 1-2 s window. */
const SLOW_GROWING_RETRY = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAgeMs: 10 * 60_000, requestTimeoutMs: 5000 };
/** The most jitter added to a server's wait of up to 2 s: a tenth of it, and at least 100 ms. */
const JITTER_MS = 200;

describe('a message refused for load many times in a row', () => {
  let adapter: TestAdapter;

  beforeAll(async () => {
    adapter = await startDeliveryAdapter('retry-waits-storm', {
      config: {
        endpoints: [{ id: 'sandbox', baseUrl: 'sandbox', practices: ['*'], concurrency: 1, retry: SLOW_GROWING_RETRY }],
      },
    });
  });

  afterAll(async () => {
    await adapter.close();
  });

  test('is tried again each time the window resets, and a later failure backs off like a first one', async () => {
    const storm = 4;
    adapter.sandbox!.answers.answerNext(
      ...Array.from({ length: storm }, () => ({
        status: 429,
        headers: { ratelimit: '"fhirInteractions";r=0;t=3' },
        to: 'any' as const,
      })),
      // Then an outage answer that says nothing about when to come back.
      { status: 503, to: 'any' as const },
    );
    const id = await submit(adapter, '/v1/referrals', referralDoc());
    expect(await settled(adapter, id, ['delivered', 'failed'], 90_000)).toMatchObject({
      status: 'delivered',
      attempts: storm + 2,
    });

    const entries = await ledgerOf(adapter, id);
    const waits = entries.filter((entry) => entry.type === 'attempt-failed');
    expect(waits.map((entry) => entry.httpStatus)).toEqual([...Array.from({ length: storm }, () => '429'), '503']);
    // Each throttled wait is the server's 3 s plus at most 300 ms of jitter. Growing with the attempts, the fourth
    // would have been 4 to 8 s.
    for (const entry of waits.slice(0, storm)) {
      expect(Number(entry.retryInMs)).toBeGreaterThanOrEqual(3000);
      expect(Number(entry.retryInMs)).toBeLessThanOrEqual(3300);
    }
    // The 503 is the first failure the server did not time: the first step of the backoff (0.5 to 1 s), not the
    // fifth (8 to 16 s, here capped at the 3 s window).
    expect(Number(waits[storm]?.retryInMs)).toBeLessThanOrEqual(1000);
    expect(entries.map((entry) => entry.type).filter((type) => type !== 'received')).toEqual([
      ...waits.map(() => 'attempt-failed'),
      'delivered',
    ]);
    expect(entries.find((entry) => entry.type === 'delivered')?.attempt).toBe(String(storm + 2));
  }, 120_000);
});

describe('the realistic sandbox with a short quota window', () => {
  let sandbox: RunningSandbox;
  let adapter: TestAdapter;
  const windowMs = 2000;

  beforeAll(async () => {
    // Some 500 points a referral against 1,500 a window: a burst of referrals runs out of quota several times.
    sandbox = await startSandbox({
      port: 0,
      realistic: { seed: 7, conflictRate: 0.3, entryConflictRate: 0, quotaPoints: 1500, quotaWindowSeconds: 2 },
    });
    adapter = await startDeliveryAdapter('retry-waits-realistic', {
      roles: { api: true, worker: true, sandbox: false },
      config: {
        endpoints: [
          {
            id: 'realistic',
            baseUrl: sandbox.baseUrl,
            practices: ['*'],
            concurrency: 4,
            retry: SLOW_GROWING_RETRY,
            // Every delivery searches, so the quota is spent on lookups as it was against the real server.
            lookupCache: { maxEntries: 0 },
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await adapter.close();
    await sandbox.close();
  });

  test('every message is delivered, throttled ones when the window resets, other retries within a window', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 16; index += 1) {
      ids.push(await submit(adapter, '/v1/referrals', referralDoc()));
    }
    for (const id of ids) {
      expect(await settled(adapter, id, ['delivered', 'failed'], 120_000)).toMatchObject({ status: 'delivered' });
    }
    const stats = (await (await fetch(`http://127.0.0.1:${sandbox.port}${STATS_PATH}`)).json()) as SandboxStats;
    const throttledByEhr = Object.values(stats.throttled).reduce((sum, n) => sum + n, 0);
    expect(throttledByEhr).toBeGreaterThan(0);

    const waits = (await Promise.all(ids.map(async (id) => ledgerOf(adapter, id))))
      .flat()
      .filter((entry) => entry.type === 'attempt-failed');
    const throttled = waits.filter((entry) => entry.httpStatus === '429');
    const others = waits.filter((entry) => entry.httpStatus !== '429');
    // Each 429 the EHR gave is one failed attempt in the ledger, waiting for the reset the server named.
    expect(throttled).toHaveLength(throttledByEhr);
    for (const entry of throttled) {
      expect(Number(entry.retryInMs)).toBeLessThanOrEqual(windowMs + JITTER_MS);
    }
    // The conflicts carry no wait of their own: their backoff stops at the window every answer announces.
    expect(others.length).toBeGreaterThan(0);
    for (const entry of others) {
      expect(Number(entry.retryInMs)).toBeLessThanOrEqual(windowMs);
    }
  }, 180_000);
});
