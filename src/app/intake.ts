/**
 * Accepting a message: validate it, check that what it maps to would conform once delivered, give it an identity,
 * store it durably (with its idempotency key and ledger entry, atomically) and hand it to its endpoint's queue. A
 * message is only ever acknowledged once it is durable; if the enqueue itself fails, the outbox sweeper enqueues
 * it later.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { EndpointRegistry } from '../delivery/endpoints';
import type { IntakeCheck } from '../delivery/intake-check';
import type { Logger } from '../observability/logger';
import type { DeliveryQueues } from '../queue/producer';
import type { Principal } from '../config/client-scope';
import { permits } from '../config/client-scope';
import { errorIssue } from '../lib/outcome';
import { contentHash, identityKeys } from '../messages/identity';
import { previousReferralIssue, retractionIssue, statusTransitionIssue } from '../messages/domain-rules';
import type { InboundMessage, MessageKind } from '../messages/schemas';
import type { LatestOfRecord, MessageStore } from '../store/message-store';
import { validateInbound } from '../messages/validate';
import { datesBeforeReferral } from '../messages/referral-order';
import { consentWithdrawnIssue } from '../messages/consent-order';
import { risksWarning } from '../messages/prsb-warnings';

export interface IntakeDeps {
  readonly store: MessageStore;
  /** The same mapping and profile check the worker runs, so what could never be delivered is refused now. */
  readonly intakeCheck: IntakeCheck;
  readonly queues: DeliveryQueues;
  readonly endpoints: EndpointRegistry;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface IntakeMeta {
  readonly clientId: string;
  /** What the client may submit: its source systems and practices. */
  readonly scope: Pick<Principal, 'practices' | 'sourceSystems'>;
  readonly idempotencyKey?: string;
  /** The accepting request's X-Request-Id, kept in the `received` ledger entry. */
  readonly requestId?: string;
}

export type IntakeResult =
  | { readonly kind: 'invalid'; readonly issues: OperationOutcomeIssue[] }
  | { readonly kind: 'no-endpoint'; readonly practice: string }
  | { readonly kind: 'forbidden'; readonly issues: OperationOutcomeIssue[] }
  | { readonly kind: 'conflict'; readonly id: string }
  /** The person withdrew consent to share with the GP for this episode (consent-withdrawn, 409). */
  | { readonly kind: 'consent-withdrawn'; readonly issues: OperationOutcomeIssue[] }
  /** `warnings`: what PRSB requires and the message (or its episode) lacks; the message is accepted all the same. */
  | {
      readonly kind: 'accepted';
      readonly id: string;
      readonly duplicate: boolean;
      readonly warnings: readonly OperationOutcomeIssue[];
    };

/** The store could not durably take the write (Redis down, out of memory, read-only…). Nothing was written. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the message store is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A newer version of a record whose status cannot follow the latest accepted one (completed → received) is
 * refused. An older or equal version is not judged here: it is a duplicate or conflict (idempotency) or, once
 * delivered, superseded by the worker.
 *
 * The read and the create are two steps, so two versions of one record arriving at the same moment are each
 * judged against the state before both; the window is one Redis round trip, and the worker still never lets an
 * older version overwrite a newer one in the EHR.
 */
function statusChangeProblem(
  message: InboundMessage,
  latest: LatestOfRecord | undefined,
): OperationOutcomeIssue | undefined {
  if (latest?.status === undefined || message.body.source.recordVersion <= latest.version) {
    return undefined;
  }
  return statusTransitionIssue(message, latest.status);
}

/** The message of the version a newer one follows: what it wrote and the newer one drops is retracted. */
function previousMessageOf(message: InboundMessage, latest: LatestOfRecord | undefined): string | undefined {
  return latest !== undefined && latest.messageId !== '' && latest.version < message.body.source.recordVersion
    ? latest.messageId
    : undefined;
}

/** Dates of a goal, contact, plan or connection that fall before its referral, once that referral is accepted. */
async function referralOrderProblems(message: InboundMessage, store: MessageStore): Promise<OperationOutcomeIssue[]> {
  if (message.kind === 'referral') {
    return [];
  }
  const referredAt = await store.referralDate({
    system: message.body.source.system,
    recordId: message.body.referralId,
  });
  return referredAt === undefined ? [] : datesBeforeReferral(message, referredAt);
}

/**
 * Whether the earlier referral a re-referral names was accepted from the same source system. Looked up under the
 * message's own system, which the client's scope has already permitted, so the answer never depends on another
 * client's records.
 */
async function previousReferralKnown(message: InboundMessage, store: MessageStore): Promise<boolean> {
  if (message.kind !== 'referral' || message.body.previousReferralId === undefined) {
    return true;
  }
  const earlier = await store.latestOfRecord('referral', {
    system: message.body.source.system,
    recordId: message.body.previousReferralId,
  });
  return earlier !== undefined;
}

