/**
 * Redis key names for message records and their indexes, all under one configurable prefix so tests (and
 * several deployments sharing one Redis) never see each other's data.
 */
import type { MessageStatus } from '../messages/record';

export interface MessageKeys {
  readonly prefix: string;
  message(id: string): string;
  idempotency(keyHash: string): string;
  readonly outbox: string;
  byStatus(status: MessageStatus): string;
  readonly statusIndexPrefix: string;
  readonly ledger: string;
  readonly ledgerHead: string;
  /** Latest accepted version (and status) of one source record, used to judge the next version's status change. */
  latestOfRecord(system: string, kind: string, recordId: string): string;
  /** What the delivered versions of one source record wrote and have not retracted (hash: part key → part). */
  recordParts(system: string, kind: string, recordId: string): string;
  /** For each part of a source system's records, the records that write it (hash: part key → record ids). */
  partWriters(system: string): string;
  /** The generated secret of the NHS number keyed hash, when none is configured (patient-key.ts). */
  readonly patientKeySecret: string;
}

export function messageKeys(prefix: string): MessageKeys {
  return {
    prefix,
    message: (id) => `${prefix}:msg:${id}`,
    idempotency: (keyHash) => `${prefix}:idem:${keyHash}`,
    outbox: `${prefix}:outbox`,
    byStatus: (status) => `${prefix}:status:${status}`,
    statusIndexPrefix: `${prefix}:status:`,
    ledger: `${prefix}:ledger`,
    ledgerHead: `${prefix}:ledger:head`,
    // The system is a URI; encoding it keeps ':' and spaces out of the key's own separators.
    latestOfRecord: (system, kind, recordId) => `${prefix}:latest:${kind}:${encodeURIComponent(system)}:${recordId}`,
    recordParts: (system, kind, recordId) => `${prefix}:parts:${kind}:${encodeURIComponent(system)}:${recordId}`,
    partWriters: (system) => `${prefix}:part-writers:${encodeURIComponent(system)}`,
    patientKeySecret: `${prefix}:audit:patient-key-secret`,
  };
}
