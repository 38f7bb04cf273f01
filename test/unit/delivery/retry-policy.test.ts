/**
 * Waits between attempts (the server's own wait when it names one, plus a little jitter; otherwise exponential
 * growth with equal jitter, capped by the policy and by the server's rate-limit window) and the maximum age after
 * which a message fails.
 */
import type { RetryPolicy } from '../../../src/config/schema';
import { retryDelayMs, wouldExceedMaxAge } from '../../../src/delivery/retry-policy';

const policy: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAgeMs: 3_600_000, requestTimeoutMs: 5000 };

describe('retryDelayMs', () => {
  test('doubles with each failed attempt', () => {
    const delays = [1, 2, 3, 4, 5].map((attempts) => retryDelayMs(attempts, policy, 0.5));
    expect(delays).toEqual([750, 1500, 3000, 6000, 12_000]);
  });

  test('equal jitter keeps the delay between half and all of the exponential step', () => {
    for (const attempts of [1, 3, 6]) {
      const step = policy.baseDelayMs * 2 ** (attempts - 1);
      expect(retryDelayMs(attempts, policy, 0)).toBe(step / 2);
      const highest = retryDelayMs(attempts, policy, 0.999_999);
      expect(highest).toBeLessThanOrEqual(step);
      expect(highest).toBeGreaterThan(step * 0.99);
    }
  });

  test('never exceeds the cap, however many attempts', () => {
    for (const attempts of [7, 10, 50, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(retryDelayMs(attempts, policy, 0.999)).toBeLessThanOrEqual(policy.maxDelayMs);
    }
    expect(retryDelayMs(1000, policy, 0.999)).toBe(policy.maxDelayMs);
  });

  test('treats zero or negative attempts as the first', () => {
    expect(retryDelayMs(0, policy, 0)).toBe(500);
    expect(retryDelayMs(-3, policy, 0)).toBe(500);
  });

  test('a wait the server names is the wait, however many attempts failed before', () => {
    expect(retryDelayMs(1, policy, 0, { waitMs: 30_000 })).toBe(30_000);
    // Attempt 9's backoff would be some 128 s; the server says its quota is back in 2 s.
    expect(retryDelayMs(9, policy, 0, { waitMs: 2000 })).toBe(2000);
    expect(retryDelayMs(9, policy, 0, { waitMs: 2000, windowMs: 60_000 })).toBe(2000);
  });

  test('the jitter added to a server wait is a tenth of it, between 100 ms and 1 s', () => {
    const highest = (waitMs: number): number => retryDelayMs(3, policy, 0.999_999, { waitMs });
    expect(highest(0)).toBe(100);
    expect(highest(500)).toBe(600);
    expect(highest(5000)).toBe(5500);
    expect(highest(30_000)).toBe(31_000);
    for (const random of [0, 0.25, 0.5, 0.999]) {
      const delay = retryDelayMs(4, policy, random, { waitMs: 5000 });
      expect(delay).toBeGreaterThanOrEqual(5000);
      expect(delay).toBeLessThanOrEqual(5500);
    }
  });

  test('a server wait beyond the cap is still honoured (the cap bounds only our own backoff)', () => {
    expect(retryDelayMs(1, policy, 0, { waitMs: 120_000 })).toBe(120_000);
  });

  test("without a wait the backoff never exceeds the server's rate-limit window", () => {
    const window = { windowMs: 10_000 };
    expect(retryDelayMs(1, policy, 0.5, window)).toBe(750);
    expect(retryDelayMs(4, policy, 0.5, window)).toBe(6000);
    for (const attempts of [5, 6, 9, 30]) {
      expect(retryDelayMs(attempts, policy, 0.999, window)).toBe(10_000);
    }
    // A window longer than the policy's cap leaves the cap in charge; an unknown or empty one changes nothing.
    expect(retryDelayMs(30, policy, 0.999, { windowMs: 600_000 })).toBe(policy.maxDelayMs);
    expect(retryDelayMs(9, policy, 0.5, { windowMs: 0 })).toBe(retryDelayMs(9, policy, 0.5));
    expect(retryDelayMs(9, policy, 0.5, {})).toBe(policy.maxDelayMs);
  });
});

describe('wouldExceedMaxAge', () => {
  const received = new Date('2025-03-01T00:00:00Z');
  const at = (ms: number): Date => new Date(received.getTime() + ms);

  test('false while the next attempt is within the maximum age', () => {
    expect(wouldExceedMaxAge(received, at(0), 1000, policy)).toBe(false);
    expect(wouldExceedMaxAge(received, at(3_000_000), 600_000, policy)).toBe(false);
  });
  test('the boundary itself is still allowed', () => {
    expect(wouldExceedMaxAge(received, at(3_599_000), 1000, policy)).toBe(false);
    expect(wouldExceedMaxAge(received, at(3_599_000), 1001, policy)).toBe(true);
  });
  test('true once waiting would pass it, or it has already passed', () => {
    expect(wouldExceedMaxAge(received, at(3_500_000), 200_000, policy)).toBe(true);
    expect(wouldExceedMaxAge(received, at(4_000_000), 0, policy)).toBe(true);
  });
  test('the default maximum age is 72 hours', () => {
    const defaults: RetryPolicy = { ...policy, maxAgeMs: 72 * 3600 * 1000 };
    expect(wouldExceedMaxAge(received, at(71 * 3600 * 1000), 3600 * 1000, defaults)).toBe(false);
    expect(wouldExceedMaxAge(received, at(71 * 3600 * 1000), 3600 * 1000 + 1, defaults)).toBe(true);
  });
});
