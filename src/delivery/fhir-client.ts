/**
 * A deliberately small FHIR REST client over fetch. It never retries on its own: whether and when to try again is
 * the delivery policy's decision, so the client reports exactly what happened (a status and body, or that the
 * server could not be reached in time).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { EndpointAuth } from '../config/schema';
import type { AccessTokenSource } from './access-token';
import { isTimeout } from './classify';
import type { HttpFetch } from './http-dispatcher';

export interface FhirResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
  readonly latencyMs: number;
  /** True when the EHR refused the first token (401/403) and this answer came with a freshly fetched one. */
  readonly afterTokenRefresh: boolean;
}

/** The EHR did not answer: connection refused or reset, DNS failure, or no reply within the timeout. */
export class EhrUnreachableError extends Error {
  constructor(
    message: string,
    readonly latencyMs: number,
  ) {
    super(message);
    this.name = 'EhrUnreachableError';
  }
}

/** What a request is, for the endpoint's request budget and the requests-by-kind metric. */
export type RequestKind = 'search' | 'read' | 'transaction' | 'write' | 'token';

/**
 * Called around every HTTP request to the endpoint: `before` may wait (the endpoint's request budget), `after`
 * sees each answer (back-pressure). The token source calls the same hook for token requests.
 */
export interface RequestHook {
  before(kind: RequestKind): Promise<void>;
  /** `body` is the parsed answer (undefined when it had none), for hooks that read what the server said. */
  after(kind: RequestKind, status: number, headers: Headers, body?: unknown): void;
}

/** A transaction is a POST to the base; a GET with a query is a search, without one a read. */
export function requestKind(method: string, path: string): RequestKind {
  if (method === 'GET') {
    return path.includes('?') ? 'search' : 'read';
  }
  return method === 'POST' && path.replace(/^\/+/, '') === '' ? 'transaction' : 'write';
}

export interface FhirClientOptions {
  readonly baseUrl: string;
  readonly auth: EndpointAuth;
  /** Bearer tokens for OAuth 2.0 endpoints (auth type client-credentials). */
  readonly tokens?: AccessTokenSource;
  readonly timeoutMs: number;
  readonly userAgent?: string;
  /** Sent as X-Request-Id on every request, so the EHR's logs and the audit ledger name the same exchange. */
  readonly requestId?: string;
  /** The endpoint's request budget and back-pressure, when requests to it are paced. */
  readonly hook?: RequestHook;
  /** The endpoint's pooled, keep-alive transport (with its client certificate); Node's fetch when absent. */
  readonly fetch?: HttpFetch;
}

/**
 * The requests a delivery attempt sends, tagged per attempt with its request id. FhirClient sends them over HTTP;
 * fast tests script the answers instead.
 */
export interface FhirRequests {
  /** The same client sending `X-Request-Id: <requestId>` on each request. */
  withRequestId(requestId: string): FhirRequests;
  search(resourceType: string, query: Readonly<Record<string, string>>): Promise<FhirResponse>;
  /**
   * GETs a page link the EHR gave (a searchset's `next`). A link outside the endpoint's base URL is not followed
   * (undefined), so the endpoint's credentials never go anywhere else.
   */
  page(link: string): Promise<FhirResponse | undefined>;
  transaction(bundle: Bundle): Promise<FhirResponse>;
}

export class FhirClient implements FhirRequests {
  readonly baseUrl: string;

  constructor(private readonly options: FhirClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** The same client (same auth and token cache) sending `X-Request-Id: <requestId>` on each request. */
  withRequestId(requestId: string): FhirClient {
    return new FhirClient({ ...this.options, requestId });
  }

  /**
   * Sends one request. With an OAuth 2.0 token source, a 401 or 403 is answered by fetching a fresh token and
   * sending the request once more at once; whatever the EHR says then is the answer.
   * @throws AccessTokenError when no token can be obtained
   */
  async request(method: string, path: string, body?: Resource): Promise<FhirResponse> {
    const { tokens } = this.options;
    if (tokens === undefined) {
      return this.send(method, path, body, this.staticAuthorization());
    }
    const token = await tokens.token();
    const first = await this.send(method, path, body, `Bearer ${token}`);
    if (first.status !== 401 && first.status !== 403) {
      return first;
    }
    tokens.invalidate(token);
    const retried = await this.send(method, path, body, `Bearer ${await tokens.token()}`);
    return { ...retried, afterTokenRefresh: true };
  }

  private staticAuthorization(): string | undefined {
    return this.options.auth.type === 'bearer' ? `Bearer ${this.options.auth.token}` : undefined;
  }

  private async send(
    method: string,
    path: string,
    body: Resource | undefined,
    authorization: string | undefined,
  ): Promise<FhirResponse> {
    const headers: Record<string, string> = {
      accept: 'application/fhir+json',
      'user-agent': this.options.userAgent ?? 'sp-fhir-adapter',
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/fhir+json';
    }
    if (authorization !== undefined) {
      headers.authorization = authorization;
    }
    if (this.options.requestId !== undefined) {
      headers['x-request-id'] = this.options.requestId;
    }
    const kind = requestKind(method, path);
    await this.options.hook?.before(kind);
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await (this.options.fetch ?? fetch)(`${this.baseUrl}/${path.replace(/^\/+/, '')}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new EhrUnreachableError(describeFetchError(error), Math.round(performance.now() - started));
    }
    const latencyMs = Math.round(performance.now() - started);
    const parsed = parseBody(text);
    this.options.hook?.after(kind, response.status, response.headers, parsed);
    return {
      status: response.status,
      body: parsed,
      headers: response.headers,
      latencyMs,
      afterTokenRefresh: false,
    };
  }

  async transaction(bundle: Bundle): Promise<FhirResponse> {
    return this.request('POST', '', bundle);
  }

  async search(resourceType: string, query: Readonly<Record<string, string>>): Promise<FhirResponse> {
    return this.request('GET', `${resourceType}?${new URLSearchParams(query).toString()}`);
  }

  async page(link: string): Promise<FhirResponse | undefined> {
    const base = `${this.baseUrl}/`;
    return link.startsWith(base) ? this.request('GET', link.slice(base.length)) : undefined;
  }

  async metadata(): Promise<FhirResponse> {
    return this.request('GET', 'metadata');
  }
}

function parseBody(text: string): unknown {
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function describeFetchError(error: unknown): string {
  if (isTimeout(error)) {
    return 'the EHR did not answer before the request timeout';
  }
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return `could not reach the EHR (${code ?? cause.message})`;
    }
    return `could not reach the EHR (${error.message})`;
  }
  return 'could not reach the EHR';
}
