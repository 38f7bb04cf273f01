/**
 * Delivers one stored message and records the result: takes the source record's lease, claims an attempt, runs
 * it, and records what it found as one named lifecycle transition (delivered, retry later, failed or superseded).
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { EndpointConfig } from '../config/schema';
import type { MessageRecord } from '../messages/record';
import type { InboundMessage } from '../messages/schemas';
import type { Logger } from '../observability/logger';
import type { AttemptFacts, MessageLifecycle } from '../store/message-lifecycle';
import type { MessageStore } from '../store/message-store';
import type { RecordLeases } from '../store/record-lease';
import type { ConformanceCheck } from './attempt';
import { attemptDelivery } from './attempt';
import { failedReferralLookup } from './failed-referral';
import type { FhirRequests } from './fhir-client';
import type { AttemptResult } from './outcome';
import { outcomeOf } from './outcome';
import type { EndpointPacing } from './request-pacing';
import type { ResolutionCache } from './resolution-cache';
import type { TransactionBatcher } from './transaction-batch';
import { isThrottling } from './back-pressure';
import { retryDelayMs, wouldExceedMaxAge } from './retry-policy';

/**
 * What a delivery needs of an endpoint: its retry and audit settings, a client for its FHIR server (none when
 * its only route is mesh-send-document) and, when its requests are paced, what its answers have said about the
 * server's rate-limit window.
 */
export interface DeliveryEndpoint {
  readonly config: Pick<EndpointConfig, 'retry' | 'auditEvents'> & Partial<Pick<EndpointConfig, 'episodeParts'>>;
  readonly client?: FhirRequests;
  readonly pacing?: Pick<EndpointPacing, 'serverWindowMs'>;
}

export interface DeliveryEndpoints {
  get(id: string): DeliveryEndpoint | undefined;
}

export interface DeliveryDeps {
  /** Reads the message before anything else: its lease is keyed on its source record. */
  readonly messages: Pick<MessageStore, 'get' | 'latestOfRecord'> & Partial<Pick<MessageStore, 'heldParts'>>;
  readonly lifecycle: MessageLifecycle;
  readonly endpoints: DeliveryEndpoints;
  readonly conformance: ConformanceCheck;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly random: () => number;
  readonly leases: RecordLeases;
  /** The lookup cache of an endpoint, when it keeps one (see resolution-cache.ts). */
  readonly resolutions?: (endpointId: string) => ResolutionCache | undefined;
  /** The transaction batcher of an endpoint, when it batches (see transaction-batch.ts). */
  readonly batchers?: (endpointId: string) => TransactionBatcher | undefined;
}

/** How long to wait before trying again when another delivery of the same record holds its lease. */
export const LEASE_BUSY_RETRY_MS = 1000;

/** A lease outlives the longest possible attempt: every request is bounded by the endpoint's timeout. */
function leaseTtlMs(requestTimeoutMs: number): number {
  return requestTimeoutMs * 5 + 10_000;
}

export type DeliveryDecision =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'settled'; readonly reason: string }
  | { readonly kind: 'superseded'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string; readonly delayMs: number };

const NOT_FOUND: DeliveryDecision = { kind: 'settled', reason: 'message not found' };

export async function deliverMessage(messageId: string, deps: DeliveryDeps): Promise<DeliveryDecision> {
  const stored = await deps.messages.get(messageId);
  if (stored === undefined) {
    return NOT_FOUND;
  }
  const source = stored.message.body.source;
  const timeoutMs = deps.endpoints.get(stored.endpointId)?.config.retry.requestTimeoutMs ?? 30_000;
  const lease = await deps.leases.acquire(
    { kind: stored.kind, system: source.system, recordId: source.recordId },
    leaseTtlMs(timeoutMs),
  );
  if (lease === undefined) {
    return {
      kind: 'retry',
      reason: 'another delivery of the same source record is in progress',
      delayMs: LEASE_BUSY_RETRY_MS,
    };
  }
  try {
    return await deliverUnderLease(messageId, deps);
  } finally {
    await lease.release();
  }
}

