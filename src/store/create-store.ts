/**
 * The one way the composition root builds the store: every repository over one Redis connection and key prefix,
 * so the key layout stays the store's own business.
 */
import type { Redis } from 'ioredis';
import { ApiKeyStore } from './api-keys';
import { EpisodeDocumentStore } from './episode-documents';
import { messageKeys } from './keys';
import { AuditLedger } from './ledger';
import type { MessageLifecycle } from './message-lifecycle';
import { createMessageLifecycle } from './message-lifecycle';
import { MessageStore } from './message-store';
import type { PatientKeyer } from './patient-key';
import { patientKeyer } from './patient-key';
import type { RecordLeases } from './record-lease';
import { createRecordLeases } from './record-lease';
import type { SharedResolutions } from './shared-resolutions';
import { createSharedResolutions } from './shared-resolutions';

export interface StoreOptions {
  /** The secret of the NHS number keyed hash; without one, a generated secret is kept in Redis. */
  readonly patientKeySecret?: string;
  /** How long a delivered or superseded message's record is kept after it settled (ms); undefined keeps it. */
  readonly settledTtlMs?: number;
}

export interface Store {
  /** Accepted messages, their state and their delivery transitions. */
  readonly messages: MessageStore;
  /** The audit ledger, its indexes and the audit side's reads. */
  readonly ledger: AuditLedger;
  /** Per-source-record delivery leases. */
  readonly leases: RecordLeases;
  /** The NHS number keyed hash the ledger indexes patients by. */
  readonly patientKey: PatientKeyer;
  /** A message's delivery attempts as named transitions. */
  readonly lifecycle: MessageLifecycle;
  /** Hashed API keys of configured clients. */
  readonly apiKeys: ApiKeyStore;
  /** EHR lookups (patient and referral ids) shared by the workers of a deployment. */
  readonly resolutions: SharedResolutions;
  /** Episode documents sent by GP Connect Send Document over MESH, and their acknowledgements. */
  readonly documents: EpisodeDocumentStore;
}

export function createStore(redis: Redis, prefix: string, options: StoreOptions = {}): Store {
  const keys = messageKeys(prefix);
  const patientKey = patientKeyer(redis, keys.patientKeySecret, options.patientKeySecret);
  const messages = new MessageStore(redis, keys, {
    patientKey,
    ...(options.settledTtlMs !== undefined ? { settledTtlMs: options.settledTtlMs } : {}),
  });
  return {
    messages,
    ledger: new AuditLedger(redis, keys),
    leases: createRecordLeases(redis, prefix),
    patientKey,
    lifecycle: createMessageLifecycle(messages),
    apiKeys: new ApiKeyStore(redis, prefix),
    resolutions: createSharedResolutions(redis, prefix, patientKey),
    documents: new EpisodeDocumentStore(redis, keys),
  };
}
