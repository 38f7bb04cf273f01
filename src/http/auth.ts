/**
 * Inbound authentication, one rule for every part of the API: a request presents a credential, which is resolved
 * to a Principal (the client, its roles, its practices and source systems), and each area admits only the role
 * it serves. Credentials are API keys of configured clients (stored hashed in Redis, so a revoked key is refused
 * on the next request), bearer JWTs of the configured issuer, or keys of the older per-role settings (unscoped:
 * every practice, any source system). With no credentials configured at all the API is open, which suits a
 * developer's machine and nothing else; start-up refuses that on any other address.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { StoreUnavailableError } from '../app/intake';
import type { Principal } from '../config/client-scope';
import { principalOf, unscopedPrincipal } from '../config/client-scope';
import type { ClientConfig, ClientRole, OAuthConfig } from '../config/schema';
import { CLIENT_ROLES } from '../config/schema';
import { sameSecret } from '../lib/secrets';
import type { StoredApiKey } from '../store/api-keys';
import { CredentialsUnverifiableError, httpError } from './errors';

export type { ClientRole } from '../config/schema';

export const ANONYMOUS_CLIENT = 'anonymous';

/** The roles of the older per-role key settings. */
export type KeyRingRole = 'ingest' | 'admin' | 'auditor';

/** Client id → key, per role (http.apiKeys, http.adminKeys, audit.apiKeys). */
export type KeyRing = Readonly<Record<KeyRingRole, Readonly<Record<string, string>>>>;

/** Where each role's keys are configured, for messages that tell an operator what to set. */
const ROLE_SETTING: Readonly<Record<ClientRole, string>> = {
  ingest: 'http.apiKeys, API_KEYS, or a client with role ingest',
  admin: 'http.adminKeys, ADMIN_API_KEYS, or a client with role admin',
  auditor: 'audit.apiKeys, AUDIT_API_KEYS, or a client with role auditor',
  metrics: 'a client with role metrics or admin',
};

/** Finds a live stored key by its secret (store/api-keys.ts). */
export interface ApiKeyLookup {
  find(key: string): Promise<StoredApiKey | undefined>;
}

export interface Credentials {
  readonly keyRing: KeyRing;
  readonly clients: readonly ClientConfig[];
  readonly apiKeys?: ApiKeyLookup;
  readonly oauth?: OAuthConfig;
  /** The issuer's keys; by default fetched (and cached) from `oauth.jwksUrl`. */
  readonly jwks?: JWTVerifyGetKey;
}

export interface Authenticator {
  /** No credentials of any kind are configured: every request is let in as the anonymous client. */
  readonly open: boolean;
  /** The principal a presented credential stands for, preferring the role asked for; undefined when unknown. */
  identify(credential: string, role: ClientRole): Promise<Principal | undefined>;
}

/** True when no credential of any kind is configured. */
export function isOpen(credentials: Pick<Credentials, 'keyRing' | 'clients' | 'oauth'>): boolean {
  return (
    Object.values(credentials.keyRing).every((keys) => Object.keys(keys).length === 0) &&
    credentials.clients.length === 0 &&
    credentials.oauth === undefined
  );
}

function ringClient(keys: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.entries(keys).find(([, secret]) => sameSecret(secret, key))?.[0];
}

function looksLikeJwt(credential: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(credential);
}

/** Roles named in a claim: an array of names, or names separated by spaces (the OAuth `scope` form). */
export function rolesInClaim(claim: unknown): ClientRole[] {
  const names = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(' ') : [];
  return CLIENT_ROLES.filter((role) => names.includes(role));
}

/**
 * jose's verdicts that mean "the JWKS was out of reach", not "the token is bad": a timeout, a key set that is not
 * one, a non-200 answer (its generic error), or a failure outside jose altogether (the fetch itself). Every other
 * jose error (signature, claims, unknown key id) has a code of its own.
 */
function jwksUnreachable(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || !code.startsWith('ERR_J')) {
    return true;
  }
  return code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JWKS_INVALID' || code === 'ERR_JOSE_GENERIC';
}