async function deliverUnderLease(messageId: string, deps: DeliveryDeps): Promise<DeliveryDecision> {
  const startedAt = deps.now();
  const claim = await deps.lifecycle.claim(messageId, startedAt);
  if (!claim.ok) {
    return claim.reason === 'missing' ? NOT_FOUND : { kind: 'settled', reason: `message is ${claim.status}` };
  }
  const { record, attempt } = claim;
  // One id per attempt, sent to the EHR on each of its requests and kept in the ledger, to match both sides' logs.
  const requestId = `${messageId}.${attempt}`;
  const endpoint = deps.endpoints.get(record.endpointId);
  if (endpoint !== undefined && endpoint.client === undefined) {
    // No FHIR server to write to: the Send Document route reads the stored message into the episode document.
    const facts = attemptFacts(messageId, attempt, requestId, record, startedAt, deps.now());
    const recorded = await deps.lifecycle.handedToDocumentRoute(facts);
    return recordedOrSettled(recorded, facts, { kind: 'delivered' });
  }
  const result = await runAttempt(record, endpoint, requestId, deps);
  const facts = attemptFacts(messageId, attempt, requestId, record, startedAt, deps.now());
  return recordResult(result, { facts, record, endpoint }, deps);
}

function attemptFacts(
  messageId: string,
  attempt: number,
  requestId: string,
  record: MessageRecord,
  startedAt: Date,
  at: Date,
): AttemptFacts {
  return { messageId, attempt, requestId, endpointId: record.endpointId, practice: record.practice, startedAt, at };
}

/** What the result of an attempt is recorded against. */
interface FinishedAttempt {
  readonly facts: AttemptFacts;
  readonly record: MessageRecord;
  readonly endpoint: DeliveryEndpoint | undefined;
}

/** One named lifecycle transition per kind of result. */
async function recordResult(
  result: AttemptResult,
  { facts, record, endpoint }: FinishedAttempt,
  deps: DeliveryDeps,
): Promise<DeliveryDecision> {
  const { lifecycle } = deps;
  const handOff = (endpoint?.config.auditEvents.send ?? 'none') !== 'none';
  switch (result.kind) {
    case 'delivered': {
      const { resources, patient, httpStatus, parts } = result;
      const { kind, body } = record.message;
      const recorded = await lifecycle.delivered(facts, {
        resources,
        patientRef: patient,
        httpStatus,
        handOff,
        ...(parts !== undefined ? { parts: { kind, source: body.source, parts } } : {}),
      });
      return recordedOrSettled(recorded, facts, { kind: 'delivered' });
    }
    case 'settled':
      return { kind: 'settled', reason: result.reason };
    case 'superseded': {
      const { reason, ehrVersion } = result;
      const recorded = await lifecycle.superseded(facts, { reason, ehrVersion });
      return recordedOrSettled(recorded, facts, { kind: 'superseded', reason });
    }
    case 'retry': {
      const retryInMs = endpoint === undefined ? undefined : nextAttemptInMs(result, record, facts, endpoint, deps);
      if (retryInMs === undefined) {
        const reason = `gave up after ${facts.attempt} attempts: the message reached its maximum age; last error: ${result.reason}`;
        const { httpStatus, patient } = result;
        const gaveUp: AttemptResult = {
          kind: 'rejected',
          reason,
          outcome: outcomeOf('timeout', reason),
          httpStatus,
          patient,
        };
        return recordResult(gaveUp, { facts, record, endpoint }, deps);
      }
      const { reason, httpStatus, resources } = result;
      const recorded = await lifecycle.retryLater(facts, {
        reason,
        httpStatus,
        retryInMs,
        ...(resources !== undefined ? { resources } : {}),
        ...(wasThrottled(result) ? { throttledAttempts: (record.throttledAttempts ?? 0) + 1 } : {}),
      });
      return recordedOrSettled(recorded, facts, { kind: 'retry', reason, delayMs: retryInMs });
    }
    case 'rejected': {
      const { reason, outcome, httpStatus, patient } = result;
      const recorded = await lifecycle.failed(facts, { reason, outcome, httpStatus, patientRef: patient, handOff });
      return recordedOrSettled(recorded, facts, { kind: 'failed', reason });
    }
  }
}

