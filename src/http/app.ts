/**
 * Builds the Express application from its dependencies (no listening, no globals), so the server, the tests and
 * the benchmark all run exactly the same app against real Redis and a real EHR. Every answer carries the security
 * headers (the admin queue board its own, looser policy, on its path alone); audit, admin and status answers are
 * never cached; each guarded area has its abuse limits.
 */
import { randomUUID } from 'node:crypto';
import type { BaseAdapter } from '@bull-board/api/baseAdapter';
import type { ErrorRequestHandler, Express, Request, RequestHandler } from 'express';
import express from 'express';
import helmet from 'helmet';
import type { IntakeDeps } from '../app/intake';
import type { Metrics } from '../observability/metrics';
import type { RedisConnection } from '../store/connection';
import { checkRedisReadiness } from '../store/readiness';
import type { Authenticator, ClientRole, RoleOptions } from './auth';
import { createAuthenticator, requestPrincipal, requireRole } from './auth';
import type { RateLimitGroup, RateLimits } from '../store/rate-limits';
import { countFailedAuth, limitPerClient, refuseBlockedAddress } from './rate-limit';
import { errorHandler, httpError } from './errors';
import { openApiDocument } from './openapi';
import { ingestRouter } from './routes/ingest';
import { messagesRouter } from './routes/messages';
import { adminMessagesRouter } from './routes/admin-messages';
import { adminDocumentsRouter } from './routes/admin-documents';
import { auditRouter } from './routes/audit';
import { dashboardRouter } from './dashboard/router';
import { QUEUE_BOARD_PATH, queueBoardRouter, queueBoardSecurityHeaders } from './queue-board';
import type { AuditLedger } from '../store/ledger';
import type { PatientKeyer } from '../store/patient-key';
import type { EpisodeDocumentStore } from '../store/episode-documents';

export interface AppDeps extends IntakeDeps {
  readonly metrics: Metrics;
  readonly redis: RedisConnection;
  readonly http: {
    readonly bodyLimitBytes: number;
    readonly apiKeys: Readonly<Record<string, string>>;
    /** Admin keys for /v1/admin (failed-message listing and replay); ingest keys get 403 there. */
    readonly adminKeys?: Readonly<Record<string, string>>;
    readonly publicUrl?: string;
    /** Express's `trust proxy` (config http.trustProxy): which proxies' X-Forwarded-* headers to believe. */
    readonly trustProxy?: boolean | number | string;
  };
  /** Abuse limits (config http.rateLimits); absent or disabled, nothing is limited. */
  readonly rateLimits?: RateLimits;
  readonly version: string;
  readonly ledger: AuditLedger;
  readonly patientKey: PatientKeyer;
  /** Episode documents of the Send Document route: their status, acknowledgements and replay. */
  readonly documents: EpisodeDocumentStore;
  /** Auditors' keys for the audit API and dashboard (config audit.apiKeys). */
  readonly auditorKeys: Readonly<Record<string, string>>;
  /** Resolves credentials to clients; by default, from the per-role keys above alone. */
  readonly authenticator?: Authenticator;
  /** Serve /metrics without a key (only when the API listens on loopback). */
  readonly metricsOpen?: boolean;
  /** The queues Bull Board shows at /admin/queues; absent, no board is served. */
  readonly boardQueues?: readonly BaseAdapter[];
}

/** Bull Board shows every endpoint's queues, so only an admin of every practice may open it. */
const requireEveryPractice: RequestHandler = (_req, res, next) => {
  if (requestPrincipal(res).practices === '*') {
    next();
    return;
  }
  next(
    httpError('client-not-permitted', {
      text: 'The queue board shows every practice\'s queues; it needs an admin client of every practice (practices: ["*"])',
    }),
  );
};

