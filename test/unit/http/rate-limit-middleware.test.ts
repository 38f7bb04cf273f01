/**
 * The abuse-limit middleware's decisions over an in-memory fake of the project's `RateLimiter` interface: a 401
 * is counted once however many areas' counters it passes, the failure that uses up the points becomes a 429 with
 * Retry-After, other errors pass untouched, and counters that cannot be reached never refuse anyone. The
 * Redis-backed limiter itself is tested through the running adapter in test/integration/http/abuse-limits.test.ts.
 */
import type { Request, Response } from 'express';
import { silentLogger } from '../../../src/observability/logger';
import type { RateDecision, RateLimiter } from '../../../src/store/rate-limits';
import { HttpError, httpError } from '../../../src/http/errors';
import { countFailedAuth, limitPerClient, refuseBlockedAddress } from '../../../src/http/rate-limit';

/** Counts per key up to `points`, like the real limiter within one window; `down` makes every call fail. */
class FakeLimiter implements RateLimiter {
  readonly used = new Map<string, number>();
  down = false;

  constructor(private readonly points: number) {}

  async consume(key: string): Promise<RateDecision> {
    await this.reachable();
    const used = (this.used.get(key) ?? 0) + 1;
    this.used.set(key, used);
    return used > this.points ? { allowed: false, retryAfterSeconds: 42 } : { allowed: true };
  }

  async check(key: string): Promise<RateDecision> {
    await this.reachable();
    return (this.used.get(key) ?? 0) > this.points ? { allowed: false, retryAfterSeconds: 42 } : { allowed: true };
  }

  private async reachable(): Promise<void> {
    await Promise.resolve();
    if (this.down) {
      throw new Error('connection refused');
    }
  }
}

function fakeRequest(ip: string): Request {
  return { ip, socket: {} } as unknown as Request;
}

function fakeResponse(clientId?: string): Response & { readonly headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  return {
    headers,
    locals: clientId === undefined ? {} : { clientId },
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
  } as unknown as Response & { readonly headers: Record<string, string> };
}

/** Runs one middleware and resolves with what it passed to next(). */
async function run(
  middleware: (next: (error?: unknown) => void) => void,
): Promise<{ readonly error: unknown; readonly called: boolean }> {
  return new Promise((resolve) => {
    middleware((error?: unknown) => {
      resolve({ error, called: true });
    });
  });
}

const logger = silentLogger();

function keyRequired(): HttpError {
  return httpError('key-required', { text: 'A valid key is required' });
}

test('a 401 is counted once against the address, even through two areas of counters', async () => {
  const limiter = new FakeLimiter(5);
  const first = countFailedAuth(limiter, logger);
  const second = countFailedAuth(limiter, logger);
  const error = keyRequired();
  const req = fakeRequest('192.0.2.1');
  const res = fakeResponse();
  const passed = await run((next) => first(error, req, res, next));
  expect(passed.error).toBe(error);
  await run((next) => second(error, req, res, next));
  expect(limiter.used.get('192.0.2.1')).toBe(1);
});

test('the failure over the limit becomes a 429 with Retry-After; the address is then refused before its key', async () => {
  const limiter = new FakeLimiter(2);
  const counter = countFailedAuth(limiter, logger);
  const req = fakeRequest('192.0.2.2');
  for (let i = 0; i < 2; i += 1) {
    expect((await run((next) => counter(keyRequired(), req, fakeResponse(), next))).error).toMatchObject({
      status: 401,
    });
  }
  const res = fakeResponse();
  const over = await run((next) => counter(keyRequired(), req, res, next));
  expect(over.error).toBeInstanceOf(HttpError);
  expect((over.error as HttpError).status).toBe(429);
  expect(res.headers['retry-after']).toBe('42');
  const blocked = await run((next) => refuseBlockedAddress(limiter, logger)(req, fakeResponse(), next));
  expect((blocked.error as HttpError).status).toBe(429);
  // Another address is not affected.
  const other = await run((next) =>
    refuseBlockedAddress(limiter, logger)(fakeRequest('192.0.2.3'), fakeResponse(), next),
  );
  expect(other.error).toBeUndefined();
});

test('errors other than 401 pass untouched and are not counted', async () => {
  const limiter = new FakeLimiter(1);
  const counter = countFailedAuth(limiter, logger);
  const forbidden = httpError('key-wrong-role', { text: 'another role' });
  const defect = new Error('defect');
  expect((await run((next) => counter(forbidden, fakeRequest('192.0.2.4'), fakeResponse(), next))).error).toBe(
    forbidden,
  );
  expect((await run((next) => counter(defect, fakeRequest('192.0.2.4'), fakeResponse(), next))).error).toBe(defect);
  expect(limiter.used.size).toBe(0);
});

test('each client of a route group has its own count', async () => {
  const limiter = new FakeLimiter(1);
  const limit = limitPerClient(limiter, 'ingest', logger);
  expect((await run((next) => limit(fakeRequest('192.0.2.5'), fakeResponse('casebook'), next))).error).toBeUndefined();
  const res = fakeResponse('casebook');
  const refused = await run((next) => limit(fakeRequest('192.0.2.5'), res, next));
  expect((refused.error as HttpError).status).toBe(429);
  expect(res.headers['retry-after']).toBe('42');
  expect((await run((next) => limit(fakeRequest('192.0.2.5'), fakeResponse('elemental'), next))).error).toBeUndefined();
});

test('counters that cannot be reached refuse nobody', async () => {
  const limiter = new FakeLimiter(0);
  limiter.down = true;
  const req = fakeRequest('192.0.2.6');
  expect(
    (await run((next) => limitPerClient(limiter, 'audit', logger)(req, fakeResponse('ann'), next))).error,
  ).toBeUndefined();
  expect((await run((next) => refuseBlockedAddress(limiter, logger)(req, fakeResponse(), next))).error).toBeUndefined();
  const error = keyRequired();
  expect((await run((next) => countFailedAuth(limiter, logger)(error, req, fakeResponse(), next))).error).toBe(error);
});
