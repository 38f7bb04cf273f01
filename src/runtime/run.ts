/**
 * Runs the adapter's roles in this process: the embedded sandbox EHR, the HTTP API and the delivery workers, any
 * combination of them. Returns a handle whose stop() shuts everything down in order: stop taking requests, let
 * in-flight deliveries finish, then close queues and connections.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { LoadedConfig } from '../config/load';
import { buildApp } from '../http/app';
import { createAuthenticator } from '../http/auth';
import { assertSafeExposure, configuredKeyRing, isLoopbackHost } from './exposure';
import type { Logger } from '../observability/logger';
import type { OutboxSweeper, WorkerPool } from '../queue/workers';
import { startDeliveryWorkers, startOutboxSweeper } from '../queue/workers';
import type { AuditForwarding } from '../queue/audit-forward-worker';
import { startAuditForwarding } from '../queue/audit-forward-worker';
import type { RetentionSchedule } from '../audit/retention-schedule';
import { startRetentionPurge } from '../audit/retention-schedule';
import type { RunningSandbox } from '../sandbox';
import { startConfiguredSandbox, usesSandbox } from './sandbox';
import { waitForRedis } from '../store/connection';
import { createRedisRateLimits } from '../store/rate-limits';
import { ensureRedis } from './local-redis';
import { createRoot } from './root';
import type { Services } from './services';
import { servicesOf } from './services';
import { watchQueueMetrics } from '../queue/queue-metrics';
import { packageVersion } from '../lib/version';
import type { RunningMeshSandbox } from '../sandbox/mesh';
import type { DocumentRoute } from '../queue/document-route';
import { startConfiguredMeshSandbox, usesMeshSandbox } from './mesh-sandbox';
import type { MeshRoutes } from './mesh-route';
import { buildMeshRoutes, startMeshRoute } from './mesh-route';
import type { BoardQueues } from '../queue/board-queues';
import { openBoardQueues } from '../queue/board-queues';

export interface Roles {
  readonly api: boolean;
  readonly worker: boolean;
  readonly sandbox: boolean;
}

export interface RunningAdapter {
  readonly services: Services;
  readonly apiUrl?: string;
  readonly sandbox?: RunningSandbox;
  /** The embedded MESH sandbox, when an endpoint sends over MESH to "sandbox". */
  readonly meshSandbox?: RunningMeshSandbox;
  /** The Send Document route's rounds, when this process runs workers and an endpoint uses it. */
  readonly documentRoute?: DocumentRoute;
  stop(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

export async function runAdapter(config: LoadedConfig, roles: Roles, logger: Logger): Promise<RunningAdapter> {
  if (roles.api) {
    assertSafeExposure(config);
  }
  await ensureRedis(config.redis.url, logger);
  let sandbox: RunningSandbox | undefined;
  if (roles.sandbox && config.sandbox.enabled && usesSandbox(config)) {
    sandbox = await startConfiguredSandbox(config, logger.child({ role: 'sandbox' }));
    logger.info({ baseUrl: sandbox.baseUrl }, 'embedded sandbox EHR listening');
  }
  let meshSandbox: RunningMeshSandbox | undefined;
  if (roles.sandbox && config.sandbox.enabled && usesMeshSandbox(config)) {
    meshSandbox = await startConfiguredMeshSandbox(
      config,
      logger.child({ role: 'mesh-sandbox' }),
      config.sandbox.meshPort,
    );
    logger.info({ url: meshSandbox.url }, 'embedded MESH sandbox listening');
  }
  const services = servicesOf(
    createRoot(config, logger, sandbox !== undefined ? { sandboxBaseUrl: sandbox.baseUrl } : {}),
  );
  // The API's connection does not queue commands while disconnected (so an outage is a fast 503), so wait
  // until it is ready before taking requests.
  await waitForRedis(services.redis, 10_000);
  // Every process that serves /metrics reports each queue's depth and oldest waiting job, and the acknowledgements
  // outstanding, read from Redis at scrape time.
  watchQueueMetrics(services.metrics, { queues: services.queues, documents: services.documents, config });

  let server: Server | undefined;
  let apiUrl: string | undefined;
  let boardQueues: BoardQueues | undefined;
  if (roles.api) {
    boardQueues = openBoardQueues(services.redis, config);
    const keyRing = configuredKeyRing(config);
    const authenticator = createAuthenticator({
      keyRing,
      clients: config.clients,
      apiKeys: services.apiKeys,
      ...(config.http.oauth !== undefined ? { oauth: config.http.oauth } : {}),
    });
    // A pool's threads build their checkers before the API takes its first message (and a thread that cannot
    // start stops start-up here).
    await services.intakeCheck.ready();
    const app = buildApp({
      ...services,
      intakeCheck: services.intakeCheck,
      http: config.http,
      ...(config.http.rateLimits.enabled
        ? { rateLimits: createRedisRateLimits(services.redis, config.redis.prefix, config.http.rateLimits) }
        : {}),
      version: packageVersion(),
      auditorKeys: config.audit.apiKeys,
      authenticator,
      metricsOpen: isLoopbackHost(config.http.host),
      boardQueues: boardQueues.adapters,
    });
    server = createServer(app);
    const port = await listen(server, config.http.port, config.http.host);
    apiUrl = `http://${config.http.host}:${port}`;
    if (authenticator.open) {
      logger.warn('no credentials configured: the whole API is open to anyone who can reach it (local use only)');
    } else {
      for (const [role, keys] of Object.entries(keyRing)) {
        if (Object.keys(keys).length > 0) {
          logger.warn(
            { role },
            'keys of the per-role settings are unscoped (every practice, any source system): configure clients instead',
          );
        }
      }
    }
    logger.info({ url: apiUrl }, 'API listening');
  }

  let pool: WorkerPool | undefined;
  let sweeper: OutboxSweeper | undefined;
  let retention: RetentionSchedule | undefined;
  let auditForwarding: AuditForwarding | undefined;
  let meshRoutes: MeshRoutes | undefined;
  let documentRoute: DocumentRoute | undefined;
  if (roles.worker) {
    pool = startDeliveryWorkers({
      connection: services.workerRedis,
      redisPrefix: config.redis.prefix,
      endpoints: services.endpoints.all,
      deps: services.deliveryDeps(),
      logger,
      metrics: services.metrics,
      queues: services.queues,
      lockDurationMs: config.worker.lockDurationMs,
      stalledIntervalMs: config.worker.stalledIntervalMs,
    });
    sweeper = startOutboxSweeper({
      store: services.store,
      queues: services.queues,
      intervalMs: config.worker.outboxSweepMs,
      logger,
      now: services.now,
    });
    logger.info({ endpoints: services.endpoints.all.map((e) => e.config.id) }, 'delivery workers started');
    auditForwarding = startAuditForwarding({
      redis: services.redis,
      workerRedis: services.workerRedis,
      redisPrefix: config.redis.prefix,
      endpoints: services.endpoints,
      ledger: services.ledger,
      site: services.auditSite,
      sweepMs: config.audit.forwardSweepMs,
      logger,
      now: services.now,
    });
    meshRoutes = await buildMeshRoutes(config, meshSandbox?.url);
    if (meshRoutes.routes.length > 0) {
      documentRoute = startMeshRoute({
        config,
        services,
        routes: meshRoutes.routes,
        connection: services.workerRedis,
        logger,
        metrics: services.metrics,
      });
      logger.info({ endpoints: meshRoutes.routes.map((r) => r.endpointId) }, 'send document route started');
    }
    const { retentionDays, purgeFailed, purgeIntervalMs } = config.audit;
    if (retentionDays !== undefined) {
      retention = startRetentionPurge({
        ledger: services.ledger,
        policy: { retentionDays, purgeFailed },
        intervalMs: purgeIntervalMs,
        logger,
        now: services.now,
      });
    }
  }

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      if (server !== undefined) {
        const closing = new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
        server.closeIdleConnections();
        await closing;
      }
      sweeper?.stop();
      retention?.stop();
      // Waits for in-flight deliveries to finish; an unfinished job's lock lapses and another worker takes it.
      await pool?.close(config.worker.shutdownGraceMs);
      await auditForwarding?.close();
      await documentRoute?.close();
      meshRoutes?.close();
      await boardQueues?.close();
      await services.close();
      await sandbox?.close();
      await meshSandbox?.close();
    })();
    return stopping;
  };
  return {
    services,
    ...(apiUrl !== undefined ? { apiUrl } : {}),
    ...(sandbox !== undefined ? { sandbox } : {}),
    ...(meshSandbox !== undefined ? { meshSandbox } : {}),
    ...(documentRoute !== undefined ? { documentRoute } : {}),
    stop,
  };
}
