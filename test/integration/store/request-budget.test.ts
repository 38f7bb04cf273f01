/**
 * The request budget on real Redis: several budgets on one endpoint's schedule, each on its own connection as
 * separate worker processes hold them, let out no more than the declared rate between them in any sliding
 * one-second window (counted from when each take() returned), through a steady run, after a change of rate and
 * after a pause; and a budget whose Redis is unreachable still spaces its own requests.
 */
import type { Redis } from 'ioredis';
import { createRedis } from '../../../src/store/connection';
import type { RequestBudget } from '../../../src/store/request-budget';
import { createRequestBudget, requestBudgetKeyPrefix } from '../../../src/store/request-budget';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

/** The most times (ms) within any window of 1000 ms that starts at one of them. */
function mostInAnySecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  sorted.forEach((time, last) => {
    while (time - (sorted[first] ?? time) >= 1000) {
      first += 1;
    }
    most = Math.max(most, last - first + 1);
  });
  return most;
}

/** Takes `count` units through the budget, `parallel` at a time, and returns when each take() completed. */
async function takeTimes(budget: RequestBudget, count: number, parallel: number): Promise<number[]> {
  let left = count;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left > 0) {
        left -= 1;
        await budget.take();
        times.push(Date.now());
      }
    }),
  );
  return times;
}

describe('budgets sharing one endpoint on real Redis', () => {
  const prefix = uniquePrefix('request-budget');
  const key = requestBudgetKeyPrefix(prefix, 'ehr');
  let connections: Redis[];
  let budgets: RequestBudget[];
  const declared = 20;

  beforeAll(() => {
    connections = [0, 1, 2].map(() => createRedis(TEST_REDIS_URL, 'worker'));
    budgets = connections.map((redis) => createRequestBudget(() => redis, key, { maxPerSecond: declared }));
  });

  afterAll(async () => {
    await Promise.all(connections.map(async (redis) => redis.quit()));
    await deleteKeys(prefix);
  });

  test('three processes together stay within the declared rate in every sliding second', async () => {
    // Over several seconds, so the run crosses many whole-second boundaries, where fixed windows let a burst
    // straddle two windows; three budgets counting apart would have let out three times the rate.
    const times = (await Promise.all(budgets.map(async (budget) => takeTimes(budget, 40, 4)))).flat();
    expect(times).toHaveLength(120);
    expect(mostInAnySecond(times)).toBeLessThanOrEqual(declared);
    expect(mostInAnySecond(times)).toBeGreaterThanOrEqual(declared / 2);
  }, 60_000);

  test('after setRate every process lets out no more than the new rate between them', async () => {
    const lowered = 8;
    budgets.forEach((budget) => {
      budget.setRate(lowered);
    });
    try {
      const times = (await Promise.all(budgets.map(async (budget) => takeTimes(budget, 8, 2)))).flat();
      // The first slot of each process may still have been spaced at the old rate: the change applies from the
      // next slot on, so the window is counted from the second second of the run.
      const start = Math.min(...times) + 1000;
      expect(mostInAnySecond(times.filter((time) => time >= start))).toBeLessThanOrEqual(lowered);
      expect(budgets.map((budget) => budget.rate())).toEqual([lowered, lowered, lowered]);
    } finally {
      budgets.forEach((budget) => {
        budget.setRate(declared);
      });
    }
  }, 60_000);

  test('a pause holds every take until it ends, and the rate holds after it', async () => {
    const until = Date.now() + 1500;
    budgets.forEach((budget) => {
      budget.pauseUntil(until);
    });
    const times = (await Promise.all(budgets.map(async (budget) => takeTimes(budget, 15, 3)))).flat();
    // Redis's clock and this one are the same machine's; a millisecond is allowed for rounding to whole ones.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(until - 1);
    expect(mostInAnySecond(times)).toBeLessThanOrEqual(declared);
  }, 60_000);

  test('the schedule is one key under the endpoint prefix, which expires by itself', async () => {
    const redis = connections[0]!;
    expect(await redis.keys(`${prefix}:*`)).toEqual([`${key}:schedule`]);
    expect(await redis.pttl(`${key}:schedule`)).toBeGreaterThan(0);
  });
});

test('with Redis unreachable the budget falls back to spacing its own requests', async () => {
  const unreachable = createRedis('redis://127.0.0.1:1', 'command');
  try {
    const declared = 5;
    const budget = createRequestBudget(() => unreachable, 'unused', { maxPerSecond: declared });
    const times = await takeTimes(budget, 11, 4);
    expect(times).toHaveLength(11);
    expect(mostInAnySecond(times)).toBeLessThanOrEqual(declared);
  } finally {
    unreachable.disconnect();
  }
}, 30_000);
