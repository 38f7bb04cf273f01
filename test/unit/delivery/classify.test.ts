/**
 * What an EHR's status code means for delivery (a write race on 409/412 included), and how long the server asked
 * us to wait (Retry-After, or the rate-limit reset headers).
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import {
  classifyAnswer,
  classifyStatus,
  entryStatusCode,
  isUnresolvedReference,
  isWriteRace,
  rateLimitResetMs,
  retryAfterMs,
  serverWaitMs,
} from '../../../src/delivery/classify';

describe('classifyStatus', () => {
  test.each([200, 201, 204, 299])('%i is delivered', (status) => {
    expect(classifyStatus(status)).toBe('ok');
  });
  test.each([408, 429, 500, 502, 503, 504, 599])('%i is retried', (status) => {
    expect(classifyStatus(status)).toBe('retry');
  });
  test.each([400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 422])('%i is refused for good', (status) => {
    expect(classifyStatus(status)).toBe('reject');
  });
  test.each([0, 100, 101, 199, 300, 301, 304, 399])(
    '%i (no answer, informational or redirect) is refused',
    (status) => {
      // The client never follows redirects for a write; a redirect means a misconfigured base URL.
      expect(classifyStatus(status)).toBe('reject');
    },
  );
});

describe('entryStatusCode', () => {
  test.each([
    ['201 Created', 201],
    ['200 OK', 200],
    ['412', 412],
    ['', 0],
    [undefined, 0],
    ['Created', 0],
  ])('%p → %i', (status, code) => {
    expect(entryStatusCode(status)).toBe(code);
  });
});

describe('retryAfterMs', () => {
  const now = new Date('2025-03-01T12:00:00Z');

  test('delay-seconds', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
  });
  test('an HTTP date in the future is the time until then', () => {
    expect(retryAfterMs('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30_000);
  });
  test('the obsolete RFC 850 and asctime date forms are read too', () => {
    expect(retryAfterMs('Saturday, 01-Mar-25 12:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Sat Mar  1 12:00:10 2025', now)).toBeGreaterThanOrEqual(0);
  });
  test('an HTTP date in the past means now', () => {
    expect(retryAfterMs('Fri, 28 Feb 2025 12:00:00 GMT', now)).toBe(0);
  });
  test.each([null, '', '   ', 'soon', '1.5', '-5', '12abc', 'in a minute'])('%p says nothing', (header) => {
    expect(retryAfterMs(header, now)).toBeUndefined();
  });
});

function outcome(...issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

describe('isWriteRace and classifyAnswer', () => {
  test.each([
    ['issue code conflict', 409, outcome({ severity: 'error', code: 'conflict', diagnostics: 'edit conflict' })],
    ['issue code transient', 409, outcome({ severity: 'error', code: 'transient' })],
    [
      'a PostgreSQL serialization failure',
      409,
      outcome({
        severity: 'error',
        code: 'processing',
        diagnostics: 'ERROR: could not serialize access due to concurrent update',
      }),
    ],
    ['a deadlock', 409, outcome({ severity: 'error', code: 'exception', details: { text: 'deadlock detected' } })],
    [
      'a version conflict',
      409,
      outcome({ severity: 'error', code: 'processing', diagnostics: 'Version conflict on Goal/7' }),
    ],
    ['an ETag mismatch', 412, outcome({ severity: 'error', code: 'processing', diagnostics: 'ETag does not match' })],
    [
      'an If-Match failure',
      412,
      outcome({ severity: 'error', code: 'processing', diagnostics: 'If-Match W/"3" failed' }),
    ],
    ['a plain-text body', 409, 'serialization failure, please retry'],
  ])('a %s is a write race and retried', (_what, status, body) => {
    expect(isWriteRace(status, body)).toBe(true);
    expect(classifyAnswer(status, body)).toBe('retry');
  });

  test.each([
    ['a duplicate', 409, outcome({ severity: 'error', code: 'duplicate', diagnostics: 'resource already exists' })],
    [
      'a duplicate even when its text mentions a version conflict',
      409,
      outcome({ severity: 'error', code: 'duplicate', diagnostics: 'version conflict with an existing record' }),
    ],
    [
      'multiple matches of a conditional update',
      412,
      outcome({ severity: 'error', code: 'multiple-matches', diagnostics: 'Multiple resources found matching' }),
    ],
    ['a 409 with no body', 409, undefined],
    ['a 422 naming a deadlock', 422, outcome({ severity: 'error', code: 'processing', diagnostics: 'deadlock' })],
    ['a 400 with issue code conflict', 400, outcome({ severity: 'error', code: 'conflict' })],
  ])('%s is refused for good', (_what, status, body) => {
    expect(isWriteRace(status, body)).toBe(false);
    expect(classifyAnswer(status, body)).toBe('reject');
  });

  test('statuses other than 409 and 412 keep classifyStatus verdicts', () => {
    expect(classifyAnswer(201, undefined)).toBe('ok');
    expect(classifyAnswer(503, 'deadlock')).toBe('retry');
  });
});

describe('isUnresolvedReference', () => {
  const reference = 'EpisodeOfCare?identifier=https%3A%2F%2Fcasebook.example.org|referral%2FR1%2Fepisode';
  test.each([
    [
      "Medplum's 400",
      400,
      outcome({
        severity: 'error',
        code: 'invalid',
        details: { text: `Conditional reference '${reference}' did not match any resources` },
      }),
    ],
    [
      "the sandbox's 412",
      412,
      outcome({
        severity: 'error',
        code: 'processing',
        details: { text: `conditional reference ${reference} matches no resource` },
      }),
    ],
  ])('%s is retried: the episode may still be on its way', (_name, status, body) => {
    expect(isUnresolvedReference(status, body)).toBe(true);
    expect(classifyAnswer(status, body)).toBe('retry');
  });

  test('a reference matching several resources, or another 400, stays permanent', () => {
    const several = outcome({
      severity: 'error',
      code: 'processing',
      details: { text: `conditional reference ${reference} matches more than one resource` },
    });
    expect(classifyAnswer(412, several)).toBe('reject');
    expect(classifyAnswer(400, outcome({ severity: 'error', code: 'invalid', diagnostics: 'Invalid resource' }))).toBe(
      'reject',
    );
    expect(
      isUnresolvedReference(409, outcome({ severity: 'error', code: 'conflict', diagnostics: 'did not match any' })),
    ).toBe(false);
  });
});

describe('rateLimitResetMs and serverWaitMs', () => {
  const now = new Date('2025-03-01T12:00:00Z');

  test.each([
    ['RateLimit with reset', { ratelimit: 'limit=100, remaining=0, reset=30' }, 30_000],
    ['RateLimit in the structured-field form', { ratelimit: '"default";r=0;t=12' }, 12_000],
    ['RateLimit-Reset', { 'ratelimit-reset': '7' }, 7000],
    ['X-RateLimit-Reset as seconds', { 'x-ratelimit-reset': '45' }, 45_000],
    ['X-RateLimit-Reset as a Unix time', { 'x-ratelimit-reset': String(now.getTime() / 1000 + 90) }, 90_000],
    ['X-RateLimit-Reset as a Unix time already past', { 'x-ratelimit-reset': String(now.getTime() / 1000 - 5) }, 0],
  ])('%s', (_what, headers, expected) => {
    expect(rateLimitResetMs(new Headers(headers), now)).toBe(expected);
  });

  test.each([
    ['no header', {}],
    ['RateLimit without a reset', { ratelimit: 'limit=100, remaining=0' }],
    ['a fractional reset', { ratelimit: 'limit=100, remaining=0, reset=1.5' }],
    ['a reset that is not a number', { 'x-ratelimit-reset': 'soon' }],
  ])('%s says nothing', (_what, headers) => {
    expect(rateLimitResetMs(new Headers(headers), now)).toBeUndefined();
  });

  test('Retry-After wins over the rate-limit headers', () => {
    const headers = new Headers({ 'retry-after': '5', ratelimit: 'limit=1, remaining=0, reset=60' });
    expect(serverWaitMs(429, headers, now)).toBe(5000);
  });

  test.each([429, 503])('a %i without Retry-After waits for the rate limit to reset', (status) => {
    expect(serverWaitMs(status, new Headers({ 'x-ratelimit-reset': '20' }), now)).toBe(20_000);
  });

  test('other statuses ignore the rate-limit headers, which servers send on every answer', () => {
    expect(serverWaitMs(500, new Headers({ ratelimit: 'limit=100, remaining=99, reset=60' }), now)).toBeUndefined();
  });
});
