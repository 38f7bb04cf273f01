/**
 * The delivery lifecycle of a stored message as named transitions: claim an attempt, then record it as delivered,
 * to be retried later, failed or superseded. Each transition owns the states it may start from, the record fields
 * it changes, its typed ledger event and its audit hand-off, so callers say what happened, not how it is stored.
 * A claim is one script that also answers with the claimed record.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { summariseOutcome } from '../lib/outcome-summary';
import type { MessageRecord, MessageStatus, WrittenResource } from '../messages/record';
import type { LedgerEvent, LedgerEventOf } from './ledger-events';
import type { MessageStore, RecordPartsChange, Transition } from './message-store';

export interface AttemptFacts {
  readonly messageId: string;
  /** The attempt number the claim returned. */
  readonly attempt: number;
  /** `${messageId}.${attempt}` */
  readonly requestId: string;
  readonly endpointId: string;
  readonly practice: string;
  /** When the claim happened. */
  readonly startedAt: Date;
  /** When the attempt ended. */
  readonly at: Date;
}

export type ClaimResult =
  | { readonly ok: true; readonly record: MessageRecord; readonly attempt: number }
  | { readonly ok: false; readonly reason: 'missing' }
  | { readonly ok: false; readonly reason: 'conflict'; readonly status: MessageStatus };

export interface MessageLifecycle {
  /** queued|delivering → delivering, attempts + 1; returns the record as it now stands. */
  claim(messageId: string, now: Date): Promise<ClaimResult>;
  /** delivering → delivered (ledger `delivered`; audit hand-off when handOff). false when not in delivering. */
  delivered(
    facts: AttemptFacts,
    result: {
      readonly resources: readonly WrittenResource[];
      readonly patientRef: string;
      readonly httpStatus: number;
      readonly handOff: boolean;
      /** The record's parts after this delivery, kept for the versions that follow (see MessageStore.heldParts). */
      readonly parts?: RecordPartsChange;
    },
  ): Promise<boolean>;
  /**
   * delivering → delivered for an endpoint without a FHIR route: no FHIR request was made, and the message's
   * content reaches the practice in the episode document (ledger `delivered` with route mesh-send-document).
   */
  handedToDocumentRoute(facts: AttemptFacts): Promise<boolean>;
  /**
   * delivering → queued with nextAttemptAt = at + retryInMs (ledger `attempt-failed`); `resources`, when given,
   * are what a partly applied transaction wrote, kept on the record until an attempt completes the message.
   */
  retryLater(
    facts: AttemptFacts,
    result: {
      readonly reason: string;
      readonly httpStatus?: number;
      readonly retryInMs: number;
      readonly resources?: readonly WrittenResource[];
      /** The message's count of throttled attempts after this one (MessageRecord.throttledAttempts), when it changed. */
      readonly throttledAttempts?: number;
    },
  ): Promise<boolean>;
  /** delivering → failed with reason and OperationOutcome (ledger `failed`; hand-off when handOff). */
  failed(
    facts: AttemptFacts,
    result: {
      readonly reason: string;
      readonly outcome?: OperationOutcome;
      readonly httpStatus?: number;
      readonly patientRef?: string;
      readonly handOff: boolean;
    },
  ): Promise<boolean>;
  /** delivering → superseded (ledger `superseded` with ehrVersion). */
  superseded(facts: AttemptFacts, result: { readonly reason: string; readonly ehrVersion: number }): Promise<boolean>;
}

/** A claim may take over a message left in delivering by an attempt that crashed or lost its lease. */
const CLAIMABLE: readonly MessageStatus[] = ['queued', 'delivering'];
/** Only the attempt that holds the claim records a result; anything else means the message moved on. */
const CLAIMED: readonly MessageStatus[] = ['delivering'];

type AttemptEventFields = Pick<
  LedgerEventOf<'delivered'>,
  'messageId' | 'endpoint' | 'practice' | 'attempt' | 'requestId' | 'latencyMs' | 'at'
>;

