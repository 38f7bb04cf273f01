/**
 * A fault-injecting HTTP proxy to put in front of a FHIR server: it passes requests through, or answers the way a
 * broken EHR does (503, 429 with Retry-After), resets connections, never answers, or commits the request upstream
 * and then drops the answer (the EHR wrote it but the adapter never heard back) or never gives it.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultMode =
  | 'pass'
  | 'unavailable'
  | 'rate-limit'
  | 'reset'
  | 'hang'
  | 'lose-response'
  /** Reads pass; writes (POST/PUT) are committed upstream and their answer dropped. */
  | 'lose-write-response'
  /** Reads pass; writes are committed upstream and never answered (the sender waits until it gives up or dies). */
  | 'hold-write-response';

export interface FaultProxy {
  /** Base URL with the upstream's path, e.g. http://127.0.0.1:4321/fhir */
  readonly baseUrl: string;
  mode: FaultMode;
  /** Requests seen per mode, to prove each fault was really exercised. */
  readonly seen: Readonly<Record<FaultMode, number>>;
  /** Writes committed upstream whose answer was dropped or held (lose- and hold-write-response modes). */
  readonly lostWrites: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function forward(upstream: URL, req: IncomingMessage, body: Buffer): Promise<Response> {
  const headers = new Headers();
  for (const name of ['accept', 'content-type', 'authorization', 'if-match', 'if-none-exist', 'prefer']) {
    const value = req.headers[name];
    if (typeof value === 'string') {
      headers.set(name, value);
    }
  }
  return fetch(`${upstream.origin}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
  });
}

/** Starts a proxy on a free port in front of `upstreamBaseUrl` (same path layout). */
/** Relays the upstream's answer as it is. */
async function pass(upstream: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
  const response = await forward(upstream, req, body);
  const payload = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) {
      headers[name] = value;
    }
  });
  res.writeHead(response.status, headers);
  res.end(payload);
}

export async function startFaultProxy(upstreamBaseUrl: string, retryAfterSeconds = 1): Promise<FaultProxy> {
  const upstream = new URL(upstreamBaseUrl);
  const sockets = new Set<Socket>();
  const seen: Record<FaultMode, number> = {
    pass: 0,
    unavailable: 0,
    'rate-limit': 0,
    reset: 0,
    hang: 0,
    'lose-response': 0,
    'lose-write-response': 0,
    'hold-write-response': 0,
  };
  const state: { mode: FaultMode; lostWrites: number } = { mode: 'pass', lostWrites: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const mode = state.mode;
    seen[mode] += 1;
    switch (mode) {
      case 'unavailable':
        res.writeHead(503, { 'content-type': 'application/fhir+json' });
        res.end(
          JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] }),
        );
        return;
      case 'rate-limit':
        res.writeHead(429, { 'retry-after': String(retryAfterSeconds), 'content-type': 'application/fhir+json' });
        res.end(
          JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] }),
        );
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        // Never answer; the client's timeout ends it (or close() does).
        return;
      case 'lose-response':
        await (await forward(upstream, req, body)).arrayBuffer();
        req.socket.destroy();
        return;
      case 'lose-write-response':
        if (req.method === 'POST' || req.method === 'PUT') {
          await (await forward(upstream, req, body)).arrayBuffer();
          state.lostWrites += 1;
          req.socket.destroy();
          return;
        }
        await pass(upstream, req, body, res);
        return;
      case 'hold-write-response':
        if (req.method === 'POST' || req.method === 'PUT') {
          await (await forward(upstream, req, body)).arrayBuffer();
          state.lostWrites += 1;
          return;
        }
        await pass(upstream, req, body, res);
        return;
      case 'pass':
        await pass(upstream, req, body, res);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      req.socket.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/+$/, '')}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: FaultMode) {
      state.mode = mode;
    },
    seen,
    get lostWrites() {
      return state.lostWrites;
    },
    async close() {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
    },
  };
}
