/**
 * A fault-injecting HTTP proxy to put in front of a FHIR server or the MESH sandbox: it passes requests through,
 * or answers the way a broken server does (503, 429 with Retry-After), resets connections, never answers, commits
 * the request upstream and then drops the answer (the server took it but the adapter never heard back) or holds
 * that answer back indefinitely, or stops listening altogether (connections refused) until it is brought back.
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
  | 'hold-write-response'
  /** Other requests pass; POSTs are committed upstream and their answer is never sent (the client waits). */
  | 'hold-post-response';

export interface FaultProxy {
  /** Base URL with the upstream's path, e.g. http://127.0.0.1:4321/fhir */
  readonly baseUrl: string;
  mode: FaultMode;
  /** Requests seen per mode, to prove each fault was really exercised. */
  readonly seen: Readonly<Record<FaultMode, number>>;
  /** Writes committed upstream whose answer was dropped or held back. */
  readonly lostWrites: number;
  /** The request headers of those writes, in order, to tell which of them was which. */
  readonly lostWriteHeaders: readonly Readonly<Record<string, string>>[];
  /** Stops listening and drops every connection: clients get their connections refused until up(). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Headers of one connection or one hop, which a proxy does not pass on. */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  // fetch asks for and decodes compressed answers itself.
  'accept-encoding',
]);

async function forward(upstream: URL, req: IncomingMessage, body: Buffer): Promise<Response> {
  const headers = new Headers();
  // Every end-to-end header: FHIR's conditional headers, MESH's Authorization and mex-* headers alike.
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !HOP_HEADERS.has(name)) {
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
    // fetch has decoded the body, so its length and encoding headers no longer describe it.
    if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) {
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
    'hold-post-response': 0,
  };
  const state: { mode: FaultMode; lostWrites: number } = { mode: 'pass', lostWrites: 0 };
  const lostWriteHeaders: Record<string, string>[] = [];
  const lose = (req: IncomingMessage): void => {
    state.lostWrites += 1;
    lostWriteHeaders.push(
      Object.fromEntries(
        Object.entries(req.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
      ),
    );
  };

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
          lose(req);
          req.socket.destroy();
          return;
        }
        await pass(upstream, req, body, res);
        return;
      case 'hold-write-response':
        if (req.method === 'POST' || req.method === 'PUT') {
          await (await forward(upstream, req, body)).arrayBuffer();
          lose(req);
          return;
        }
        await pass(upstream, req, body, res);
        return;
      case 'hold-post-response':
        // POST only: a MESH send is a POST, while its inbox acknowledgements (PUT) keep flowing.
        if (req.method === 'POST') {
          await (await forward(upstream, req, body)).arrayBuffer();
          lose(req);
          // The answer never comes; the client's timeout, its own death or down() ends the connection.
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
  const stopListening = async (): Promise<void> => {
    if (!server.listening) {
      return;
    }
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    for (const socket of sockets) {
      socket.destroy();
    }
    await closed;
  };
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
    lostWriteHeaders,
    down: stopListening,
    async up() {
      if (!server.listening) {
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      }
    },
    close: stopListening,
  };
}
