/**
 * Redis key names for message records and their indexes, all under one configurable prefix so tests (and
 * several deployments sharing one Redis) never see each other's data.
 */
import type { MessageStatus } from './record';

export interface MessageKeys {
  readonly prefix: string;
  message(id: string): string;
  idempotency(keyHash: string): string;
  readonly outbox: string;
  byStatus(status: MessageStatus): string;
  readonly statusIndexPrefix: string;
  readonly ledger: string;
  readonly ledgerHead: string;
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
  };
}
