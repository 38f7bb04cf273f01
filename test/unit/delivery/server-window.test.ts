/**
 * What the server's answers say about the length of its rate-limit window: a declared RateLimit-Policy window
 * first, otherwise the longest reset it has named (rate-limit headers on any answer, Retry-After only when the
 * answer throttled), and nothing while it has said nothing.
 */
import { createServerWindow, declaredWindowMs } from '../../../src/delivery/server-window';

const NOW = new Date('2026-01-01T10:00:00.000Z');

describe('declaredWindowMs', () => {
  test.each([
    ['100;w=60', 60_000],
    ['"default";q=100;w=30', 30_000],
    ['"burst";q=10;w=1, "day";q=1000;w=86400', 1000],
  ])('reads the window of %s', (header, expected) => {
    expect(declaredWindowMs(new Headers({ 'ratelimit-policy': header }))).toBe(expected);
  });

  test.each(['100', 'w=', 'w=1.5', 'w=0'])('ignores %s', (header) => {
    expect(declaredWindowMs(new Headers({ 'ratelimit-policy': header }))).toBeUndefined();
  });
});

describe('createServerWindow', () => {
  test('knows nothing until the server says something', () => {
    const window = createServerWindow();
    window.observe(200, new Headers(), NOW);
    window.observe(503, new Headers(), NOW);
    expect(window.windowMs()).toBeUndefined();
  });

  test('the longest reset named on ordinary and throttling answers', () => {
    const window = createServerWindow();
    window.observe(200, new Headers({ ratelimit: '"fhirInteractions";r=900;t=45' }), NOW);
    window.observe(201, new Headers({ ratelimit: '"fhirInteractions";r=100;t=3' }), NOW);
    expect(window.windowMs()).toBe(45_000);
    window.observe(429, new Headers({ 'x-ratelimit-reset': '58' }), NOW);
    expect(window.windowMs()).toBe(58_000);
  });

  test('Retry-After counts only on a throttling answer', () => {
    const window = createServerWindow();
    window.observe(500, new Headers({ 'retry-after': '600' }), NOW);
    expect(window.windowMs()).toBeUndefined();
    window.observe(429, new Headers({ 'retry-after': '20' }), NOW);
    expect(window.windowMs()).toBe(20_000);
  });

  test('a declared window wins over the resets seen', () => {
    const window = createServerWindow();
    window.observe(429, new Headers({ ratelimit: 'limit=10, remaining=0, reset=90' }), NOW);
    window.observe(200, new Headers({ 'ratelimit-policy': '10;w=60' }), NOW);
    expect(window.windowMs()).toBe(60_000);
    // An answer without the policy header does not forget it.
    window.observe(200, new Headers(), NOW);
    expect(window.windowMs()).toBe(60_000);
  });
});
