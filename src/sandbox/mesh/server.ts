/**
 * Starts the embedded MESH sandbox: a server speaking the MESH API v2 for a set of in-memory mailboxes, with
 * chosen mailboxes playing receiving GP practices, and test controls. Plain HTTP by default; with `tls` it serves
 * HTTPS and demands a client certificate from its CA, as live MESH does.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../observability/logger';
import { silentLogger } from '../../observability/logger';
import type { AckProducer } from './acks';
import { placeholderAcks } from './acks';
import { MESH_BASE_PATH, MESH_V2_MEDIA_TYPE, meshApiRouter } from './api';
import { createMeshAuthVerifier } from './auth';
import type { ReceivedMessage } from './controls';
import { CONTROLS_BASE_PATH, InjectedFailures, controlsRouter, receivedMessages } from './controls';
import type { MeshMailboxConfig } from './mail-store';
import { MeshMailStore } from './mail-store';
import type { PracticeSetting } from './practices';
import { ReceivingPractices } from './practices';
import type { RegisteredPatient } from './routing';
import { closeServer, urlHost } from '../http-server';

/** The specification rejects timestamps more than two hours from the server's time. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 2 * 60 * 60 * 1000;
/** The largest payload MESH accepts in one request (100 MB). */
export const DEFAULT_MAX_REQUEST_BYTES = 100 * 1000 * 1000;

/** Server certificate and key, and the CA whose client certificates are accepted (and required). */
export interface MeshSandboxTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa: Buffer;
}

export interface MeshSandboxOptions {
  readonly mailboxes: readonly MeshMailboxConfig[];
  /** The environment's shared key, used with each mailbox password in the NHSMESH HMAC. */
  readonly sharedKey: string;
  /** Mailboxes that play receiving practices for GPFED_CONSULT_REPORT, and how they answer. */
  readonly practices?: Readonly<Record<string, PracticeSetting>>;
  /** Patients `GPPROVIDER_<NHS number>_…` addresses route to (the sandbox's stand-in for PDS and endpoint lookup). */
  readonly registeredPatients?: readonly RegisteredPatient[];
  /** Builds the acknowledgements a practice posts back; the provisional placeholder by default. */
  readonly ackProducer?: AckProducer;
  /** Serve HTTPS with mutual TLS instead of plain HTTP. */
  readonly tls?: MeshSandboxTls;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly maxClockSkewMs?: number;
  readonly maxRequestBytes?: number;
  /** The sandbox's clock, for tests of timestamp checks. */
  readonly now?: () => Date;
  readonly logger?: Logger;
}

export interface RunningMeshSandbox {
  /** e.g. http://127.0.0.1:8095 (https with `tls`) — the MESH API is under /messageexchange, the test controls under /_sandbox. */
  readonly url: string;
  readonly port: number;
  /** Every message delivered to a mailbox, acknowledged or not, with its bytes. */
  received(mailbox: string): ReceivedMessage[];
  /** Makes a mailbox a receiving practice or changes how it answers. */
  setPractice(mailbox: string, setting: PracticeSetting): void;
  /** The next `count` MESH API requests are answered with `status` (503 by default) before any other check. */
  failNextRequests(count: number, status?: number): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

export async function startMeshSandbox(options: MeshSandboxOptions): Promise<RunningMeshSandbox> {
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger();
  const store = new MeshMailStore(options.mailboxes, now);
  const practices = new ReceivingPractices(store, options.practices ?? {}, options.ackProducer ?? placeholderAcks, now);
  const failures = new InjectedFailures();
  const auth = createMeshAuthVerifier({
    sharedKey: options.sharedKey,
    passwords: store.passwords(),
    maxClockSkewMs: options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
    now,
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging(logger));
  app.use(MESH_BASE_PATH, injectFailures(failures));
  const patients = new Map((options.registeredPatients ?? []).map((patient) => [patient.nhsNumber, patient]));
  app.use(
    MESH_BASE_PATH,
    meshApiRouter({ store, auth, patients, maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES }),
  );
  app.use(CONTROLS_BASE_PATH, controlsRouter(store, practices, failures));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ detail: [{ event: 'ROUTE', code: 'NOT_FOUND', msg: 'no such endpoint' }] });
  });
  app.use(errorHandler(logger));

  const host = options.host ?? '127.0.0.1';
  const server =
    options.tls === undefined
      ? http.createServer(app)
      : https.createServer(
          {
            cert: options.tls.cert,
            key: options.tls.key,
            ca: options.tls.clientCa,
            requestCert: true,
            rejectUnauthorized: true,
          },
          app,
        );
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${urlHost(host)}:${port}`,
    port,
    received: (mailbox) => receivedMessages(store, mailbox),
    setPractice: (mailbox, setting) => {
      practices.set(mailbox, setting);
    },
    failNextRequests: (count, status) => {
      failures.failNext(count, status);
    },
    close: () => closeServer(server),
  };
}

function injectFailures(failures: InjectedFailures): express.RequestHandler {
  return (req, res, next) => {
    const status = failures.take();
    if (status === undefined) {
      next();
      return;
    }
    // Drain the body so the client sees the answer rather than a reset connection.
    req.resume();
    res.status(status).type(MESH_V2_MEDIA_TYPE).setHeader('retry-after', '1');
    res.send(JSON.stringify({ detail: [{ event: 'SANDBOX', code: String(status), msg: 'injected failure' }] }));
  };
}

/** Method, route and status only: MESH paths and headers can carry local ids and, with GPPROVIDER routing, patient details. */
function requestLogging(logger: Logger): express.RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      const route: unknown = (req.route as { path?: unknown } | undefined)?.path;
      const entry = {
        method: req.method,
        route: typeof route === 'string' ? req.baseUrl + route : undefined,
        status: res.statusCode,
      };
      if (res.statusCode >= 500) {
        logger.warn(entry, 'mesh sandbox request failed');
      } else {
        logger.debug(entry, 'mesh sandbox request');
      }
    });
    next();
  };
}

/** Express recognises an error handler by its four parameters, so `next` is declared though rarely called. */
function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = typeof err === 'object' && err !== null && 'status' in err ? err.status : undefined;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ problems: [{ path: '(body)', message: 'the request body could not be read' }] });
      return;
    }
    logger.error({ err }, 'mesh sandbox error');
    res.status(500).json({ detail: [{ event: 'SANDBOX', code: '500', msg: 'internal error' }] });
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
