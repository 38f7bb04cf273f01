/**
 * Remembers how long an EHR's rate-limit window is, from what its answers say: the window a `RateLimit-Policy`
 * header declares (`w=<seconds>`), or else the longest wait until a reset it has named (its rate-limit headers on
 * any answer, or a throttling answer's Retry-After). The retry policy caps its own backoff at this, since once a
 * window has passed the quota is back.
 */
import { isThrottling } from './back-pressure';
import { rateLimitResetMs, serverWaitMs } from './classify';

export interface ServerWindow {
  /** Reads one answer's headers. */
  observe(status: number, headers: Headers, now: Date): void;
  /** The window's length in ms, or undefined while the server has said nothing about one. */
  windowMs(): number | undefined;
}

/** Seconds of the window an IETF `RateLimit-Policy` header declares (`100;w=60`, `"default";q=100;w=60`). */
export function declaredWindowMs(headers: Headers): number | undefined {
  const seconds = /(?:^|[\s,;])w\s*=\s*(\d+)(?![\d.])/i.exec(headers.get('ratelimit-policy') ?? '')?.[1];
  return seconds === undefined || Number(seconds) === 0 ? undefined : Number(seconds) * 1000;
}

export function createServerWindow(): ServerWindow {
  let declared: number | undefined;
  let longestReset: number | undefined;
  return {
    observe(status, headers, now) {
      declared = declaredWindowMs(headers) ?? declared;
      const wait = serverWaitMs(status, headers, now);
      const reset = isThrottling(status, wait) ? wait : rateLimitResetMs(headers, now);
      if (reset !== undefined && reset > 0) {
        longestReset = Math.max(longestReset ?? 0, reset);
      }
    },
    windowMs: () => declared ?? longestReset,
  };
}
