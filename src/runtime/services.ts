/**
 * Builds the long-lived parts every process role shares (Redis connections, message store, endpoint registry,
 * queues, conformance checker, metrics) from the configuration, and closes them in the right order.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema';
import { createConformanceChecker } from '../conformance';
import type { ConformanceCheck } from '../delivery/attempt';
import type { DeliveryDeps } from '../delivery/deliver-message';
import type { EndpointRegistry } from '../delivery/endpoints';
import { createEndpointRegistry } from '../delivery/endpoints';
import type { ApiKeyStore } from '../store/api-keys';
import type { AuditLedger } from '../store/ledger';
import type { PatientKeyer } from '../store/patient-key';
import type { MessageStore } from '../store/message-store';
import { createStore } from '../store/create-store';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { createMetrics } from '../observability/metrics';
import { DeliveryQueues } from '../queue/producer';
import type { RedisConnection } from '../store/connection';
import { closeRedis, createRedis } from '../store/connection';

export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Fails fast when Redis is down: used by the API and the store. */
  readonly redis: RedisConnection;
  /** Waits and reconnects: used by BullMQ workers. */
  readonly workerRedis: RedisConnection;
  readonly store: MessageStore;
  /** The hash-chained audit ledger, its indexes and the NHS number keyed hash that searches it. */
  readonly ledger: AuditLedger;
  readonly patientKey: PatientKeyer;
  /** Hashed API keys of configured clients, checked on every request. */
  readonly apiKeys: ApiKeyStore;
  readonly queues: DeliveryQueues;
  readonly endpoints: EndpointRegistry;
  readonly conformance: ConformanceCheck;
  readonly now: () => Date;
  readonly newId: () => string;
  deliveryDeps(): DeliveryDeps;
  close(): Promise<void>;
}

export interface ServiceOptions {
  readonly sandboxBaseUrl?: string;
  readonly metrics?: Metrics;
}

export function createServices(config: Config, logger: Logger, options: ServiceOptions = {}): Services {
  const redis = createRedis(config.redis.url, 'command');
  const workerRedis = createRedis(config.redis.url, 'worker');
  const {
    messages: store,
    ledger,
    leases,
    patientKey,
    lifecycle,
    apiKeys,
  } = createStore(redis, config.redis.prefix, { patientKeySecret: config.audit.patientKeySecret });
  const queues = new DeliveryQueues(redis, config.redis.prefix);
  const endpoints = createEndpointRegistry(config.endpoints, {
    ...(options.sandboxBaseUrl !== undefined ? { sandboxBaseUrl: options.sandboxBaseUrl } : {}),
  });
  const conformance = createConformanceChecker();
  const now = (): Date => new Date();
  const services: Services = {
    config,
    logger,
    metrics: options.metrics ?? createMetrics(),
    redis,
    workerRedis,
    store,
    ledger,
    patientKey,
    apiKeys,
    queues,
    endpoints,
    conformance,
    now,
    newId: randomUUID,
    deliveryDeps: () => ({
      messages: store,
      lifecycle,
      endpoints,
      conformance,
      logger,
      now,
      random: Math.random,
      leases,
    }),
    async close() {
      await queues.close();
      await Promise.all([closeRedis(redis), closeRedis(workerRedis)]);
    },
  };
  return services;
}
