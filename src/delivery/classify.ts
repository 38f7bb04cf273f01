/**
 * Decides what an EHR's answer means for delivery: done, worth trying again later (the server is down, slow,
 * overloaded or rate-limiting, or the write collided with a concurrent one), or refused for good (the request
 * itself is wrong and repeating it cannot help), and how long the server asked us to wait.
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

/** Issue codes a server gives a write that lost a race with another write (FHIR "conflict" is an edit version conflict). */
const RACE_ISSUE_CODES: ReadonlySet<string> = new Set(['conflict', 'transient']);

/**
 * Words servers use when a write lost a race with a concurrent one: a database serialization failure or deadlock
 * (PostgreSQL's "could not serialize access"), or a version / ETag / If-Match precondition that no longer holds.
 */
const RACE_WORDS =
  /could not serialize|serializ(?:ation|able)|deadlock|version (?:conflict|mismatch)|\betag\b|if-match|precondition mismatch|concurrent (?:update|modification|write)|optimistic lock/i;

interface OutcomeIssueLike {
  readonly code?: unknown;
  readonly diagnostics?: unknown;
  readonly details?: { readonly text?: unknown };
}

/** The issues of a body that is an OperationOutcome, or none. */
function issuesOf(body: unknown): readonly OutcomeIssueLike[] {
  if (typeof body !== 'object' || body === null) {
    return [];
  }
  const { resourceType, issue } = body as { resourceType?: unknown; issue?: unknown };
  return resourceType === 'OperationOutcome' && Array.isArray(issue) ? (issue as OutcomeIssueLike[]) : [];
}

/**
 * True when a 409 or 412 says the write collided with a concurrent one rather than that the request is wrong:
 * trying again shortly succeeds. A business conflict (issue code `duplicate`, say) is not one.
 */
export function isWriteRace(status: number, body: unknown): boolean {
  if (status !== 409 && status !== 412) {
    return false;
  }
  const issues = issuesOf(body);
  if (issues.some((issue) => issue.code === 'duplicate')) {
    return false;
  }
  const texts = issues.flatMap((issue) => [issue.diagnostics, issue.details?.text]);
  return (
    issues.some((issue) => typeof issue.code === 'string' && RACE_ISSUE_CODES.has(issue.code)) ||
    [...texts, body].some((text) => typeof text === 'string' && RACE_WORDS.test(text))
  );
}

/**
 * True when an answer shows writes colliding inside the EHR: the whole answer is a write race, or a
 * transaction-response (a server applying entries one by one) has an entry that is.
 */
export function showsWriteRace(status: number, body: unknown): boolean {
  if (isWriteRace(status, body)) {
    return true;
  }
  if (status < 200 || status >= 300 || typeof body !== 'object' || body === null) {
    return false;
  }
  const { resourceType, entry } = body as { resourceType?: unknown; entry?: unknown };
  if (resourceType !== 'Bundle' || !Array.isArray(entry)) {
    return false;
  }
  return (entry as { response?: { status?: string; outcome?: unknown } }[]).some((item) =>
    isWriteRace(entryStatusCode(item.response?.status), item.response?.outcome),
  );
}

/** A conditional reference the server could not resolve yet: Medplum's "did not match any resources", a 412 elsewhere. */
const UNRESOLVED_REFERENCE = /conditional reference.*(?:matches no resource|did not match any|no resources? match)/i;

/**
 * True when a 400, 404 or 412 says a conditional reference (the episode a record names) matched nothing: on an EHR
 * that applies transactions entry by entry, the referral can be there while its episode's entry is still being
 * written again, so trying again shortly succeeds. A referral that failed for good fails its dependants by itself.
 */
export function isUnresolvedReference(status: number, body: unknown): boolean {
  if (status !== 400 && status !== 404 && status !== 412) {
    return false;
  }
  const texts = issuesOf(body).flatMap((issue) => [issue.diagnostics, issue.details?.text]);
  return [...texts, body].some((text) => typeof text === 'string' && UNRESOLVED_REFERENCE.test(text));
}

/**
 * classifyStatus, except that a 409 or 412 reporting a write race, and a conditional reference not resolvable yet,
 * are retried (see isWriteRace and isUnresolvedReference).
 */
export function classifyAnswer(status: number, body: unknown): Verdict {
  const verdict = classifyStatus(status);
  return verdict === 'reject' && (isWriteRace(status, body) || isUnresolvedReference(status, body)) ? 'retry' : verdict;
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

/** 2001-09-09 in Unix seconds; a reset header at or above this is a point in time. */
const UNIX_TIME_FLOOR_S = 1_000_000_000;

/**
 * Milliseconds until a rate limit resets, from the IETF RateLimit header (`limit=10, remaining=0, reset=30`, or
 * the later `"policy";r=0;t=30`), RateLimit-Reset, or X-RateLimit-Reset (seconds to wait, or a Unix time in
 * seconds as some servers send it); undefined when none says.
 */
export function rateLimitResetMs(headers: Headers, now: Date): number | undefined {
  const combined = /(?:^|[\s,;])(?:reset|t)\s*=\s*(\d+)(?![\d.])/i.exec(headers.get('ratelimit') ?? '')?.[1];
  const value = [combined, headers.get('ratelimit-reset'), headers.get('x-ratelimit-reset')]
    .map((header) => header?.trim())
    .find((header) => header !== undefined && /^\d+$/.test(header));
  if (value === undefined) {
    return undefined;
  }
  const seconds = Number(value);
  // No server asks for a wait of decades: a number this large is a moment (Unix time), not a delay.
  return seconds >= UNIX_TIME_FLOOR_S ? Math.max(0, seconds * 1000 - now.getTime()) : seconds * 1000;
}

/**
 * How long a server asked us to wait before trying again: Retry-After when it says, and for a 429 or 503
 * without one, the time until its rate limit resets.
 */
export function serverWaitMs(status: number, headers: Headers, now: Date): number | undefined {
  const retryAfter = retryAfterMs(headers.get('retry-after'), now);
  if (retryAfter !== undefined || (status !== 429 && status !== 503)) {
    return retryAfter;
  }
  return rateLimitResetMs(headers, now);
}

/** True when fetch gave up because its AbortSignal timed out (or was aborted), rather than failing to connect. */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