/** What every attempt's ledger event starts with (ledger-events.ts fixes the stored order). */
function attemptOf(facts: AttemptFacts): AttemptEventFields {
  return {
    messageId: facts.messageId,
    endpoint: facts.endpointId,
    practice: facts.practice,
    attempt: facts.attempt,
    requestId: facts.requestId,
    latencyMs: facts.at.getTime() - facts.startedAt.getTime(),
    at: facts.at.toISOString(),
  };
}

/** `Type/id[/_history/vid]` for each written resource, space separated. */
function resourceList(resources: readonly WrittenResource[]): string {
  return resources.map((r) => `${r.reference}${r.versionId !== undefined ? `/_history/${r.versionId}` : ''}`).join(' ');
}

export function createMessageLifecycle(store: MessageStore): MessageLifecycle {
  async function recordResult(
    facts: AttemptFacts,
    change: Omit<Transition, 'from' | 'now' | 'event'> & { readonly event: LedgerEvent },
  ): Promise<boolean> {
    const moved = await store.transition(facts.messageId, { ...change, from: CLAIMED, now: facts.at });
    return moved.ok;
  }

  return {
    async claim(messageId, now) {
      const claimed = await store.claim(messageId, CLAIMABLE, now);
      if (!claimed.ok) {
        return claimed.reason === 'missing'
          ? { ok: false, reason: 'missing' }
          : { ok: false, reason: 'conflict', status: claimed.currentStatus };
      }
      return { ok: true, record: claimed.record, attempt: claimed.attempts };
    },

    async delivered(facts, result) {
      const retracted = result.resources.filter((resource) => resource.enteredInError === true);
      return recordResult(facts, {
        status: 'delivered',
        // The entry joins the AuditEvent forwarding hand-off set in the same atomic step, so no crash loses a forward.
        handOff: result.handOff,
        ...(result.parts !== undefined ? { parts: result.parts } : {}),
        changes: {
          deliveredAt: facts.at.toISOString(),
          resources: result.resources,
          patientRef: result.patientRef,
          lastError: null,
          outcome: null,
          nextAttemptAt: null,
        },
        event: {
          type: 'delivered',
          ...attemptOf(facts),
          httpStatus: result.httpStatus,
          patient: result.patientRef,
          resources: resourceList(result.resources),
          ...(retracted.length > 0 ? { retracted: resourceList(retracted) } : {}),
        },
      });
    },

    async handedToDocumentRoute(facts) {
      return recordResult(facts, {
        status: 'delivered',
        handOff: false,
        changes: {
          deliveredAt: facts.at.toISOString(),
          resources: [],
          lastError: null,
          outcome: null,
          nextAttemptAt: null,
        },
        event: { type: 'delivered', ...attemptOf(facts), resources: '', route: 'mesh-send-document' },
      });
    },

    async retryLater(facts, result) {
      return recordResult(facts, {
        status: 'queued',
        changes: {
          lastError: result.reason,
          nextAttemptAt: new Date(facts.at.getTime() + result.retryInMs).toISOString(),
          ...(result.resources !== undefined ? { resources: result.resources } : {}),
          ...(result.throttledAttempts !== undefined ? { throttledAttempts: result.throttledAttempts } : {}),
        },
        event: {
          type: 'attempt-failed',
          ...attemptOf(facts),
          ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
          reason: result.reason,
          retryInMs: result.retryInMs,
        },
      });
    },

    async failed(facts, result) {
      const patient = result.patientRef;
      return recordResult(facts, {
        status: 'failed',
        handOff: result.handOff,
        changes: {
          lastError: result.reason,
          outcome: result.outcome ?? null,
          nextAttemptAt: null,
          ...(patient !== undefined ? { patientRef: patient } : {}),
        },
        event: {
          type: 'failed',
          ...attemptOf(facts),
          ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
          ...(patient !== undefined ? { patient } : {}),
          reason: result.reason,
          outcome: summariseOutcome(result.outcome),
        },
      });
    },

    async superseded(facts, result) {
      return recordResult(facts, {
        status: 'superseded',
        changes: { lastError: result.reason, nextAttemptAt: null },
        event: {
          type: 'superseded',
          ...attemptOf(facts),
          reason: result.reason,
          ehrVersion: result.ehrVersion,
        },
      });
    },
  };
}