/** Runs the attempt, or says why none can run. */
async function runAttempt(
  record: MessageRecord,
  endpoint: DeliveryEndpoint | undefined,
  requestId: string,
  deps: DeliveryDeps,
): Promise<AttemptResult> {
  if (endpoint?.client === undefined) {
    const text = `endpoint "${record.endpointId}" is no longer configured`;
    return { kind: 'rejected', reason: text, outcome: outcomeOf('not-found', text) };
  }
  const client = endpoint.client.withRequestId(requestId);
  // Seated from the start, so a batch ready before this attempt has written waits for it (briefly).
  const seat = deps.batchers?.(record.endpointId)?.open(client, requestId);
  try {
    const previous = await previousVersion(record, deps);
    const { message } = record;
    const earlier = await deps.messages.heldParts?.(message.kind, message.body.source);
    return await attemptDelivery(message, {
      ...(earlier !== undefined ? { earlier } : {}),
      ...(previous !== undefined ? { previous } : {}),
      ...(record.resources.length > 0 ? { partial: record.resources } : {}),
      client,
      ...(endpoint.config.episodeParts !== undefined ? { episodeParts: endpoint.config.episodeParts } : {}),
      conformance: deps.conformance,
      now: deps.now,
      failedReferral: failedReferralLookup(deps.messages),
      resolutions: deps.resolutions?.(record.endpointId),
      ...(seat !== undefined ? { sendTransaction: async (bundle: Bundle) => seat.transaction(bundle) } : {}),
    });
  } catch (error) {
    // A defect in this adapter is not the EHR's fault and retrying will not mend it: fail visibly so the
    // message can be replayed once fixed.
    const text = `internal error while delivering: ${(error as Error).message}`;
    deps.logger.error({ messageId: record.id, err: error }, 'delivery attempt crashed');
    return { kind: 'rejected', reason: text, outcome: outcomeOf('exception', text) };
  } finally {
    seat?.close();
  }
}

/**
 * The version this message followed when it was accepted, so the mapping can retract what it wrote and this one
 * drops; none when it has expired or its body was purged (then nothing earlier is retracted).
 */
async function previousVersion(record: MessageRecord, deps: DeliveryDeps): Promise<InboundMessage | undefined> {
  if (record.previousMessageId === undefined) {
    return undefined;
  }
  const previous = await deps.messages.get(record.previousMessageId);
  return previous === undefined || previous.purgedAt !== undefined ? undefined : previous.message;
}

/** The wait before the next attempt, or undefined when waiting would take the message past its maximum age. */
function nextAttemptInMs(
  result: Extract<AttemptResult, { kind: 'retry' }>,
  record: MessageRecord,
  facts: AttemptFacts,
  endpoint: DeliveryEndpoint,
  deps: DeliveryDeps,
): number | undefined {
  const policy = endpoint.config.retry;
  // Attempts the server refused for load were timed by the server; only the others make the backoff grow.
  const backoffStep = facts.attempt - (record.throttledAttempts ?? 0);
  const delayMs = retryDelayMs(backoffStep, policy, deps.random(), {
    waitMs: result.retryAfterMs,
    windowMs: endpoint.pacing?.serverWindowMs(),
  });
  // A replay restarts the clock: the maximum age counts from when the message was last put back in the queue.
  const since = new Date(record.replayedAt ?? record.receivedAt);
  return wouldExceedMaxAge(since, facts.at, delayMs, policy) ? undefined : delayMs;
}

/** True when the EHR refused the attempt for load and said when to come back. */
function wasThrottled(result: Extract<AttemptResult, { kind: 'retry' }>): boolean {
  return result.retryAfterMs !== undefined && isThrottling(result.httpStatus ?? 0, result.retryAfterMs);
}

/**
 * The decision, once recorded. A transition refused means the message left delivering while this attempt ran
 * (another worker took over a lease that lapsed): that worker's result stands and this one changes nothing.
 */
function recordedOrSettled(recorded: boolean, facts: AttemptFacts, decision: DeliveryDecision): DeliveryDecision {
  return recorded
    ? decision
    : { kind: 'settled', reason: `the message left delivering before attempt ${facts.attempt} recorded its result` };
}
