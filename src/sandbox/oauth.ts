/**
 * An optional OAuth 2.0 authorisation server for the sandbox EHR, so practice IT and tests can exercise an EHR
 * that demands bearer tokens: a client credentials token endpoint (RFC 6749 §4.4, client_secret_basic,
 * client_secret_post or private_key_jwt as in SMART Backend Services), SMART's discovery document, and a check on every FHIR request except the
 * CapabilityStatement. Controls let a test revoke tokens, deny a client, or take the token endpoint down.
 */
import { randomBytes } from 'node:crypto';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Request, RequestHandler, Router } from 'express';
import express from 'express';
import { CLIENT_ASSERTION_TYPE } from '../lib/client-assertion';
import { sameSecret } from '../lib/secrets';
import type { KeyClientRegistration } from './client-assertions';
import { createClientAssertionVerifier } from './client-assertions';

export const TOKEN_PATH = '/auth/token';

export interface SandboxOAuthOptions {
  /** Registered clients: client id → client secret. */
  readonly clients: Readonly<Record<string, string>>;
  /** Clients that authenticate with signed JWT assertions (private_key_jwt): client id → their public keys. */
  readonly keyClients?: Readonly<Record<string, KeyClientRegistration>> | undefined;
  /** expires_in of issued tokens. */
  readonly tokenLifetimeSeconds?: number;
}

export interface SandboxOAuth {
  /** Access tokens issued so far. */
  issued(): number;
  /** Every token issued so far stops working, as when the EHR restarts or an administrator revokes them. */
  revokeAll(): void;
  /** While denied, every FHIR request with this client's tokens answers 403 (e.g. missing permissions). */
  deny(clientId: string, denied: boolean): void;
  /** While set, the token endpoint answers this status (e.g. 503) instead of issuing tokens. */
  tokenOutage(status: number | undefined, retryAfterSeconds?: number): void;
  /** The token endpoint and /.well-known/smart-configuration, mounted at the server's root. */
  readonly routes: Router;
  /** Bearer token check, mounted in front of the FHIR API. */
  readonly guard: RequestHandler;
}

interface IssuedToken {
  readonly clientId: string;
  readonly expiresAt: number;
}

function forbidden(code: 'login' | 'forbidden', text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

/** The client id and secret from HTTP Basic (form-encoded, RFC 6749 §2.3.1) or from the form body. */
function presentedClient(
  authorization: string | undefined,
  form: Record<string, unknown>,
): { id: string; secret: string } | undefined {
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const decode = (part: string): string => decodeURIComponent(part.replace(/\+/g, ' '));
    return colon < 0 ? undefined : { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  }
  const { client_id: id, client_secret: secret } = form;
  return typeof id === 'string' && typeof secret === 'string' ? { id, secret } : undefined;
}

/** The token endpoint's own URL as the client addressed it, which an assertion's aud must equal. */
function tokenUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${TOKEN_PATH}`;
}

export function createSandboxOAuth(options: SandboxOAuthOptions): SandboxOAuth {
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? 300;
  const tokens = new Map<string, IssuedToken>();
  const denied = new Set<string>();
  let outage: { status: number; retryAfterSeconds?: number | undefined } | undefined;
  let issuedCount = 0;
  const assertions = createClientAssertionVerifier(options.keyClients ?? {});

  const routes = express.Router();
  /** The client a token request authenticates as: by signed assertion, or by id and secret. */
  async function authenticatedClient(
    authorization: string | undefined,
    form: Record<string, unknown>,
    tokenUrl: string,
  ): Promise<string | { refused: string }> {
    const { client_assertion: assertion, client_assertion_type: assertionType, client_id: formClientId } = form;
    if (assertion !== undefined || assertionType !== undefined) {
      if (assertionType !== CLIENT_ASSERTION_TYPE || typeof assertion !== 'string') {
        return { refused: `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}` };
      }
      const checked = await assertions.verify(assertion, tokenUrl);
      if ('refused' in checked) {
        return checked;
      }
      // RFC 7523 §3: a client_id sent alongside must name the same client as the assertion.
      if (formClientId !== undefined && formClientId !== checked.clientId) {
        return { refused: 'client_id does not match the client assertion' };
      }
      return checked.clientId;
    }
    const client = presentedClient(authorization, form);
    const secret = client === undefined ? undefined : options.clients[client.id];
    if (client === undefined || secret === undefined || !sameSecret(secret, client.secret)) {
      return { refused: 'unknown client or wrong secret' };
    }
    return client.id;
  }

  routes.post(TOKEN_PATH, express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (outage !== undefined) {
      if (outage.retryAfterSeconds !== undefined) {
        res.setHeader('Retry-After', String(outage.retryAfterSeconds));
      }
      res.status(outage.status).json({ error: 'temporarily_unavailable' });
      return;
    }
    const form = (req.body ?? {}) as Record<string, unknown>;
    const clientId = await authenticatedClient(req.get('authorization'), form, tokenUrlOf(req));
    if (typeof clientId !== 'string') {
      res.setHeader('WWW-Authenticate', 'Basic realm="sandbox"');
      res.status(401).json({ error: 'invalid_client', error_description: clientId.refused });
      return;
    }
    if (form.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type', error_description: 'only client_credentials' });
      return;
    }
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, { clientId, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    issuedCount += 1;
    const scope = typeof form.scope === 'string' ? form.scope : 'system/*.*';
    res.json({ access_token: token, token_type: 'Bearer', expires_in: lifetimeSeconds, scope });
  });
  routes.get('/.well-known/smart-configuration', (req, res) => {
    res.json({
      token_endpoint: tokenUrlOf(req),
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      capabilities: ['client-confidential-symmetric', 'client-confidential-asymmetric'],
    });
  });

  const guard: RequestHandler = (req, res, next) => {
    // The CapabilityStatement is public, as SMART servers serve it to unauthenticated clients.
    if (req.method === 'GET' && /^\/metadata\/?(\?|$)/.test(req.url)) {
      next();
      return;
    }
    const token = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1]?.trim();
    const issued = token === undefined ? undefined : tokens.get(token);
    if (issued === undefined || issued.expiresAt <= Date.now()) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="sandbox", error="invalid_token"');
      res
        .status(401)
        .type('application/fhir+json')
        .send(JSON.stringify(forbidden('login', 'The access token is missing, expired or revoked')));
      return;
    }
    if (denied.has(issued.clientId)) {
      res
        .status(403)
        .type('application/fhir+json')
        .send(JSON.stringify(forbidden('forbidden', `Client ${issued.clientId} may not use this FHIR API`)));
      return;
    }
    next();
  };

  return {
    issued: () => issuedCount,
    revokeAll: () => {
      tokens.clear();
    },
    deny: (clientId, on) => {
      if (on) {
        denied.add(clientId);
      } else {
        denied.delete(clientId);
      }
    },
    tokenOutage: (status, retryAfterSeconds) => {
      outage = status === undefined ? undefined : { status, retryAfterSeconds };
    },
    routes,
    guard,
  };
}
