/**
 * When to try again: when the server said when (Retry-After, or its rate limit's reset), then, plus a little
 * jitter; otherwise exponential backoff with jitter, capped by the policy and by the server's rate-limit window
 * when it has told us one; and never past the message's maximum age.
 */
import type { RetryPolicy } from '../config/schema';

/** What the server has told us that bears on the next wait. */
export interface ServerTiming {
  /** The wait this answer asked for: Retry-After, or the time until its rate limit resets. */
  readonly waitMs?: number | undefined;
  /** How long the server's rate-limit window is, as it last said (see server-window.ts). */
  readonly windowMs?: number | undefined;
}

/** A server-given wait is stretched by at most a tenth, between 100 ms and 1 s. */
const SERVER_JITTER = { share: 0.1, minMs: 100, maxMs: 1000 } as const;

/**
 * The wait before the next attempt.
 * @param backoffStep - how many attempts have failed for reasons the server did not time (the n-th such failure
 *   waits about `baseDelayMs × 2^(n-1)`); attempts the server answered with a wait do not advance it.
 * @param random - a number in [0, 1); jitter spreads retries so a recovering EHR is not hit by all at once.
 */
export function retryDelayMs(
  backoffStep: number,
  policy: RetryPolicy,
  random: number,
  server: ServerTiming = {},
): number {
  if (server.waitMs !== undefined) {
    // The server knows when it will take the request: earlier earns another refusal, and much later leaves the
    // quota it has given back unused. The wait may exceed maxDelayMs (a wait past the maximum age fails instead).
    const jitter = Math.min(SERVER_JITTER.maxMs, Math.max(SERVER_JITTER.minMs, server.waitMs * SERVER_JITTER.share));
    return Math.round(server.waitMs + jitter * random);
  }
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, Math.min(backoffStep - 1, 30));
  // "Equal jitter": half fixed, half random, so the delay still grows but retries do not synchronise.
  const jittered = exponential / 2 + (exponential / 2) * random;
  // Past the server's window its quota is back whatever went wrong, so waiting longer than that only delays.
  const windowCap = server.windowMs !== undefined && server.windowMs > 0 ? server.windowMs : Number.POSITIVE_INFINITY;
  return Math.round(Math.min(jittered, policy.maxDelayMs, windowCap));
}

/** True when waiting `delayMs` more would take the message past its maximum age. */
export function wouldExceedMaxAge(receivedAt: Date, now: Date, delayMs: number, policy: RetryPolicy): boolean {
  return now.getTime() + delayMs - receivedAt.getTime() > policy.maxAgeMs;
}
