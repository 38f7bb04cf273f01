/**
 * When to try again: exponential backoff with jitter up to a cap, never shorter than what the server asked for
 * (Retry-After), and never past the message's maximum age.
 */
import type { RetryPolicy } from '../config/schema';

/**
 * The wait before the next attempt, after `attempts` attempts have failed.
 * @param random - a number in [0, 1); jitter spreads retries so a recovering EHR is not hit by all at once.
 */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random: number, serverAskedMs?: number): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, Math.min(attempts - 1, 30));
  // "Equal jitter": half fixed, half random, so the delay still grows but retries do not synchronise.
  const jittered = exponential / 2 + (exponential / 2) * random;
  // The cap bounds our own backoff, not the server's request: retrying before Retry-After only earns another
  // 429. A wait beyond the message's maximum age makes it fail (see wouldExceedMaxAge).
  return Math.round(Math.max(Math.min(jittered, policy.maxDelayMs), serverAskedMs ?? 0));
}

/** True when waiting `delayMs` more would take the message past its maximum age. */
export function wouldExceedMaxAge(receivedAt: Date, now: Date, delayMs: number, policy: RetryPolicy): boolean {
  return now.getTime() + delayMs - receivedAt.getTime() > policy.maxAgeMs;
}