export function createAuthenticator(credentials: Credentials): Authenticator {
  const { keyRing, clients, oauth } = credentials;
  const clientById = new Map(clients.map((client) => [client.id, client]));
  const jwks = credentials.jwks ?? (oauth !== undefined ? createRemoteJWKSet(new URL(oauth.jwksUrl)) : undefined);

  const fromRing = (key: string, role: ClientRole): Principal | undefined => {
    const roles = Object.keys(keyRing) as KeyRingRole[];
    const ordered = roles.includes(role as KeyRingRole) ? [role as KeyRingRole, ...roles] : roles;
    for (const ringRole of ordered) {
      const client = ringClient(keyRing[ringRole], key);
      if (client !== undefined) {
        return unscopedPrincipal(client, ringRole);
      }
    }
    return undefined;
  };

  const fromJwt = async (token: string): Promise<Principal | undefined> => {
    if (oauth === undefined || jwks === undefined) {
      return undefined;
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: oauth.issuer,
        audience: oauth.audience,
        algorithms: [...oauth.algorithms],
        clockTolerance: oauth.clockToleranceSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (jwksUnreachable(error)) {
        throw new CredentialsUnverifiableError(error);
      }
      // Bad signature, wrong issuer or audience, expired, unknown key: all simply not a credential.
      return undefined;
    }
    const clientId = payload[oauth.clientClaim];
    const client = typeof clientId === 'string' ? clientById.get(clientId) : undefined;
    return client === undefined ? undefined : principalOf(client, rolesInClaim(payload[oauth.rolesClaim]));
  };

  const fromStore = async (key: string): Promise<Principal | undefined> => {
    if (credentials.apiKeys === undefined || clients.length === 0) {
      return undefined;
    }
    let stored;
    try {
      stored = await credentials.apiKeys.find(key);
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
    const client = stored === undefined ? undefined : clientById.get(stored.clientId);
    return client === undefined || stored === undefined ? undefined : principalOf(client, rolesInClaim(stored.roles));
  };

  return {
    open: isOpen(credentials),
    async identify(credential, role) {
      return (
        fromRing(credential, role) ??
        (looksLikeJwt(credential) ? await fromJwt(credential) : await fromStore(credential))
      );
    },
  };
}

const OPEN_PRINCIPAL: Principal = {
  clientId: ANONYMOUS_CLIENT,
  roles: CLIENT_ROLES,
  practices: '*',
  sourceSystems: '*',
};

/**
 * The credential a request presents: X-API-Key, a Bearer token, or (where browsers must be able to log in) the
 * password of HTTP Basic credentials, whatever the user name.
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

/** The principal `requireRole` admitted; routes behind it may rely on it. */
export function requestPrincipal(res: Response): Principal {
  return res.locals.principal as Principal;
}

export interface RoleOptions {
  /** Shown in the WWW-Authenticate challenge. */
  readonly realm: string;
  /** Accept HTTP Basic (for pages a person opens in a browser). */
  readonly allowBasic?: boolean;
  /** Roles that are also let in (an admin may read /metrics). */
  readonly alsoRoles?: readonly ClientRole[];
}

/**
 * Sets `res.locals.principal` (and `res.locals.clientId`, its client's name), or answers 401 (no or unknown
 * credential) or 403 (a credential without the role).
 */
export function requireRole(auth: Authenticator, role: ClientRole, options: RoleOptions): RequestHandler {
  const challenge =
    options.allowBasic === true ? `Basic realm="${options.realm}", charset="UTF-8"` : `Bearer realm="${options.realm}"`;
  const admitted = [role, ...(options.alsoRoles ?? [])];
  return async (req, res, next) => {
    const admit = (principal: Principal): void => {
      res.locals.principal = principal;
      res.locals.clientId = principal.clientId;
      next();
    };
    if (auth.open) {
      admit(OPEN_PRINCIPAL);
      return;
    }
    const key = presentedKey(req, options.allowBasic === true);
    const principal = key === undefined ? undefined : await auth.identify(key, role);
    if (principal?.roles.some((held) => admitted.includes(held)) === true) {
      admit(principal);
      return;
    }
    if (principal !== undefined) {
      const held = principal.roles.length > 0 ? principal.roles.join(', ') : 'no';
      next(
        httpError('key-wrong-role', {
          text: `This ${held} key may not be used here; it needs a ${role} key (${ROLE_SETTING[role]})`,
        }),
      );
      return;
    }
    res.setHeader('WWW-Authenticate', challenge);
    next(httpError('key-required', { text: `A valid ${role} key is required (Authorization: Bearer <key>)` }));
  };
}
