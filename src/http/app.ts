/**
 * Builds the Express application from its dependencies (no listening, no globals), so the server, the tests and
 * the benchmark all run exactly the same app against real Redis and a real EHR.
 */
import { randomUUID } from 'node:crypto';
import type { Express, Request } from 'express';
import express from 'express';
import type { IntakeDeps } from '../app/intake';
import type { Metrics } from '../observability/metrics';
import type { RedisConnection } from '../store/connection';
import { checkRedisReadiness } from '../store/readiness';
import type { Authenticator } from './auth';
import { createAuthenticator, requireRole } from './auth';
import { errorHandler, httpError } from './errors';
import { openApiDocument } from './openapi';
import { ingestRouter } from './routes/ingest';
import { messagesRouter } from './routes/messages';
import { adminMessagesRouter } from './routes/admin-messages';
import { auditRouter } from './routes/audit';
import { dashboardRouter } from './dashboard/router';
import type { AuditLedger } from '../store/ledger';
import type { PatientKeyer } from '../store/patient-key';

export interface AppDeps extends IntakeDeps {
  readonly metrics: Metrics;
  readonly redis: RedisConnection;
  readonly http: {
    readonly bodyLimitBytes: number;
    readonly apiKeys: Readonly<Record<string, string>>;
    /** Admin keys for /v1/admin (failed-message listing and replay); ingest keys get 403 there. */
    readonly adminKeys?: Readonly<Record<string, string>>;
    readonly publicUrl?: string;
  };
  readonly version: string;
  readonly ledger: AuditLedger;
  readonly patientKey: PatientKeyer;
  /** Auditors' keys for the audit API and dashboard (config audit.apiKeys). */
  readonly auditorKeys: Readonly<Record<string, string>>;
  /** Resolves credentials to clients; by default, from the per-role keys above alone. */
  readonly authenticator?: Authenticator;
  /** Serve /metrics without a key (only when the API listens on loopback). */
  readonly metricsOpen?: boolean;
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

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
    const base = deps.http.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    return `${base.replace(/\/+$/, '')}/v1/messages/${id}`;
  };

  // Each area takes keys of its own role, so each is mounted with its own guard before the ingest routes.
  app.use(['/v1/audit', '/audit'], requireRole(auth, 'auditor', { realm: 'sp-fhir-adapter audit', allowBasic: true }));
  app.use(auditRouter(deps));
  app.use(dashboardRouter(deps));
  app.use('/v1/admin', requireRole(auth, 'admin', { realm: 'sp-fhir-adapter admin' }));
  app.use(adminMessagesRouter(deps));
  app.use('/v1/admin', (req, _res, next) => {
    next(httpError('route-not-found', { text: `No route for ${req.method} ${req.originalUrl.split('?')[0] ?? ''}` }));
  });
  app.use('/v1', requireRole(auth, 'ingest', { realm: 'sp-fhir-adapter' }));
  app.use(ingestRouter({ ...deps, bodyLimitBytes: deps.http.bodyLimitBytes, statusUrl }));
  app.use(messagesRouter(deps.store));

  app.use((req, _res, next) => {
    next(httpError('route-not-found', { text: `No route for ${req.method} ${req.path}` }));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
