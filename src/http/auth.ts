/**
 * Inbound authentication by API key (Authorization: Bearer <key>, or X-API-Key). Each key belongs to a named
 * client, and that name is what the ledger records as the sender. With no keys configured the API is open, which
 * suits a developer's machine and nothing else; the start-up log says so.
 */
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError, issue, outcome } from './errors';

export const ANONYMOUS_CLIENT = 'anonymous';

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function presentedKey(authorization: string | undefined, apiKeyHeader: string | undefined): string | undefined {
  if (apiKeyHeader !== undefined && apiKeyHeader !== '') {
    return apiKeyHeader;
  }
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  return match?.[1]?.trim();
}

/** Sets `res.locals.clientId` to the authenticated client's name, or answers 401. */
export function apiKeyAuth(apiKeys: Readonly<Record<string, string>>): RequestHandler {
  const entries = Object.entries(apiKeys);
  return (req, res, next) => {
    if (entries.length === 0) {
      res.locals.clientId = ANONYMOUS_CLIENT;
      next();
      return;
    }
    const key = presentedKey(req.get('authorization'), req.get('x-api-key'));
    const match = key === undefined ? undefined : entries.find(([, secret]) => sameSecret(secret, key));
    if (match === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="sp-fhir-adapter"');
      next(new HttpError(401, outcome([issue('login', 'A valid API key is required (Authorization: Bearer <key>)')])));
      return;
    }
    res.locals.clientId = match[0];
    next();
  };
}
