/**
 * Delivers one stored message and records the result: loads it, runs an attempt, and moves the message to
 * delivered, back to queued with the time of the next attempt, or to failed with the reason and OperationOutcome.
 * Each result is one atomic store transition with its ledger entry.
 */
import { auditForwardOutboxKey } from '../store/forward-keys';
import type { Logger } from '../observability/logger';
import type { MessageStore } from '../store/message-store';
import type { ConformanceCheck } from './attempt';
import { attemptDelivery } from './attempt';
import type { EndpointRegistry } from './endpoints';
import type { RecordLeases } from '../store/record-lease';
import type { AttemptResult } from './outcome';
import { outcomeOf, summariseOutcome } from './outcome';
import { retryDelayMs, wouldExceedMaxAge } from './retry-policy';

export interface DeliveryDeps {
  readonly store: MessageStore;
  readonly endpoints: EndpointRegistry;
  readonly conformance: ConformanceCheck;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly random: () => number;
  readonly leases: RecordLeases;
}

/**
 * When the endpoint sends its AuditEvents somewhere, the delivered or failed transition also puts the attempt in
 * the forwarding hand-off set, atomically with its ledger entry, so no crash can lose the forward.
 */
function auditHandOff(deps: DeliveryDeps, endpointId: string): { readonly handOffTo?: string } {
  const send = deps.endpoints.get(endpointId)?.config.auditEvents.send ?? 'none';
  return send === 'none' ? {} : { handOffTo: auditForwardOutboxKey(deps.store.keys.prefix) };
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

export async function deliverMessage(messageId: string, deps: DeliveryDeps): Promise<DeliveryDecision> {
  const stored = await deps.store.get(messageId);
  if (stored === undefined) {
    return { kind: 'settled', reason: 'message not found' };
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
  const { store } = deps;
  const started = deps.now();
  const claim = await store.transition(messageId, {
    status: 'delivering',
    from: ['queued', 'delivering'],
    incrementAttempts: true,
    now: started,
  });
  if (!claim.ok) {
    return {
      kind: 'settled',
      reason: claim.reason === 'missing' ? 'message not found' : `message is ${claim.currentStatus}`,
    };
  }
  const record = await store.get(messageId);
  if (record === undefined) {
    return { kind: 'settled', reason: 'message not found' };
  }
  const attempt = claim.attempts;
  // One id per attempt, sent to the EHR on each of its requests and kept in the ledger, to match both sides' logs.
  const requestId = `${messageId}.${attempt}`;
  const endpoint = deps.endpoints.get(record.endpointId);
  let result: AttemptResult;
  if (endpoint === undefined) {
    const text = `endpoint "${record.endpointId}" is no longer configured`;
    result = { kind: 'rejected', reason: text, outcome: outcomeOf('not-found', text) };
  } else {
    try {
      result = await attemptDelivery(record.message, {
        client: endpoint.client.withRequestId(requestId),
        conformance: deps.conformance,
        now: deps.now,
      });
    } catch (error) {
      // A defect in this adapter is not the EHR's fault and retrying will not mend it: fail visibly so the
      // message can be replayed once fixed.
      const text = `internal error while delivering: ${(error as Error).message}`;
      deps.logger.error({ messageId, err: error }, 'delivery attempt crashed');
      result = { kind: 'rejected', reason: text, outcome: outcomeOf('exception', text) };
    }
  }
  const now = deps.now();
  const common = {
    messageId,
    endpoint: record.endpointId,
    practice: record.practice,
    attempt: String(attempt),
    requestId,
    latencyMs: String(now.getTime() - started.getTime()),
    at: now.toISOString(),
  };
  switch (result.kind) {
    case 'delivered':
      await store.transition(messageId, {
        status: 'delivered',
        now,
        ...auditHandOff(deps, record.endpointId),
        changes: {
          deliveredAt: now.toISOString(),
          resources: result.resources,
          patientRef: result.patient,
          lastError: null,
          outcome: null,
          nextAttemptAt: null,
        },
        ledger: {
          type: 'delivered',
          ...common,
          httpStatus: String(result.httpStatus),
          patient: result.patient,
          resources: result.resources
            .map((r) => `${r.reference}${r.versionId !== undefined ? `/_history/${r.versionId}` : ''}`)
            .join(' '),
        },
      });
      return { kind: 'delivered' };
    case 'settled':
      return { kind: 'settled', reason: result.reason };
    case 'superseded':
      await store.transition(messageId, {
        status: 'superseded',
        now,
        changes: { lastError: result.reason, nextAttemptAt: null },
        ledger: { type: 'superseded', ...common, reason: result.reason, ehrVersion: String(result.ehrVersion) },
      });
      return { kind: 'superseded', reason: result.reason };
    case 'retry': {
      const policy = endpoint?.config.retry;
      const delayMs = policy === undefined ? 0 : retryDelayMs(attempt, policy, deps.random(), result.retryAfterMs);
      if (
        policy !== undefined &&
        !wouldExceedMaxAge(new Date(record.replayedAt ?? record.receivedAt), now, delayMs, policy)
      ) {
        await store.transition(messageId, {
          status: 'queued',
          now,
          changes: { lastError: result.reason, nextAttemptAt: new Date(now.getTime() + delayMs).toISOString() },
          ledger: {
            type: 'attempt-failed',
            ...common,
            ...(result.httpStatus !== undefined ? { httpStatus: String(result.httpStatus) } : {}),
            reason: result.reason,
            retryInMs: String(delayMs),
          },
        });
        return { kind: 'retry', reason: result.reason, delayMs };
      }
      const text = `gave up after ${attempt} attempts: the message reached its maximum age; last error: ${result.reason}`;
      return fail(deps, messageId, common, text, outcomeOf('timeout', text), result.httpStatus, result.patient);
    }
    case 'rejected':
      return fail(deps, messageId, common, result.reason, result.outcome, result.httpStatus, result.patient);
  }
}

async function fail(
  deps: DeliveryDeps,
  messageId: string,
  common: Readonly<Record<string, string>>,
  reason: string,
  outcome: Parameters<typeof summariseOutcome>[0],
  httpStatus: number | undefined,
  patient: string | undefined,
): Promise<DeliveryDecision> {
  await deps.store.transition(messageId, {
    status: 'failed',
    now: deps.now(),
    ...auditHandOff(deps, common.endpoint ?? ''),
    changes: {
      lastError: reason,
      outcome: outcome ?? null,
      nextAttemptAt: null,
      ...(patient !== undefined ? { patientRef: patient } : {}),
    },
    ledger: {
      type: 'failed',
      ...common,
      ...(httpStatus !== undefined ? { httpStatus: String(httpStatus) } : {}),
      ...(patient !== undefined ? { patient } : {}),
      reason,
      outcome: summariseOutcome(outcome),
    },
  });
  return { kind: 'failed', reason };
}
