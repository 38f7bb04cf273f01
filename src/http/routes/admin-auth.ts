/**
 * Authentication for the admin API (/v1/admin: failed-message listing and replay), which takes admin keys of its
 * own: an ingest or auditor key is recognised and refused with 403, so a link-worker system's key can never replay
 * or list practice-wide work. With no keys configured anywhere the adapter runs open, as on a developer's machine.
 */
import type { RequestHandler } from 'express';
import { ANONYMOUS_CLIENT, presentedKey, sameSecret } from '../auth';
import { HttpError, issue, outcome } from '../errors';

export interface AdminKeySets {
  /** Admin client id → key; the id is what the ledger records as the replaying client. */
  readonly adminKeys: Readonly<Record<string, string>>;
  readonly ingestKeys: Readonly<Record<string, string>>;
  readonly auditorKeys: Readonly<Record<string, string>>;
}

function matches(keys: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.entries(keys).find(([, secret]) => sameSecret(secret, key))?.[0];
}

/** Sets `res.locals.clientId` to the admin client's id, or answers 401 (no or unknown key) or 403 (wrong kind). */
export function adminAuth(keys: AdminKeySets): RequestHandler {
  const open = [keys.adminKeys, keys.ingestKeys, keys.auditorKeys].every((set) => Object.keys(set).length === 0);
  return (req, res, next) => {
    if (open) {
      res.locals.clientId = ANONYMOUS_CLIENT;
      next();
      return;
    }
    const key = presentedKey(req.get('authorization'), req.get('x-api-key'));
    const admin = key === undefined ? undefined : matches(keys.adminKeys, key);
    if (admin !== undefined) {
      res.locals.clientId = admin;
      next();
      return;
    }
    if (key !== undefined && (matches(keys.ingestKeys, key) ?? matches(keys.auditorKeys, key)) !== undefined) {
      next(
        new HttpError(
          403,
          outcome([
            issue(
              'forbidden',
              'This key may not use the admin API; it needs an admin key (http.adminKeys, ADMIN_API_KEYS)',
            ),
          ]),
        ),
      );
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="sp-fhir-adapter admin"');
    next(new HttpError(401, outcome([issue('login', 'An admin key is required (Authorization: Bearer <key>)')])));
  };
}
