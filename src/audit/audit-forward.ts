/**
 * Forwards one delivery's IHE BALP AuditEvents to the endpoint's audit target (its EHR or a separate FHIR audit
 * repository) and records the result in the ledger. The events are rebuilt from the ledger, and each carries a write
 * key derived from the ledger entry's chain hash as its tag and is written by a conditional update on that tag (the
 * server chooses the id: many refuse client-chosen ones), so running a job twice never makes a second copy.
 */
import { nameBasedUuid } from '../lib/name-uuid';
import { writeKeyUrl } from '../mapping/bundle';
import { writeKeyOf, writeKeyTag } from '../mapping/identifiers';
import type { AuditEvent, AuditEventEntity, Bundle, Reference, Resource } from '@medplum/fhirtypes';
import type { RetryPolicy } from '../config/schema';
import { classifyStatus, retryAfterMs } from '../delivery/classify';
import type { FhirClient, FhirResponse } from '../delivery/fhir-client';
import { EhrUnreachableError } from '../delivery/fhir-client';
import { AccessTokenError } from '../delivery/access-token';
import { summariseOutcome } from '../delivery/outcome';
import { retryDelayMs, wouldExceedMaxAge } from '../delivery/retry-policy';
import type { AuditEventSite, DeliveryEvent } from './audit-events';
import { auditEventExport } from './audit-event-export';
import type { AuditLedger, LedgerEntry } from '../store/ledger';

/** Where one endpoint's AuditEvents go. */
export interface AuditTarget {
  readonly endpointId: string;
  readonly kind: 'ehr' | 'repository';
  readonly baseUrl: string;
  readonly client: FhirClient;
  /** The endpoint's retry policy: backoff, cap and maximum age (counted from the delivery's ledger entry). */
  readonly retry: RetryPolicy;
}

export interface AuditForwardDeps {
  readonly ledger: AuditLedger;
  readonly site: AuditEventSite;
  /** The audit target of an endpoint, or undefined when it sends its AuditEvents nowhere. */
  target(endpointId: string): AuditTarget | undefined;
  readonly now: () => Date;
  readonly random: () => number;
}

/** One delivery attempt whose AuditEvents are forwarded (its `delivered` or `failed` entry). */
export interface AuditForwardRequest {
  readonly messageId: string;
  readonly attempt: number;
  /** How many times this forward has been tried before, for the backoff. */
  readonly previousTries: number;
}

export type AuditForwardResult =
  | { readonly kind: 'forwarded'; readonly ids: readonly string[] }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string; readonly delayMs: number }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * A UUID (RFC 9562 version 8, name-based on SHA-256) from the ledger entry's chain hash and which of its events
 * this is: the same delivery always gives the same AuditEvent id, and no two deliveries share one.
 */
export function auditEventUuid(entryHash: string, part: string): string {
  return nameBasedUuid(`${entryHash}:${part}`);
}

/** `Patient/1` → `<endpoint base>/Patient/1`: a repository holds no EHR resources, so it needs absolute references. */
function absolute(reference: Reference | undefined, base: string | undefined): Reference | undefined {
  const text = reference?.reference;
  if (reference === undefined || text === undefined || base === undefined || /^[a-z]+:/i.test(text)) {
    return reference;
  }
  return { ...reference, reference: `${base.replace(/\/+$/, '')}/${text}` };
}

/** The event as the target receives it: its write key as a tag (no id), and absolute references for a repository. */
function forTarget(
  event: AuditEvent,
  delivery: { readonly entry: LedgerEntry; readonly event: DeliveryEvent },
  target: AuditTarget,
  site: AuditEventSite,
): AuditEvent {
  const part = event.id?.split('-').at(-1) ?? '';
  const keyed: AuditEvent = {
    ...event,
    meta: { ...event.meta, tag: [...(event.meta?.tag ?? []), writeKeyTag(auditEventUuid(delivery.entry.hash, part))] },
  };
  delete keyed.id;
  if (target.kind === 'ehr') {
    return keyed;
  }
  const base = site.endpointUrl(delivery.event.endpoint);
  const entity = event.entity?.map((e): AuditEventEntity => {
    const what = absolute(e.what, base);
    return what === undefined ? e : { ...e, what };
  });
  return { ...keyed, ...(entity !== undefined ? { entity } : {}) };
}

type WriteOutcome =
  | { readonly ok: true; readonly status: number; readonly reference: string }
  | { readonly ok: false; readonly retry: boolean; readonly reason: string; readonly retryAfterMs?: number };

/** `AuditEvent/<id>` as the target named what it wrote: the body's id, else the Location; the write key if neither. */
function writtenReference(response: FhirResponse, event: AuditEvent): string {
  const id = (response.body as Resource | undefined)?.id;
  const location = /AuditEvent\/([^/]+)/.exec(response.headers.get('location') ?? '')?.[1];
  return `AuditEvent/${id ?? location ?? `?_tag=${writeKeyOf(event) ?? ''}`}`;
}

function answer(response: FhirResponse, what: string, now: Date, event: AuditEvent): WriteOutcome {
  const verdict = classifyStatus(response.status);
  if (verdict === 'ok') {
    return { ok: true, status: response.status, reference: writtenReference(response, event) };
  }
  const wait = retryAfterMs(response.headers.get('retry-after'), now);
  const body = response.body as Resource | undefined;
  const summary = body?.resourceType === 'OperationOutcome' ? summariseOutcome(body) : '';
  return {
    ok: false,
    retry: verdict === 'retry',
    reason: `${what}: HTTP ${String(response.status)}${summary !== '' ? ` (${summary})` : ''}`,
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  };
}

