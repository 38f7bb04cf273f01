/**
 * The HTTP connection pool behind one endpoint's outbound FHIR requests: an undici Agent that keeps connections
 * alive between deliveries, sized from the endpoint's concurrency, and presents the endpoint's client certificate
 * (mutual TLS) and trusts its CA bundle when the settings give them. The PEM files are read once, when it is built.
 */
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import type { RequestInit as UndiciRequestInit } from 'undici';
import type { TlsFiles } from '../config/tls-schema';

/** The fetch the FHIR client and the token source send through. */
export type HttpFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpTransport {
  readonly fetch: HttpFetch;
  /** Closes the pooled connections; requests after this fail. */
  close(): Promise<void>;
}

export interface TransportOptions {
  /** Deliveries in flight at once; the pool keeps a connection for each, plus a few for token and lookup requests. */
  readonly concurrency: number;
  readonly tls?: TlsFiles | undefined;
  /** Names the settings in errors about the PEM files, e.g. `endpoints[0].tls`. */
  readonly path: string;
}

/** Idle connections are kept this long: long enough to span the gap between deliveries of a busy queue. */
const KEEP_ALIVE_MS = 30_000;
/** Requests queued behind an idle connection's reuse are not worth more than these extra connections. */
const SPARE_CONNECTIONS = 2;

/** The client certificate, key and CA bundle as undici's `connect` options; a file that cannot be read names its key. */
export function readTlsFiles(tls: TlsFiles, path: string): { cert: string; key: string; ca?: string } {
  const read = (key: keyof TlsFiles, file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new Error(`${path}.${key}: cannot read ${file} (${code})`);
    }
  };
  return {
    cert: read('certFile', tls.certFile),
    key: read('keyFile', tls.keyFile),
    ...(tls.caFile !== undefined ? { ca: read('caFile', tls.caFile) } : {}),
  };
}

export function createHttpTransport(options: TransportOptions): HttpTransport {
  const tls = options.tls !== undefined ? readTlsFiles(options.tls, options.path) : undefined;
  const agent = new Agent({
    connections: options.concurrency + SPARE_CONNECTIONS,
    keepAliveTimeout: KEEP_ALIVE_MS,
    keepAliveMaxTimeout: KEEP_ALIVE_MS * 2,
    // One request at a time per connection: FHIR servers rarely support HTTP/1.1 pipelining safely.
    pipelining: 1,
    ...(tls !== undefined ? { connect: tls } : {}),
  });
  return {
    // undici's own fetch, because the fetch built into Node rejects a dispatcher from another undici version.
    fetch: async (url, init) => undiciFetch(url, { ...(init as UndiciRequestInit), dispatcher: agent }),
    close: () => agent.close(),
  };
}