/**
 * One policy for every answer. The dashboard loads only its own stylesheet and images and posts forms only to
 * itself; the JSON API needs nothing, and no page of either may be framed. The NHS stylesheet's web fonts from
 * assets.nhs.uk are left blocked, so an auditor's visit is never announced to a third party.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  // The same as frame-ancestors 'none', for browsers that predate CSP level 2.
  xFrameOptions: { action: 'deny' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
});

/** Audit data, admin listings and message status are about patients: no browser or proxy may keep a copy. */
const noStore: RequestHandler = (req, res, next) => {
  if (!req.path.startsWith('/assets/')) {
    res.setHeader('Cache-Control', 'no-store');
  }
  next();
};

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.http.trustProxy ?? false);
  app.use(securityHeaders);

  app.use((req, res, next) => {
    const requestId = req.get('x-request-id') ?? randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      deps.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      deps.logger.debug(
        { requestId, method: req.method, route, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'request',
      );
    });
    next();
  });

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    const redis = await checkRedisReadiness(deps.redis);
    if (redis.ready) {
      res.json({ status: 'ok', redis: 'ok' });
    } else {
      res.status(503).json({ status: 'unavailable', redis: redis.problem, reason: redis.reason });
    }
  });
  const auth =
    deps.authenticator ??
    createAuthenticator({
      keyRing: { ingest: deps.http.apiKeys, admin: deps.http.adminKeys ?? {}, auditor: deps.auditorKeys },
      clients: [],
    });
  if (deps.metricsOpen !== true) {
    app.use('/metrics', requireRole(auth, 'metrics', { realm: 'sp-fhir-adapter metrics', alsoRoles: ['admin'] }));
  }
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  const openApi = openApiDocument(deps.version);
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  const statusUrl = (req: Request, id: string): string => {
    // req.protocol and req.host follow X-Forwarded-Proto/-Host only from proxies `trust proxy` names.
    const base = deps.http.publicUrl ?? `${req.protocol}://${req.host || 'localhost'}`;
    return `${base.replace(/\/+$/, '')}/v1/messages/${id}`;
  };

  const limits = deps.rateLimits;
  /** The guard of one area: a blocked address is refused first, a failed key counted, then the client's limit. */
  const guard = (
    role: ClientRole,
    group: RateLimitGroup,
    options: RoleOptions,
  ): (RequestHandler | ErrorRequestHandler)[] =>
    limits === undefined
      ? [requireRole(auth, role, options)]
      : [
          refuseBlockedAddress(limits.failedAuth, deps.logger),
          requireRole(auth, role, options),
          countFailedAuth(limits.failedAuth, deps.logger),
          limitPerClient(limits[group], group, deps.logger),
        ];
  app.use(['/v1/audit', '/audit', '/v1/admin', '/v1/messages', QUEUE_BOARD_PATH], noStore);
  // Each area takes keys of its own role, so each is mounted with its own guard before the ingest routes.
  app.use(['/v1/audit', '/audit'], ...guard('auditor', 'audit', { realm: 'sp-fhir-adapter audit', allowBasic: true }));
  app.use(auditRouter(deps));
  app.use(dashboardRouter(deps));
  app.use('/v1/admin', ...guard('admin', 'admin', { realm: 'sp-fhir-adapter admin' }));
  app.use(adminMessagesRouter(deps));
  app.use(adminDocumentsRouter(deps));
  if (deps.boardQueues !== undefined) {
    // A browser page, so HTTP Basic is accepted as on the audit dashboard (the key is the password).
    app.use(
      QUEUE_BOARD_PATH,
      queueBoardSecurityHeaders,
      ...guard('admin', 'admin', { realm: 'sp-fhir-adapter admin', allowBasic: true }),
      requireEveryPractice,
      queueBoardRouter(deps.boardQueues),
    );
  }
  app.use('/v1/admin', (req, _res, next) => {
    next(httpError('route-not-found', { text: `No route for ${req.method} ${req.originalUrl.split('?')[0] ?? ''}` }));
  });
  app.use('/v1', ...guard('ingest', 'ingest', { realm: 'sp-fhir-adapter' }));
  app.use(ingestRouter({ ...deps, bodyLimitBytes: deps.http.bodyLimitBytes, statusUrl }));
  app.use(messagesRouter(deps.store, deps.documents));

  app.use((req, _res, next) => {
    next(httpError('route-not-found', { text: `No route for ${req.method} ${req.path}` }));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
