/**
 * A deliberately small FHIR REST client over fetch. It never retries on its own: whether and when to try again is
 * the delivery policy's decision, so the client reports exactly what happened (a status and body, or that the
 * server could not be reached in time).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { EndpointAuth } from '../config/schema';

export interface FhirResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
  readonly latencyMs: number;
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

export interface FhirClientOptions {
  readonly baseUrl: string;
  readonly auth: EndpointAuth;
  readonly timeoutMs: number;
  readonly userAgent?: string;
}

export class FhirClient {
  readonly baseUrl: string;

  constructor(private readonly options: FhirClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async request(method: string, path: string, body?: Resource): Promise<FhirResponse> {
    const headers: Record<string, string> = {
      accept: 'application/fhir+json',
      'user-agent': this.options.userAgent ?? 'sp-fhir-adapter',
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/fhir+json';
    }
    if (this.options.auth.type === 'bearer') {
      headers.authorization = `Bearer ${this.options.auth.token}`;
    }
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}/${path.replace(/^\/+/, '')}`, {
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
    return { status: response.status, body: parseBody(text), headers: response.headers, latencyMs };
  }

  async transaction(bundle: Bundle): Promise<FhirResponse> {
    return this.request('POST', '', bundle);
  }

  async search(resourceType: string, query: Readonly<Record<string, string>>): Promise<FhirResponse> {
    return this.request('GET', `${resourceType}?${new URLSearchParams(query).toString()}`);
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
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      return 'the EHR did not answer before the request timeout';
    }
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return `could not reach the EHR (${code ?? cause.message})`;
    }
    return `could not reach the EHR (${error.message})`;
  }
  return 'could not reach the EHR';
}
