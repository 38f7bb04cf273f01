/**
 * The back-pressure controller's decisions, driven by an in-memory clock: a throttling answer halves the allowed
 * rate and concurrency (never below their floors) and pauses until the server's reset time; answers to requests
 * already in flight do not cut again; a run of answers without throttling climbs back additively to the maximum.
 */
import { BackPressureController, isThrottling } from '../../../src/delivery/back-pressure';

function answered(controller: BackPressureController, times: number): void {
  for (let i = 0; i < times; i += 1) {
    controller.onAnswered();
  }
}

test('starts at the configured maximum, not paused', () => {
  const controller = new BackPressureController({ maxRate: 50, maxConcurrency: 10 });
  expect(controller.limits()).toEqual({ rate: 50, concurrency: 10, pausedUntil: 0 });
});

test('a 429 halves rate and concurrency and pauses until the reset time the server gave', () => {
  const controller = new BackPressureController({ maxRate: 50, maxConcurrency: 10 });
  const decision = controller.onThrottled(1_000, 30_000);
  expect(decision).toEqual({ reason: 'throttled', limits: { rate: 25, concurrency: 5, pausedUntil: 31_000 } });
});

test('without a reset time it cuts but does not pause', () => {
  const controller = new BackPressureController({ maxRate: 50, maxConcurrency: 10 });
  expect(controller.onThrottled(1_000)?.limits).toEqual({ rate: 25, concurrency: 5, pausedUntil: 0 });
});

test('answers to requests sent before the cut do not cut again; a later throttle does', () => {
  const controller = new BackPressureController({ maxRate: 40, maxConcurrency: 8, holdAfterDecreaseMs: 1_000 });
  controller.onThrottled(10_000);
  expect(controller.onThrottled(10_200)).toBeUndefined();
  expect(controller.onThrottled(10_999)).toBeUndefined();
  expect(controller.limits()).toMatchObject({ rate: 20, concurrency: 4 });
  expect(controller.onThrottled(11_000)?.limits).toMatchObject({ rate: 10, concurrency: 2 });
});

test('during the hold a longer wait from the server still extends the pause, without another cut', () => {
  const controller = new BackPressureController({ maxRate: 40, maxConcurrency: 8 });
  controller.onThrottled(10_000, 500);
  const decision = controller.onThrottled(10_100, 5_000);
  expect(decision?.limits).toEqual({ rate: 20, concurrency: 4, pausedUntil: 15_100 });
});

test('the hold lasts at least until the pause ends, so the answers of a long pause count once', () => {
  const controller = new BackPressureController({ maxRate: 40, maxConcurrency: 8, holdAfterDecreaseMs: 1_000 });
  controller.onThrottled(0, 10_000);
  expect(controller.onThrottled(5_000)).toBeUndefined();
  expect(controller.onThrottled(10_000)?.limits).toMatchObject({ rate: 10, concurrency: 2 });
});

test('cuts stop at the floors: one request a second and one delivery in flight', () => {
  const controller = new BackPressureController({ maxRate: 50, maxConcurrency: 10, holdAfterDecreaseMs: 0 });
  for (let at = 0; at < 20; at += 1) {
    controller.onThrottled(at);
  }
  expect(controller.limits()).toMatchObject({ rate: 1, concurrency: 1 });
});

test('an endpoint declared below one request a second keeps its declared rate as the floor', () => {
  const controller = new BackPressureController({ maxRate: 0.5, maxConcurrency: 1 });
  controller.onThrottled(0);
  expect(controller.limits()).toMatchObject({ rate: 0.5, concurrency: 1 });
});

test('a run of answers raises rate and concurrency by one step; a throttle in the run starts it again', () => {
  const controller = new BackPressureController({
    maxRate: 50,
    maxConcurrency: 10,
    successesPerIncrease: 10,
    rateStep: 5,
  });
  controller.onThrottled(0);
  answered(controller, 9);
  expect(controller.limits()).toMatchObject({ rate: 25, concurrency: 5 });
  controller.onThrottled(5_000);
  expect(controller.limits()).toMatchObject({ rate: 12.5, concurrency: 2 });
  answered(controller, 9);
  expect(controller.onAnswered()).toEqual({
    reason: 'recovering',
    limits: { rate: 17.5, concurrency: 3, pausedUntil: 0 },
  });
});

test('increases are additive and stop at the configured maximum', () => {
  const controller = new BackPressureController({ maxRate: 20, maxConcurrency: 4, successesPerIncrease: 2 });
  controller.onThrottled(0);
  controller.onThrottled(10_000);
  expect(controller.limits()).toMatchObject({ rate: 5, concurrency: 1 });
  const rates: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    const decision = controller.onAnswered();
    if (decision !== undefined) {
      rates.push(decision.limits.rate);
    }
  }
  // The default step is a tenth of the maximum (2 requests/s here).
  expect(rates).toEqual([7, 9, 11, 13, 15, 17, 19, 20]);
  expect(controller.limits()).toMatchObject({ rate: 20, concurrency: 4 });
  expect(controller.onAnswered()).toBeUndefined();
});

test('settings that cannot work are refused', () => {
  expect(() => new BackPressureController({ maxRate: 0, maxConcurrency: 1 })).toThrow(RangeError);
  expect(() => new BackPressureController({ maxRate: 1, maxConcurrency: 0 })).toThrow(RangeError);
  expect(() => new BackPressureController({ maxRate: 1, maxConcurrency: 1, decreaseFactor: 1 })).toThrow(RangeError);
});

test('a 429 is throttling; a 503 only when the server says when to come back', () => {
  expect(isThrottling(429, undefined)).toBe(true);
  expect(isThrottling(503, 2_000)).toBe(true);
  expect(isThrottling(503, undefined)).toBe(false);
  expect(isThrottling(500, 2_000)).toBe(false);
});

test('a write conflict halves concurrency only, holds like a throttle and climbs back with answers', () => {
  const controller = new BackPressureController({ maxRate: 40, maxConcurrency: 8 });
  expect(controller.onContended(1000)).toEqual({
    reason: 'contended',
    limits: { rate: 40, concurrency: 4, pausedUntil: 0 },
  });
  // Conflicts answering transactions sent before the cut do not cut again.
  expect(controller.onContended(1500)).toBeUndefined();
  expect(controller.onContended(2001)?.limits.concurrency).toBe(2);
  expect(controller.onContended(3002)?.limits.concurrency).toBe(1);
  // At one transaction in flight there is nothing left to cut.
  expect(controller.onContended(4003)).toBeUndefined();
  answered(controller, 10);
  expect(controller.limits()).toEqual({ rate: 40, concurrency: 2, pausedUntil: 0 });
});

test('a write conflict in a run of answers starts the run again', () => {
  const controller = new BackPressureController({ maxRate: 40, maxConcurrency: 8 });
  controller.onContended(1000);
  answered(controller, 9);
  controller.onContended(1200);
  answered(controller, 9);
  expect(controller.limits().concurrency).toBe(4);
  answered(controller, 1);
  expect(controller.limits().concurrency).toBe(5);
});
