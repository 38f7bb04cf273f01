/**
 * Inbound authentication by API key, one rule for every part of the API. Each key belongs to a named client and a
 * role: `ingest` (link-worker systems posting messages), `admin` (practice IT: failed messages, replay) or
 * `auditor` (the audit API and dashboard). A key of another role is recognised and refused with 403, so a
 * link-worker system's key can never list practice-wide work or read the audit trail. With no keys configured at
 * all the API is open, which suits a developer's machine and nothing else; the start-up log says so.
 */
import type { Request, RequestHandler } from 'express';
import { sameSecret } from '../lib/secrets';
import { httpError } from './errors';

export const ANONYMOUS_CLIENT = 'anonymous';

export type ClientRole = 'ingest' | 'admin' | 'auditor';

/** Client id → key, per role. */
export type KeyRing = Readonly<Record<ClientRole, Readonly<Record<string, string>>>>;

/** Where each role's keys are configured, for messages that tell an operator what to set. */
const ROLE_SETTING: Readonly<Record<ClientRole, string>> = {
  ingest: 'http.apiKeys, API_KEYS',
  admin: 'http.adminKeys, ADMIN_API_KEYS',
  auditor: 'audit.apiKeys, AUDIT_API_KEYS',
};

/** True when no key of any role is configured: the API runs open. */
export function isOpen(ring: KeyRing): boolean {
  return Object.values(ring).every((keys) => Object.keys(keys).length === 0);
}

/**
 * The key a request presents: X-API-Key, a Bearer token, or (where browsers must be able to log in) the password
 * of HTTP Basic credentials, whatever the user name.
 */
export function presentedKey(req: Request, allowBasic: boolean): string | undefined {
  const header = req.get('x-api-key');
  if (header !== undefined && header !== '') {
    return header;
  }
  const authorization = req.get('authorization') ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
  if (bearer?.[1] !== undefined) {
    return bearer[1].trim();
  }
  const basic = allowBasic ? /^Basic\s+(.+)$/i.exec(authorization) : null;
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

function clientFor(keys: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.entries(keys).find(([, secret]) => sameSecret(secret, key))?.[0];
}

export interface RoleOptions {
  /** Shown in the WWW-Authenticate challenge. */
  readonly realm: string;
  /** Accept HTTP Basic (for pages a person opens in a browser). */
  readonly allowBasic?: boolean;
}

/**
 * Sets `res.locals.clientId` to the authenticated client's name, or answers 401 (no or unknown key) or 403 (a
 * key of another role).
 */
export function requireRole(ring: KeyRing, role: ClientRole, options: RoleOptions): RequestHandler {
  const open = isOpen(ring);
  const challenge =
    options.allowBasic === true ? `Basic realm="${options.realm}", charset="UTF-8"` : `Bearer realm="${options.realm}"`;
  return (req, res, next) => {
    if (open) {
      res.locals.clientId = ANONYMOUS_CLIENT;
      next();
      return;
    }
    const key = presentedKey(req, options.allowBasic === true);
    const client = key === undefined ? undefined : clientFor(ring[role], key);
    if (client !== undefined) {
      res.locals.clientId = client;
      next();
      return;
    }
    const otherRole =
      key === undefined
        ? undefined
        : (Object.keys(ring) as ClientRole[]).find(
            (other) => other !== role && clientFor(ring[other], key) !== undefined,
          );
    if (otherRole !== undefined) {
      next(
        httpError('key-wrong-role', {
          text: `This ${otherRole} key may not be used here; it needs a ${role} key (${ROLE_SETTING[role]})`,
        }),
      );
      return;
    }
    res.setHeader('WWW-Authenticate', challenge);
    next(httpError('key-required', { text: `A valid ${role} key is required (Authorization: Bearer <key>)` }));
  };
}
