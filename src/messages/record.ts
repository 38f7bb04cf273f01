/**
 * The stored form of an accepted message and its delivery state, as the API reports it and the worker updates it.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { InboundMessage, MessageKind } from './schemas';

export const MESSAGE_STATUSES = ['queued', 'delivering', 'delivered', 'failed', 'superseded'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** A resource the EHR holds as a result of delivering a message. */
export interface WrittenResource {
  readonly resourceType: string;
  /** Literal reference in the EHR, e.g. `ServiceRequest/123`. */
  readonly reference: string;
  readonly versionId?: string;
  /** HTTP status the EHR gave the entry (201 created, 200 updated). */
  readonly status: string;
  /** Business identifier token (`system|value`); absent for resources that have none, such as the Provenance. */
  readonly identifier?: string;
  /** True when the resource was written as entered-in-error (retracted). */
  readonly enteredInError?: boolean;
}

/**
 * A resource a source record's delivered versions wrote and have not retracted, by business identifier: what a
 * later version that no longer writes it retracts. No patient data: a type and an identifier token.
 */
export interface RecordPart {
  readonly resourceType: string;
  /** Business identifier token (`system|value`). */
  readonly identifier: string;
  /** A history entry (a readiness assessment, the national coded entry): retracted only with the whole record. */
  readonly history?: boolean;
}

/** One string naming a part across records: its type and identifier token. */
export function partKey(part: Pick<RecordPart, 'resourceType' | 'identifier'>): string {
  return `${part.resourceType} ${part.identifier}`;
}

export interface MessageRecord {
  readonly id: string;
  readonly kind: MessageKind;
  readonly status: MessageStatus;
  readonly message: InboundMessage;
  readonly contentHash: string;
  readonly clientId: string;
  readonly endpointId: string;
  readonly practice: string;
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly attempts: number;
  /**
   * Of those attempts, the ones the EHR refused for load and said when to come back (a 429, or a 503 with
   * Retry-After or a rate-limit reset): they waited as told and do not lengthen the backoff of later failures.
   */
  readonly throttledAttempts?: number;
  readonly deliveredAt?: string;
  /** When a message waiting to be retried will next be tried. */
  readonly nextAttemptAt?: string;
  /** When the message was last replayed; its maximum age counts from here after a replay. */
  readonly replayedAt?: string;
  readonly resources: readonly WrittenResource[];
  /** The patient's literal reference in the EHR (`Patient/<id>`), recorded by the delivery attempt that resolved it. */
  readonly patientRef?: string;
  /** Why the last attempt did not deliver (kept after a permanent failure). */
  readonly lastError?: string;
  /** The OperationOutcome behind a permanent failure: the EHR's own, or the local validation result. */
  readonly outcome?: OperationOutcome;
  /**
   * When the retention purge removed the body (audit/retention.ts): `message` then holds only its kind, source
   * ids and practice, and the message can never be sent again.
   */
  readonly purgedAt?: string;
  /**
   * The message of the version of the same record this one followed when it was accepted: delivery retracts what
   * that version wrote and this one no longer does.
   */
  readonly previousMessageId?: string;
}
