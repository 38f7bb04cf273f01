/**
 * The request budget on real Redis, counted where the requests arrive (the sandbox EHR over HTTP): two budgets
 * on one endpoint's key, as two worker processes hold them, let out no more than the declared rate between them,
 * however many requests each is asked for; and a budget whose Redis is unreachable still paces its own requests.
 */
import type { RunningSandbox } from '../../../src/sandbox';
import { startSandbox } from '../../../src/sandbox';
import { createRedis } from '../../../src/store/connection';
import type { RequestBudget } from '../../../src/store/request-budget';
import { createRequestBudget, requestBudgetKeyPrefix } from '../../../src/store/request-budget';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: false });
});

afterAll(async () => {
  await sandbox.close();
});

/** Sends `count` requests through the budget, `parallel` at a time, and returns when all were answered. */
async function send(budget: RequestBudget, count: number, parallel: number): Promise<void> {
  let left = count;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left > 0) {
        left -= 1;
        await budget.take();
        await (await fetch(`${sandbox.baseUrl}/metadata`)).text();
      }
    }),
  );
}

/** The arrivals at the sandbox from `before` on: how many, and the seconds from the first to the last. */
function arrivalsSince(before: number): { count: number; spanSeconds: number } {
  const times = sandbox.answers
    .arrivals()
    .slice(before)
    .map((arrival) => arrival.at);
  return { count: times.length, spanSeconds: (Math.max(...times) - Math.min(...times)) / 1000 };
}

test('two processes sharing one endpoint budget stay within its declared rate together', async () => {
  const prefix = uniquePrefix('request-budget');
  const declared = 4;
  const connections = [createRedis(TEST_REDIS_URL, 'worker'), createRedis(TEST_REDIS_URL, 'worker')];
  const key = requestBudgetKeyPrefix(prefix, 'ehr');
  try {
    const budgets = connections.map((redis) => createRequestBudget(() => redis, key, { maxPerSecond: declared }));
    const before = sandbox.answers.arrivals().length;
    await Promise.all(budgets.map(async (budget) => send(budget, 16, 3)));
    const { count, spanSeconds } = arrivalsSince(before);
    expect(count).toBe(32);
    // The shared count holds every one-second window to the declared rate, and a span touches at most one window
    // more than the seconds it lasts; two budgets counting apart would have let out twice the rate.
    expect(count).toBeLessThanOrEqual(declared * (Math.ceil(spanSeconds) + 1));
  } finally {
    await Promise.all(connections.map(async (redis) => redis.quit()));
    await deleteKeys(prefix);
  }
}, 60_000);

test('with Redis unreachable the budget falls back to pacing its own requests', async () => {
  const unreachable = createRedis('redis://127.0.0.1:1', 'command');
  try {
    const declared = 5;
    const budget = createRequestBudget(() => unreachable, 'unused', { maxPerSecond: declared });
    const before = sandbox.answers.arrivals().length;
    await send(budget, 11, 4);
    const { count, spanSeconds } = arrivalsSince(before);
    expect(count).toBe(11);
    expect(count - 1).toBeLessThanOrEqual(declared * spanSeconds + 1);
  } finally {
    unreachable.disconnect();
  }
}, 30_000);
