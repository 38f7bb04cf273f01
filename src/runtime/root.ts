/**
 * The one composition root: every part of the adapter is built here from the loaded configuration, each the first
 * time something asks for it, so a process builds only what its role or command uses (`audit verify` opens Redis
 * and the ledger, never the conformance checker or the queues). `close()` closes whatever was built, in order.
 */
import { hostname } from 'node:os';
import type { AuditEventSite } from '../audit/audit-events';
import { auditEventSite } from '../audit/audit-events';
import type { LoadedConfig } from '../config/load';
import type { Config } from '../config/schema';
import { createConformanceChecker } from '../conformance';
import type { ConformanceCheck } from '../delivery/attempt';
import type { DeliveryDeps } from '../delivery/deliver-message';
import type { MeshRoute } from '../delivery/send-document';
import type { EndpointRegistry } from '../delivery/endpoints';
import { createEndpointRegistry } from '../delivery/endpoints';
import type { IntakeCheck } from '../delivery/intake-check';
import { inProcessIntakeCheck, startIntakeCheckPool } from '../delivery/intake-check';
import { createEndpointPacing } from '../delivery/request-pacing';
import { endpointResolutionCaches } from '../delivery/resolution-cache';
import { endpointBatchers } from '../delivery/transaction-batch';
import { packageVersion } from '../lib/version';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { createMetrics } from '../observability/metrics';
import { DeliveryQueues } from '../queue/producer';
import type { RedisConnection } from '../store/connection';
import { closeRedis, createRedis } from '../store/connection';
import type { Store } from '../store/create-store';
import { createStore } from '../store/create-store';
import { createRequestBudget, requestBudgetKeyPrefix } from '../store/request-budget';
import { buildMeshRoutes } from './mesh-route';
import { usesSandbox } from './sandbox';

export interface RootOptions {
  /** Where the embedded sandbox listens, when this process started it (its port may have been chosen freely). */
  readonly sandboxBaseUrl?: string;
  readonly metrics?: Metrics;
  /**
   * Queue commands while Redis connects instead of failing them at once: right for a command run by hand, wrong
   * for the API, whose requests should be a fast 503 while Redis is down.
   */
  readonly queueCommandsWhileConnecting?: boolean;
}

export interface Root {
  readonly config: LoadedConfig;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Fails fast when Redis is down (unless queueCommandsWhileConnecting): used by the API and the store. */
  redis(): RedisConnection;
  /** Waits and reconnects: used by BullMQ workers. */
  workerRedis(): RedisConnection;
  /** The message store, ledger, leases, patient keyed hash and lifecycle over `redis()`. */
  store(): Store;
  queues(): DeliveryQueues;
  endpoints(): EndpointRegistry;
  /** The MESH mailbox of each endpoint with route mesh-send-document, for operator commands. */
  meshRoutes(): Promise<readonly MeshRoute[]>;
  /** Loads and compiles every profile: the most expensive part, built only for roles that deliver or accept. */
  conformance(): ConformanceCheck;
  /**
   * The check intake runs on every message: in this thread over `conformance()`, or in `http.intakeCheckThreads`
   * worker threads, each with its own checker.
   */
  intakeCheck(): IntakeCheck;
  metrics(): Metrics;
  /** This deployment as AuditEvents name it: version, address and the endpoints' base URLs. */
  auditSite(): AuditEventSite;
  deliveryDeps(): DeliveryDeps;
  /** The names of the parts built so far, in the order they were built (for tests and diagnostics). */
  built(): readonly string[];
  close(): Promise<void>;
}

/** Where the configured sandbox listens when this process did not start it (another process, or `sandbox`). */
export function configuredSandboxUrl(config: Config): string {
  return `http://${config.sandbox.host}:${String(config.sandbox.port)}/fhir`;
}

/** The sandbox base URL endpoints configured as "sandbox" are sent to, or undefined when none is. */
function sandboxUrlFor(config: Config, started: string | undefined): string | undefined {
  return started ?? (usesSandbox(config) ? configuredSandboxUrl(config) : undefined);
}

interface Lazy<T> {
  readonly get: () => T;
  readonly built: () => T | undefined;
}

