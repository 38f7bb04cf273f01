/**
 * Backoff between attempts (exponential growth, equal jitter, the cap, Retry-After as a floor) and the maximum
 * age after which a message fails.
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

  test('Retry-After is a floor', () => {
    expect(retryDelayMs(1, policy, 0, 30_000)).toBe(30_000);
    // A shorter Retry-After does not shorten the backoff.
    expect(retryDelayMs(5, policy, 0, 100)).toBe(8000);
  });

  test('Retry-After beyond the cap is still honoured (the cap bounds only our own backoff)', () => {
    expect(retryDelayMs(1, policy, 0, 120_000)).toBe(120_000);
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
