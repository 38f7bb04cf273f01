/**
 * Decides what an EHR's answer means for delivery: done, worth trying again later (the server is down, slow,
 * overloaded or rate-limiting), or refused for good (the request itself is wrong and repeating it cannot help).
 */

export type Verdict = 'ok' | 'retry' | 'reject';

export function classifyStatus(status: number): Verdict {
  if (status >= 200 && status < 300) {
    return 'ok';
  }
  if (status === 408 || status === 429 || status >= 500) {
    return 'retry';
  }
  return 'reject';
}

/** The first three digits of a transaction-response entry status such as "201 Created". */
export function entryStatusCode(status: string | undefined): number {
  const code = Number.parseInt(status ?? '', 10);
  return Number.isNaN(code) ? 0 : code;
}

/**
 * Milliseconds the server asked us to wait (Retry-After as seconds or as an HTTP date), or undefined when it did
 * not say. A date in the past counts as "now".
 */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === '') {
    return undefined;
  }
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  // Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with a day name; Date.parse alone would read
  // garbage such as "1.5" or "-5" as dates in 2001.
  const at = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** True when fetch gave up because its AbortSignal timed out (or was aborted), rather than failing to connect. */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
