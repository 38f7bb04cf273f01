/**
 * HTTP for the MESH client over node:http and node:https, because live MESH needs a client certificate per
 * connection and Node's built-in fetch cannot be given one without the separate undici package. Bodies travel as
 * raw bytes both ways (never decompressed), so a message arrives exactly as it was sent.
 */
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { MeshTlsMaterial } from './tls';

export interface MeshHttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface MeshHttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface MeshTransport {
  /** Resolves with whatever MESH answered; rejects only when there was no answer (network, TLS, timeout). */
  send(request: MeshHttpRequest): Promise<MeshHttpResponse>;
  /** Closes kept-alive connections. */
  close(): void;
}

export interface MeshTransportOptions {
  readonly timeoutMs: number;
  /** Client certificate, key and CA for https URLs; live MESH refuses connections without them. */
  readonly tls?: MeshTlsMaterial;
}

export function createMeshTransport(options: MeshTransportOptions): MeshTransport {
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    ...(options.tls?.cert !== undefined ? { cert: options.tls.cert } : {}),
    ...(options.tls?.key !== undefined ? { key: options.tls.key } : {}),
    ...(options.tls?.ca !== undefined ? { ca: options.tls.ca } : {}),
    ...(options.tls?.passphrase !== undefined ? { passphrase: options.tls.passphrase } : {}),
  });
  return {
    send: (request) => {
      const url = new URL(request.url);
      const secure = url.protocol === 'https:';
      const send = secure ? https.request : http.request;
      return new Promise<MeshHttpResponse>((resolve, reject) => {
        const outgoing = send(
          url,
          {
            method: request.method,
            headers: {
              ...request.headers,
              ...(request.body !== undefined ? { 'content-length': String(request.body.length) } : {}),
            },
            agent: secure ? httpsAgent : httpAgent,
            signal: AbortSignal.timeout(options.timeoutMs),
          },
          (incoming) => {
            const chunks: Buffer[] = [];
            incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
            incoming.on('error', reject);
            incoming.on('end', () => {
              resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) });
            });
          },
        );
        outgoing.on('error', reject);
        outgoing.end(request.body);
      });
    },
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