/** A client submits only under its own source systems and for its own practices; each refusal names its field. */
function scopeIssues(
  message: InboundMessage,
  scope: Pick<Principal, 'practices' | 'sourceSystems'>,
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const forbidden = (expression: string, text: string): void => {
    issues.push(errorIssue('client-not-permitted', { text, expression }));
  };
  if (!permits(scope.sourceSystems, message.body.source.system)) {
    forbidden('source.system', 'This client may not submit records of this source system');
  }
  if (!permits(scope.practices, message.body.gpPractice.odsCode)) {
    forbidden('gpPractice.odsCode', 'This client may not submit messages for this GP practice');
  }
  return issues;
}

export async function acceptMessage(
  kind: MessageKind,
  body: unknown,
  meta: IntakeMeta,
  deps: IntakeDeps,
): Promise<IntakeResult> {
  const now = deps.now();
  const validation = validateInbound(kind, body, now);
  if (!validation.ok) {
    return { kind: 'invalid', issues: validation.issues };
  }
  const { message } = validation;
  const preflight = await deps.intakeCheck.errors(message, now);
  if (preflight.length > 0) {
    return { kind: 'invalid', issues: preflight };
  }
  const forbidden = scopeIssues(message, meta.scope);
  if (forbidden.length > 0) {
    return { kind: 'forbidden', issues: forbidden };
  }
  const practice = message.body.gpPractice.odsCode;
  const endpoint = deps.endpoints.forPractice(practice);
  if (endpoint === undefined) {
    return { kind: 'no-endpoint', practice };
  }
  let orderIssues: OperationOutcomeIssue[];
  let previousMessageId: string | undefined;
  let withdrawn: OperationOutcomeIssue | undefined;
  let warnings: OperationOutcomeIssue[];
  try {
    const [latest, beforeReferral, consent, previousKnown, risksRecorded] = await Promise.all([
      deps.store.latestOfRecord(message.kind, message.body.source),
      referralOrderProblems(message, deps.store),
      deps.store.gpConsent({
        system: message.body.source.system,
        recordId: message.kind === 'referral' ? message.body.source.recordId : message.body.referralId,
      }),
      previousReferralKnown(message, deps.store),
      deps.store.episodeRecordedRisks({
        system: message.body.source.system,
        recordId: message.kind === 'referral' ? message.body.source.recordId : message.body.referralId,
      }),
    ]);
    const warning = risksWarning(message, risksRecorded);
    warnings = warning !== undefined ? [warning] : [];
    withdrawn = consentWithdrawnIssue(message, consent);
    const transitionIssue = statusChangeProblem(message, latest);
    const retraction = retractionIssue(message, latest !== undefined);
    const unknownPrevious = previousReferralIssue(message, previousKnown);
    previousMessageId = previousMessageOf(message, latest);
    orderIssues = [
      ...(transitionIssue !== undefined ? [transitionIssue] : []),
      ...(retraction !== undefined ? [retraction] : []),
      ...(unknownPrevious !== undefined ? [unknownPrevious] : []),
      ...beforeReferral,
    ];
  } catch (error) {
    throw new StoreUnavailableError(error);
  }
  if (orderIssues.length > 0) {
    return { kind: 'invalid', issues: orderIssues };
  }
  // After the 400s, so a sender fixing a record learns of its own mistakes first.
  if (withdrawn !== undefined) {
    return { kind: 'consent-withdrawn', issues: [withdrawn] };
  }
  const id = deps.newId();
  const identity = identityKeys(kind, message.body.source, meta.clientId, meta.idempotencyKey);
  let created;
  try {
    created = await deps.store.create({
      id,
      message,
      contentHash: contentHash(message.body),
      idempotencyKey: identity.source,
      ...(identity.header !== undefined ? { requestKey: identity.header } : {}),
      clientId: meta.clientId,
      ...(meta.requestId !== undefined ? { requestId: meta.requestId } : {}),
      endpointId: endpoint.config.id,
      ...(previousMessageId !== undefined ? { previousMessageId } : {}),
      now,
    });
  } catch (error) {
    throw new StoreUnavailableError(error);
  }
  if (!created.created) {
    return created.sameContent
      ? { kind: 'accepted', id: created.id, duplicate: true, warnings }
      : { kind: 'conflict', id: created.id };
  }
  try {
    await deps.queues.enqueue(endpoint.config.id, id);
    await deps.store.markEnqueued(id);
  } catch (error) {
    // The message is durable and stays in the outbox; the sweeper will enqueue it.
    deps.logger.warn({ messageId: id, err: error }, 'enqueue not confirmed; left to the outbox sweeper');
  }
  return { kind: 'accepted', id, duplicate: false, warnings };
}