/**
 * Writes one AuditEvent unless the target already holds it. The search first keeps a second run from adding a
 * version (some audit repositories refuse updates to AuditEvents); a target that does not let the adapter search
 * AuditEvents (a 4xx) is simply written to, which is still idempotent (a conditional update on the write key).
 */
async function writeOnce(target: AuditTarget, event: AuditEvent, now: () => Date): Promise<WriteOutcome> {
  const key = writeKeyOf(event) ?? '';
  const path = writeKeyUrl('AuditEvent', key);
  const what = `AuditEvent with write key ${key}`;
  try {
    const existing = await target.client.request('GET', path);
    const held = (existing.body as Bundle | undefined)?.entry?.[0]?.resource?.id;
    if (existing.status === 200 && held !== undefined) {
      return { ok: true, status: 200, reference: `AuditEvent/${held}` };
    }
    if (classifyStatus(existing.status) === 'retry') {
      return answer(existing, `reading ${what}`, now(), event);
    }
    return answer(await target.client.request('PUT', path, event), `writing ${what}`, now(), event);
  } catch (error) {
    if (error instanceof EhrUnreachableError) {
      return { ok: false, retry: true, reason: `${what}: ${error.message}` };
    }
    if (error instanceof AccessTokenError) {
      return {
        ok: false,
        retry: !error.permanent,
        reason: `${what}: ${error.message}`,
        ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      };
    }
    throw error;
  }
}

/** What the timeline says of one attempt: its delivered or failed entry, and whether forwarding was recorded. */
interface AttemptRecord {
  delivery?: { readonly entry: LedgerEntry; readonly event: DeliveryEvent };
  recorded: boolean;
}

function findDelivery(timeline: readonly LedgerEntry[], attempt: number): AttemptRecord {
  const found: AttemptRecord = { recorded: false };
  for (const entry of timeline) {
    const event = entry.event;
    if (event === undefined) {
      continue;
    }
    switch (event.type) {
      case 'delivered':
      case 'failed':
        if (event.attempt === attempt && found.delivery === undefined) {
          found.delivery = { entry, event };
        }
        break;
      case 'audit-forwarded':
      case 'audit-forward-failed':
        found.recorded ||= event.attempt === attempt;
        break;
      case 'received':
      case 'rejected':
      case 'attempt-failed':
      case 'superseded':
      case 'replayed':
      case 'purged':
      case 'audit-access':
      case 'document-requested':
      case 'document-sent':
      case 'document-attempt-failed':
      case 'document-acknowledged':
      case 'document-delivered':
      case 'document-failed':
      case 'document-replayed':
        break;
    }
  }
  return found;
}

export async function forwardAuditEvents(
  request: AuditForwardRequest,
  deps: AuditForwardDeps,
): Promise<AuditForwardResult> {
  const { delivery, recorded } = findDelivery(await deps.ledger.timeline(request.messageId), request.attempt);
  if (delivery === undefined) {
    return { kind: 'skipped', reason: 'the ledger has no delivered or failed entry for this attempt' };
  }
  if (recorded) {
    return { kind: 'skipped', reason: 'already recorded' };
  }
  const { entry, event: deliveryEvent } = delivery;
  const endpointId = deliveryEvent.endpoint;
  const target = deps.target(endpointId);
  if (target === undefined) {
    return { kind: 'skipped', reason: `endpoint "${endpointId}" sends no AuditEvents` };
  }
  const bundle = await auditEventExport(deps.ledger, [entry], deps.site, deps.now());
  const events = (bundle.entry ?? []).flatMap((e) =>
    e.resource === undefined ? [] : [forTarget(e.resource, delivery, target, deps.site)],
  );
  const common = {
    messageId: request.messageId,
    endpoint: endpointId,
    attempt: request.attempt,
    target: target.kind,
    targetUrl: target.baseUrl,
  };
  const statuses: number[] = [];
  const ids: string[] = [];
  for (const event of events) {
    const outcome = await writeOnce(target, event, deps.now);
    if (outcome.ok) {
      statuses.push(outcome.status);
      ids.push(outcome.reference);
      continue;
    }
    const tries = request.previousTries + 1;
    const delayMs = retryDelayMs(tries, target.retry, deps.random(), { waitMs: outcome.retryAfterMs });
    const since = new Date(deliveryEvent.at);
    if (outcome.retry && !wouldExceedMaxAge(since, deps.now(), delayMs, target.retry)) {
      return { kind: 'retry', reason: outcome.reason, delayMs };
    }
    const reason = outcome.retry
      ? `gave up after ${String(tries)} tries: the delivery's maximum age was reached; last error: ${outcome.reason}`
      : outcome.reason;
    await deps.ledger.recordForward({
      type: 'audit-forward-failed',
      ...common,
      ...(ids.length > 0 ? { written: ids.join(' ') } : {}),
      reason,
      at: deps.now().toISOString(),
    });
    return { kind: 'failed', reason };
  }
  await deps.ledger.recordForward({
    type: 'audit-forwarded',
    ...common,
    auditEvents: ids.join(' '),
    httpStatus: statuses.join(' '),
    at: deps.now().toISOString(),
  });
  return { kind: 'forwarded', ids };
}