/** Builds `make()`'s value on first use and keeps it; `log` receives the name when it is built. */
function lazily(log: string[]): <T>(name: string, make: () => T) => Lazy<T> {
  return <T>(name: string, make: () => T): Lazy<T> => {
    let value: T | undefined;
    let made = false;
    return {
      get: () => {
        if (!made) {
          value = make();
          made = true;
          log.push(name);
        }
        return value as T;
      },
      built: () => value,
    };
  };
}

export function createRoot(config: LoadedConfig, logger: Logger, options: RootOptions = {}): Root {
  const now = (): Date => new Date();
  const builtParts: string[] = [];
  const once = lazily(builtParts);
  const redis = once('redis', () =>
    createRedis(
      config.redis.url,
      'command',
      options.queueCommandsWhileConnecting === true ? { enableOfflineQueue: true } : {},
    ),
  );
  const workerRedis = once('workerRedis', () => createRedis(config.redis.url, 'worker'));
  const store = once('store', () =>
    createStore(redis.get(), config.redis.prefix, {
      ...(config.audit.patientKeySecret !== undefined ? { patientKeySecret: config.audit.patientKeySecret } : {}),
      ...(config.audit.settledMessageTtlDays > 0
        ? { settledTtlMs: config.audit.settledMessageTtlDays * 24 * 3600 * 1000 }
        : {}),
    }),
  );
  const queues = once('queues', () => new DeliveryQueues(redis.get(), config.redis.prefix));
  const metrics = once('metrics', () => options.metrics ?? createMetrics());
  const sandboxBaseUrl = sandboxUrlFor(config, options.sandboxBaseUrl);
  const endpoints = once('endpoints', () =>
    createEndpointRegistry(config.endpoints, {
      signingKeys: config.signingKeys,
      ...(sandboxBaseUrl !== undefined ? { sandboxBaseUrl } : {}),
      // Every process's requests to one endpoint share its budget in Redis; each adapts on the answers it sees.
      pacing: (endpoint) =>
        createEndpointPacing({
          endpointId: endpoint.id,
          maxRequestsPerSecond: endpoint.maxRequestsPerSecond,
          concurrency: endpoint.concurrency,
          budget: createRequestBudget(redis.get, requestBudgetKeyPrefix(config.redis.prefix, endpoint.id), {
            maxPerSecond: endpoint.maxRequestsPerSecond,
          }),
          metrics: metrics.get(),
        }),
    }),
  );
  const meshRoutes = once('meshRoutes', () => buildMeshRoutes(config, undefined));
  const conformance = once('conformance', () => createConformanceChecker());
  const intakeCheck = once('intakeCheck', () =>
    config.http.intakeCheckThreads > 0
      ? startIntakeCheckPool({ threads: config.http.intakeCheckThreads, logger })
      : inProcessIntakeCheck(conformance.get()),
  );
  const resolutions = once('resolutions', () =>
    endpointResolutionCaches(config.endpoints, store.get().resolutions, (err: unknown) => {
      logger.warn({ err }, 'the shared lookup cache could not be reached; looking up in the EHR');
    }),
  );
  const batchers = once('batchers', () => endpointBatchers(config.endpoints, metrics.get()));
  const auditSite = once('auditSite', () =>
    auditEventSite({
      version: packageVersion(),
      address: config.http.publicUrl ?? hostname(),
      endpoints: endpoints.get(),
    }),
  );
  return {
    config,
    logger,
    now,
    redis: redis.get,
    workerRedis: workerRedis.get,
    store: store.get,
    queues: queues.get,
    endpoints: endpoints.get,
    meshRoutes: async () => (await meshRoutes.get()).routes,
    conformance: conformance.get,
    intakeCheck: intakeCheck.get,
    metrics: metrics.get,
    auditSite: auditSite.get,
    deliveryDeps: () => {
      const { messages, lifecycle, leases } = store.get();
      return {
        messages,
        lifecycle,
        endpoints: endpoints.get(),
        conformance: conformance.get(),
        logger,
        now,
        random: Math.random,
        leases,
        resolutions: resolutions.get(),
        batchers: batchers.get(),
      };
    },
    built: () => [...builtParts],
    async close() {
      await intakeCheck.built()?.close();
      await queues.built()?.close();
      const connections = [redis.built(), workerRedis.built()].filter((c) => c !== undefined);
      await Promise.all(connections.map(closeRedis));
      await endpoints.built()?.close();
      (await meshRoutes.built())?.close();
    },
  };
}
