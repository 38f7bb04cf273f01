/**
 * The HTTP edge's settings: `trust proxy` from http.trustProxy or TRUST_PROXY (digits are a hop count, yes/no a
 * flag, anything else addresses and subnets), the abuse limits' documented defaults and their switch, and the
 * intake check's threads.
 */
import { loadConfig, parseConfig } from '../../../src/config/load';

test.each([
  ['1', 1],
  ['2', 2],
  ['true', true],
  ['no', false],
  ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
])('TRUST_PROXY=%s trusts %p', (value, expected) => {
  expect(loadConfig({ TRUST_PROXY: value }).http.trustProxy).toBe(expected);
});

test('no proxy is trusted by default', () => {
  expect(loadConfig({}).http.trustProxy).toBe(false);
});

test('the abuse limits default to generous per-client rates and 20 failed authentications a minute', () => {
  expect(parseConfig({}).http.rateLimits).toEqual({
    enabled: true,
    ingest: { points: 5000, durationSeconds: 1 },
    admin: { points: 50, durationSeconds: 1 },
    audit: { points: 50, durationSeconds: 1 },
    failedAuth: { points: 20, durationSeconds: 60 },
  });
});

test('RATE_LIMITS=off turns them off; a bad setting is named', () => {
  expect(loadConfig({ RATE_LIMITS: 'off' }).http.rateLimits.enabled).toBe(false);
  expect(() => parseConfig({ http: { rateLimits: { ingest: { points: 0 } } } })).toThrow(
    'http.rateLimits.ingest.points',
  );
  expect(() => parseConfig({ http: { rateLimits: { ingst: {} } } })).toThrow('http.rateLimits.ingst');
});

test('INTAKE_CHECK_THREADS sets the intake check threads; a negative or fractional count is named', () => {
  expect(loadConfig({ INTAKE_CHECK_THREADS: '2' }).http.intakeCheckThreads).toBe(2);
  expect(() => loadConfig({ INTAKE_CHECK_THREADS: '-1' })).toThrow('http.intakeCheckThreads');
  expect(() => parseConfig({ http: { intakeCheckThreads: 1.5 } })).toThrow('http.intakeCheckThreads');
});
