/**
 * Access tokens for an EHR that uses the OAuth 2.0 client credentials grant: fetches a token from the token
 * endpoint, keeps it until shortly before it expires, and shares one request among all callers that need a token
 * at the same moment. The client authenticates with a secret or a signed JWT assertion; neither the secret, the
 * assertion nor a token ever appears in an error message.
 */
import { classifyStatus, isTimeout, serverWaitMs } from './classify';
import type { RequestHook } from './fhir-client';
import type { ClientAssertionKey } from '../lib/client-assertion';
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from '../lib/client-assertion';

/** Where the FHIR client gets its bearer tokens; `invalidate` drops a token the EHR refused. */
export interface AccessTokenSource {
  /** The token endpoint, for messages shown to practice IT. */
  readonly tokenUrl: string;
  token(): Promise<string>;
  /** Forgets `token` if it is still the cached one, so the next `token()` fetches a fresh one. */
  invalidate(token: string): void;
  /**
   * The scopes the token endpoint said it granted with the latest token, or undefined when it did not say (RFC
   * 6749 §5.1 lets it omit `scope` when it granted exactly what was asked for).
   */
  grantedScope?(): string | undefined;
}

/**
 * No token could be obtained. `permanent` means the credentials or request were refused (400/401 and other 4xx)
 * and asking again cannot help; otherwise the token endpoint was down, slow or overloaded.
 */
export class AccessTokenError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly httpStatus?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AccessTokenError';
  }
}

interface ClientIdentity {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly scope?: string | undefined;
}

/** A shared secret, sent as HTTP Basic credentials or as form fields. */
export interface SecretClientCredentials extends ClientIdentity {
  readonly clientAuthentication: 'client_secret_basic' | 'client_secret_post';
  readonly clientSecret: string;
}

/** A private key that signs a fresh JWT client assertion for every token request (SMART Backend Services). */
export interface KeyClientCredentials extends ClientIdentity {
  readonly clientAuthentication: 'private_key_jwt';
  readonly key: ClientAssertionKey;
}

export type ClientCredentials = SecretClientCredentials | KeyClientCredentials;

export interface TokenSourceOptions {
  readonly timeoutMs: number;
  readonly now?: () => number;
  /** The endpoint's request budget and back-pressure: a token request counts as one of its requests. */
  readonly hook?: RequestHook;
  /** The endpoint's transport (mutual TLS, pooled connections); Node's fetch when absent. */
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** Lifetime assumed when the token endpoint omits expires_in (RFC 6749 makes it optional). */
const DEFAULT_LIFETIME_S = 300;
/** Renew this long before expiry (at most a tenth of the lifetime), so a token never expires mid-request. */
const RENEW_BEFORE_MS = 60_000;

interface CachedToken {
  readonly value: string;
  readonly renewAt: number;
}

/** The RFC 6749 §5.2 error code and description, which name the problem without echoing credentials. */
function oauthError(body: unknown): string {
  if (typeof body !== 'object' || body === null) {
    return '';
  }
  const { error, error_description: description } = body as { error?: unknown; error_description?: unknown };
  const parts = [typeof error === 'string' ? error : '', typeof description === 'string' ? description : ''];
  return parts.filter((part) => part !== '').join(': ');
}

function formUrlEncoded(value: string): string {
  // RFC 6749 §2.3.1: the client id and secret are form-encoded before they go into the Basic header.
  return encodeURIComponent(value).replace(/%20/g, '+');
}

export function clientCredentialsTokenSource(
  credentials: ClientCredentials,
  options: TokenSourceOptions,
): AccessTokenSource {
  const now = options.now ?? Date.now;
  let cached: CachedToken | undefined;
  let pending: Promise<string> | undefined;
  let granted: string | undefined;
  const whatToCheck =
    credentials.clientAuthentication === 'private_key_jwt'
      ? 'client id, key id, the public key registered with the EHR, and scope'
      : 'client id, secret and scope';

  async function fetchToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (credentials.scope !== undefined) {
      form.set('scope', credentials.scope);
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (credentials.clientAuthentication === 'private_key_jwt') {
      const assertion = await signClientAssertion(credentials.key, credentials.clientId, credentials.tokenUrl, now());
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set('client_assertion', assertion);
    } else if (credentials.clientAuthentication === 'client_secret_basic') {
      const pair = `${formUrlEncoded(credentials.clientId)}:${formUrlEncoded(credentials.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      form.set('client_id', credentials.clientId);
      form.set('client_secret', credentials.clientSecret);
    }
    await options.hook?.before('token');
    let response: Response;
    let text: string;
    try {
      response = await (options.fetch ?? fetch)(credentials.tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new AccessTokenError(
        isTimeout(error)
          ? `the token endpoint ${credentials.tokenUrl} did not answer before the request timeout`
          : `could not reach the token endpoint ${credentials.tokenUrl}`,
        false,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = undefined;
    }
    const status = response.status;
    options.hook?.after('token', status, response.headers);
    const verdict = classifyStatus(status);
    if (verdict !== 'ok') {
      const detail = oauthError(body);
      const what = `the token endpoint ${credentials.tokenUrl} answered HTTP ${status}${detail !== '' ? ` (${detail})` : ''}`;
      const transient = verdict === 'retry';
      throw new AccessTokenError(
        transient ? what : `${what}: check the endpoint's ${whatToCheck}`,
        !transient,
        status,
        transient ? serverWaitMs(status, response.headers, new Date(now())) : undefined,
      );
    }
    const {
      access_token: accessToken,
      expires_in: expiresIn,
      scope: grantedScope,
    } = (body ?? {}) as {
      access_token?: unknown;
      expires_in?: unknown;
      scope?: unknown;
    };
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new AccessTokenError(`the token endpoint ${credentials.tokenUrl} answered without an access_token`, false);
    }
    const lifetimeMs = (typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S) * 1000;
    granted = typeof grantedScope === 'string' ? grantedScope : undefined;
    cached = { value: accessToken, renewAt: now() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs / 10) };
    return accessToken;
  }

  return {
    tokenUrl: credentials.tokenUrl,
    async token() {
      if (cached !== undefined && now() < cached.renewAt) {
        return cached.value;
      }
      // Single flight: callers arriving while a request is out wait for its answer instead of sending their own.
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token) {
      if (cached?.value === token) {
        cached = undefined;
      }
    },
    grantedScope: () => granted,
  };
}
