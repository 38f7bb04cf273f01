/**
 * What an EHR's status code means for delivery, and how long the server asked us to wait (Retry-After).
 */
import { classifyStatus, entryStatusCode, retryAfterMs } from '../../../src/delivery/classify';

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
