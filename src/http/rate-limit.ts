/**
 * Abuse limits at the HTTP edge, as middleware over the `RateLimits` counters the composition root passes in:
 * requests per authenticated client for a route group, and failed authentications per remote address (an address
 * over its limit is refused before its key is even looked at, so guessing keys stays slow). Over a limit the
 * answer is 429 with Retry-After. When the counters cannot be reached the request goes on: Redis being down is
 * answered by the routes themselves, and an abuse limit must not turn an outage of its own into a refusal.
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from '../observability/logger';
import type { RateDecision, RateLimiter, RateLimitGroup } from '../store/rate-limits';
import { HttpError, httpError } from './errors';

/** The 429 answer, with the seconds to wait. */
export function rateLimited(retryAfterSeconds: number, text: string): HttpError {
  return httpError('rate-limited', { text: `${text}; retry after ${String(retryAfterSeconds)} s` });
}

function remoteAddress(req: Request): string {
  // With `trust proxy` set, Express takes this from X-Forwarded-For as far as the trusted proxies go.
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

async function decide(ask: () => Promise<RateDecision>, logger: Logger, group: RateLimitGroup): Promise<RateDecision> {
  try {
    return await ask();
  } catch (error) {
    logger.warn({ err: error, group }, 'rate limit not checked: its counters are unavailable');
    return { allowed: true };
  }
}

/** Counts each request against the authenticated client (`res.locals.clientId`) of the route group. */
export function limitPerClient(limiter: RateLimiter, group: RateLimitGroup, logger: Logger): RequestHandler {
  return (_req, res, next) => {
    const client = String(res.locals.clientId);
    void decide(async () => limiter.consume(client), logger, group).then((decision) => {
      if (decision.allowed) {
        next();
        return;
      }
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      next(rateLimited(decision.retryAfterSeconds, `Too many ${group} requests from this client`));
    });
  };
}

/** Refuses an address that has failed authentication too often, before its key is checked. */
export function refuseBlockedAddress(limiter: RateLimiter, logger: Logger): RequestHandler {
  return (req, res, next) => {
    void decide(async () => limiter.check(remoteAddress(req)), logger, 'failedAuth').then((decision) => {
      if (decision.allowed) {
        next();
        return;
      }
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      next(rateLimited(decision.retryAfterSeconds, 'Too many failed authentications from this address'));
    });
  };
}

/** Failures already counted: an error passes every later error handler, including other areas' counters. */
const counted = new WeakSet<HttpError>();

/** Mounted right after an auth guard: counts each 401 (no or unknown key) against the remote address, once. */
export function countFailedAuth(limiter: RateLimiter, logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (!(error instanceof HttpError) || error.status !== 401 || counted.has(error)) {
      next(error);
      return;
    }
    counted.add(error);
    void decide(async () => limiter.consume(remoteAddress(req)), logger, 'failedAuth').then((decision) => {
      if (decision.allowed) {
        next(error);
        return;
      }
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      next(rateLimited(decision.retryAfterSeconds, 'Too many failed authentications from this address'));
    });
  };
}
