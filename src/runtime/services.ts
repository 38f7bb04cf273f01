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
  readonly conformance: ConformanceCheck;
  readonly auditSite: AuditEventSite;
  readonly now: () => Date;
  readonly newId: () => string;
  deliveryDeps(): DeliveryDeps;
  /** The parts of the root built so far, in order (for tests and diagnostics). */
  built(): readonly string[];
  close(): Promise<void>;
}

/**
 * Everything the API and the workers use, built by the root (the conformance checker included: intake checks
 * messages against the profiles at the door, the workers before sending). Only the workers' own connection waits
 * for first use.
 */
export function servicesOf(root: Root): Services {
  const { messages, ledger, patientKey, apiKeys, documents } = root.store();
  const services: Omit<Services, 'workerRedis'> = {
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
    conformance: root.conformance(),
    auditSite: root.auditSite(),
    now: root.now,
    newId: randomUUID,
    deliveryDeps: () => root.deliveryDeps(),
    built: () => root.built(),
    close: () => root.close(),
  };
  // A getter, so the connection opens on first use; not enumerable, so spreading the services (as the HTTP app's
  // dependencies do) does not open it either.
  return Object.defineProperty(services, 'workerRedis', {
    get: () => root.workerRedis(),
    enumerable: false,
  }) as Services;
}
