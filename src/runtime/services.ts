/**
 * The long-lived parts the API and delivery roles share, taken from the composition root as one object: the
 * shape the HTTP app's dependencies and the tests (through `RunningAdapter.services`) read.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEventSite } from '../audit/audit-events';
import type { LoadedConfig } from '../config/load';
import type { ConformanceCheck } from '../delivery/attempt';
import type { DeliveryDeps } from '../delivery/deliver-message';
import type { EndpointRegistry } from '../delivery/endpoints';
import type { IntakeCheck } from '../delivery/intake-check';
import type { ApiKeyStore } from '../store/api-keys';
import type { AuditLedger } from '../store/ledger';
import type { PatientKeyer } from '../store/patient-key';
import type { MessageStore } from '../store/message-store';
import type { EpisodeDocumentStore } from '../store/episode-documents';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { DeliveryQueues } from '../queue/producer';
import type { RedisConnection } from '../store/connection';
import type { Root } from './root';

export interface Services {
  readonly config: LoadedConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Fails fast when Redis is down: used by the API and the store. */
  readonly redis: RedisConnection;
  /** Waits and reconnects: used by BullMQ workers; opened on first use, so the API alone never opens it. */
  readonly workerRedis: RedisConnection;
  readonly store: MessageStore;
  /** Episode documents of the mesh-send-document route. */
  readonly documents: EpisodeDocumentStore;
  /** The hash-chained audit ledger, its indexes and the NHS number keyed hash that searches it. */
  readonly ledger: AuditLedger;
  readonly patientKey: PatientKeyer;
  /** Hashed API keys of the configured clients (created with `sp-fhir-adapter keys create`). */
  readonly apiKeys: ApiKeyStore;
  readonly queues: DeliveryQueues;
  readonly endpoints: EndpointRegistry;
  /** The profile check the workers run before sending; built on first use. */
  readonly conformance: ConformanceCheck;
  /**
   * The check intake runs on every message (in this thread or in a pool of threads); built on first use, so a
   * worker process never starts the pool.
   */
  readonly intakeCheck: IntakeCheck;
  readonly auditSite: AuditEventSite;
  readonly now: () => Date;
  readonly newId: () => string;
  deliveryDeps(): DeliveryDeps;
  /** The parts of the root built so far, in order (for tests and diagnostics). */
  built(): readonly string[];
  close(): Promise<void>;
}

/**
 * Everything the API and the workers use, built by the root. The workers' own connection, the conformance checker
 * and the intake check wait for first use (the API builds its intake check before it listens).
 */
export function servicesOf(root: Root): Services {
  const { messages, ledger, patientKey, apiKeys, documents } = root.store();
  const services: Omit<Services, 'workerRedis' | 'conformance' | 'intakeCheck'> = {
    config: root.config,
    logger: root.logger,
    metrics: root.metrics(),
    redis: root.redis(),
    store: messages,
    documents,
    ledger,
    patientKey,
    apiKeys,
    queues: root.queues(),
    endpoints: root.endpoints(),
    auditSite: root.auditSite(),
    now: root.now,
    newId: randomUUID,
    deliveryDeps: () => root.deliveryDeps(),
    built: () => root.built(),
    close: () => root.close(),
  };
  // Getters, so the workers' connection opens, the checker (about 250 MB) is built and the intake check's threads
  // start on first use: an API whose check runs in threads never builds a checker of its own, a worker process
  // never starts the threads. Not enumerable, so spreading the services (as the HTTP app's dependencies do) does
  // not build them either.
  return Object.defineProperties(services, {
    workerRedis: { get: () => root.workerRedis(), enumerable: false },
    conformance: { get: () => root.conformance(), enumerable: false },
    intakeCheck: { get: () => root.intakeCheck(), enumerable: false },
  }) as Services;
}
