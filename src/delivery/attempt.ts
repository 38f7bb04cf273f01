/**
 * One delivery attempt for one message: find the patient (and the referral) in the EHR, map the message, check
 * the result against the profiles, send it as a transaction and read every entry's answer. It performs no state
 * changes of its own; `deliverMessage` records what it returns.
 */
import type {
  Bundle,
  EpisodeOfCare,
  Identifier,
  OperationOutcome,
  Patient,
  Reference,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import type { IdentifiedResource, MapContext } from '../mapping';
import {
  identifierToken,
  mapMessage,
  ownParts,
  recordIdentifier,
  sourceIdentifier,
  transactionBundle,
} from '../mapping';
import { EXTENSIONS, SYSTEMS } from '../mapping/codes';
import type { RecordPart, WrittenResource } from '../messages/record';
import type { InboundMessage } from '../messages/schemas';
import { maskNhsNumber } from '../messages/nhs-number';
import { operationOutcome, outcomeIssue } from '../lib/outcome';
import { classifyAnswer, classifyStatus, serverWaitMs } from './classify';
import type { FhirRequests, FhirResponse } from './fhir-client';
import { EhrUnreachableError } from './fhir-client';
import type { ConformanceCheck } from './preflight';
import { conformanceErrors } from './preflight';
import { AccessTokenError } from './access-token';
import type { AttemptResult } from './outcome';
import { outcomeOf, summariseOutcome } from './outcome';
import { patientMismatches } from './patient-match';
import type { FailedReferralLookup } from './failed-referral';
import { failedReferralReason } from './failed-referral';
import type { EpisodePartsPaging } from './episode-parts';
import { findEpisodeParts, needsEpisodeParts } from './episode-parts';
import { findEpisodeOfCare } from './episode-lookup';
import type { EarlierParts } from './dropped-parts';
import { findDroppedParts } from './dropped-parts';
import { completeTransaction, settlePartialProvenance } from './transaction-entries';
import type { CacheUse, CachedUse, Lookup } from './cached-lookup';
import { cachedLookup } from './cached-lookup';
import type { ResolutionCache } from './resolution-cache';
import { deadResolutions, withVerifyReads, withoutVerifyReads } from './verify-reads';

export { parseLocation } from './location';
export { answeredVersionId } from './transaction-entries';

export type { ConformanceCheck };

export interface AttemptDeps {
  readonly client: FhirRequests;
  readonly conformance: ConformanceCheck;
  readonly now: () => Date;
  /** Tells a referral that failed for good from one still on its way; without it, a missing referral is waited for. */
  readonly failedReferral?: FailedReferralLookup;
  /** The endpoint's cache of patient and referral lookups; without it every attempt searches. */
  readonly resolutions?: ResolutionCache;
  /**
   * What the record's earlier deliveries wrote (the store's held parts): what this version no longer writes is
   * retracted. Without it (records delivered before parts were kept), `previous` is compared instead.
   */
  readonly earlier?: EarlierParts;
  /** The version of the record this message follows, whose dropped parts the delivery retracts. */
  readonly previous?: InboundMessage;
  /** How a closing referral pages through the episode's parts (the endpoint's `episodeParts`); defaults otherwise. */
  readonly episodeParts?: EpisodePartsPaging;
  /** What an earlier, partly applied attempt of this message wrote (recorded on the message). */
  readonly partial?: readonly WrittenResource[];
  /**
   * Sends the attempt's transaction when it may go out in a batch with others (transaction-batch.ts); without it
   * the client sends it alone. Follow-ups completing a partly applied transaction always go through the client.
   */
  readonly sendTransaction?: (bundle: Bundle) => Promise<FhirResponse>;
}

/** Cached resolutions an attempt found dead or no longer matching: forgotten, then the attempt runs afresh. */
interface Stale {
  readonly stale: readonly CachedUse[];
}

function isOperationOutcome(body: unknown): body is OperationOutcome {
  return typeof body === 'object' && body !== null && (body as Resource).resourceType === 'OperationOutcome';
}

/** Turns a non-2xx answer into a retry or a rejection carrying the server's own OperationOutcome. */
function failedResponse(response: FhirResponse, what: string, now: Date): AttemptResult {
  const outcome = isOperationOutcome(response.body)
    ? response.body
    : outcomeOf('exception', `${what}: the EHR answered HTTP ${response.status}`);
  const refreshed = response.afterTokenRefresh ? ' after a fresh access token' : '';
  const reason = `${what}: HTTP ${response.status}${refreshed}${summariseOutcome(outcome) ? ` (${summariseOutcome(outcome)})` : ''}`;
  if (classifyAnswer(response.status, response.body) === 'retry') {
    const wait = serverWaitMs(response.status, response.headers, now);
    return {
      kind: 'retry',
      reason,
      httpStatus: response.status,
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    };
  }
  return { kind: 'rejected', reason, outcome, httpStatus: response.status };
}

async function findOne<T extends Resource>(
  deps: AttemptDeps,
  resourceType: T['resourceType'],
  token: string,
  what: string,
  whenMissing: (count: number) => AttemptResult,
  elements = 'id',
): Promise<Lookup<T>> {
  const response = await deps.client.search(resourceType, { identifier: token, _count: '2', _elements: elements });
  if (classifyStatus(response.status) !== 'ok') {
    return { result: failedResponse(response, what, deps.now()) };
  }
  const bundle = response.body as Bundle;
  const found = (bundle.entry ?? [])
    .map((entry) => entry.resource)
    .filter((resource): resource is T => resource?.id !== undefined);
  const [resource] = found;
  if (found.length !== 1 || resource?.id === undefined) {
    return { result: whenMissing(found.length) };
  }
  return { found: { reference: `${resourceType}/${resource.id}` }, resource };
}

/**
 * Refuses to write into the record of a Patient whose family name or birth date differs from the message's: the
 * NHS number alone may be a typing error that names someone else. The reason names the fields, never the values.
 */
function mismatchedPatient(message: InboundMessage, patient: Patient): AttemptResult | undefined {
  const fields = patientMismatches(message.body.patient, patient);
  if (fields.length === 0) {
    return undefined;
  }
  const text = (field: string): string =>
    `The message's ${field} does not match the EHR's Patient found by its NHS number; nothing was written. Correct the patient's details in the source system or the GP record, then replay`;
  return {
    kind: 'rejected',
    reason: `${fields.join(' and ')} ${fields.length === 1 ? 'does' : 'do'} not match the EHR's Patient found by NHS number`,
    outcome: operationOutcome(
      fields.map((field) => outcomeIssue({ code: 'business-rule', text: text(field), expression: field })),
    ),
  };
}

async function resolveContext(
  message: InboundMessage,
  deps: AttemptDeps,
  use: CacheUse,
): Promise<ResolvedContext | AttemptResult | Stale> {
  const nhsNumber = message.body.patient.nhsNumber;
  const patientToken = `${SYSTEMS.nhsNumber}|${nhsNumber}`;
  const patient = await cachedLookup<Patient>(use, { kind: 'patient', key: nhsNumber, resourceType: 'Patient' }, () =>
    findOne<Patient>(
      deps,
      'Patient',
      patientToken,
      'patient lookup',
      (count) => {
        const text =
          count === 0
            ? `The EHR has no patient with NHS number ${maskNhsNumber(nhsNumber)}; the GP record owns the patient, so the adapter will not create one`
            : `The EHR has more than one patient with NHS number ${maskNhsNumber(nhsNumber)}`;
        return { kind: 'rejected', reason: text, outcome: outcomeOf('not-found', text, 'patient.nhsNumber') };
      },
      'id,name,birthDate',
    ),
  );
  if ('result' in patient) {
    return patient.result;
  }
  const mismatch = mismatchedPatient(message, patient.resource);
  if (mismatch !== undefined) {
    // The EHR may have corrected the patient's details since they were cached: only a fresh read may refuse.
    return patient.cached !== undefined ? { stale: [patient.cached] } : mismatch;
  }
  const patientCached = patient.cached !== undefined ? [patient.cached] : [];
  if (message.kind === 'referral') {
    return { context: { patient: patient.found }, cached: patientCached };
  }
  const referralIdentifier = sourceIdentifier(message.body.source.system, 'referral', message.body.referralId);
  const referralToken = identifierToken(referralIdentifier);
  const referral = await cachedLookup<ServiceRequest>(
    use,
    { kind: 'referral', key: referralToken, resourceType: 'ServiceRequest' },
    () =>
      findOne<ServiceRequest>(deps, 'ServiceRequest', referralToken, 'referral lookup', (count) =>
        count === 0
          ? // The referral may simply not be delivered yet; it usually arrives moments later.
            { kind: 'retry', reason: `referral ${message.body.referralId} is not in the EHR yet` }
          : {
              kind: 'rejected',
              reason: `more than one referral ${message.body.referralId} in the EHR`,
              outcome: outcomeOf(
                'multiple-matches',
                `More than one ServiceRequest has identifier ${identifierToken(referralIdentifier)}`,
                'referralId',
              ),
            },
      ),
  );
  if ('result' in referral) {
    return referral.result.kind === 'retry'
      ? ((await referralFailedForGood(message.body.source.system, message.body.referralId, deps)) ?? referral.result)
      : referral.result;
  }
  return {
    context: { patient: patient.found, referral: referral.found },
    cached: [...patientCached, ...(referral.cached !== undefined ? [referral.cached] : [])],
  };
}

/** A rejection when the missing referral's latest message failed for good: waiting for it cannot help. */
async function referralFailedForGood(
  system: string,
  referralId: string,
  deps: AttemptDeps,
): Promise<AttemptResult | undefined> {
  const failedId = await deps.failedReferral?.(system, referralId);
  if (failedId === undefined) {
    return undefined;
  }
  const reason = failedReferralReason(referralId, failedId);
  return { kind: 'rejected', reason, outcome: outcomeOf('not-found', reason, 'referralId') };
}

/** The source-record-version extension of a resource the EHR returned, if it carries one. */
export function sourceVersionOf(resource: Resource | undefined): number | undefined {
  const extensions = (resource as { extension?: { url?: string; valueInteger?: number }[] } | undefined)?.extension;
  const value = extensions?.find((extension) => extension.url === EXTENSIONS.sourceRecordVersion)?.valueInteger;
  return typeof value === 'number' ? value : undefined;
}

/** The source-record-writer extension of a resource as a `system|value` token, if it carries one. */
export function sourceWriterOf(resource: Resource | undefined): string | undefined {
  const extensions = (resource as { extension?: { url?: string; valueIdentifier?: Identifier }[] } | undefined)
    ?.extension;
  const writer = extensions?.find((extension) => extension.url === EXTENSIONS.sourceRecordWriter)?.valueIdentifier;
  return writer === undefined ? undefined : identifierToken(writer);
}

/**
 * Reads what the EHR holds for the message's main resource and stops the write when it is a newer version of the
 * same source record, so a late or replayed older message never overwrites newer data. The same version is
 * written again (a harmless conditional update), which completes a previous attempt that crashed mid-way.
 * Versions count per writing record: a Goal last written by a support plan holds the plan's version, which says
 * nothing about the goal record's own, so it is not compared.
 */
async function guardAgainstOlderVersion(
  resource: IdentifiedResource,
  message: InboundMessage,
  deps: AttemptDeps,
): Promise<AttemptResult | undefined> {
  const version = message.body.source.recordVersion;
  const token = identifierToken(resource.identifier?.[0] ?? {});
  const response = await deps.client.search(resource.resourceType, { identifier: token, _count: '2' });
  if (classifyStatus(response.status) !== 'ok') {
    return failedResponse(response, `${resource.resourceType} version check`, deps.now());
  }
  const found = ((response.body as Bundle).entry ?? []).map((entry) => entry.resource);
  if (found.length > 1) {
    const text = `The EHR holds more than one ${resource.resourceType} with identifier ${token}`;
    return { kind: 'rejected', reason: text, outcome: outcomeOf('multiple-matches', text) };
  }
  const ehrWriter = sourceWriterOf(found[0]);
  if (ehrWriter !== undefined && ehrWriter !== identifierToken(recordIdentifier(message.body.source, message.kind))) {
    return undefined;
  }
  const ehrVersion = sourceVersionOf(found[0]);
  if (ehrVersion !== undefined && ehrVersion > version) {
    return {
      kind: 'superseded',
      reason: `the EHR already holds version ${ehrVersion} of this record; version ${version} is older and was not written`,
      ehrVersion,
    };
  }
  return undefined;
}

/** No access token: bad credentials fail at once; a token endpoint that is down or busy is retried. */
function tokenFailure(error: AccessTokenError): AttemptResult {
  const reason = `no access token: ${error.message}`;
  if (error.permanent) {
    return {
      kind: 'rejected',
      reason,
      outcome: outcomeOf('security', reason),
      ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
    };
  }
  return {
    kind: 'retry',
    reason,
    ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  };
}

/**
 * Runs one attempt. Network failures and timeouts are retried; everything else is classified from the answer. When
 * a resolution taken from the lookup cache turns out dead (or no longer matching), it is forgotten and the attempt
 * runs once more with fresh lookups.
 */
export async function attemptDelivery(message: InboundMessage, deps: AttemptDeps): Promise<AttemptResult> {
  const cache = deps.resolutions;
  const first = await attemptWith(message, deps, { cache, read: true });
  if (!('stale' in first)) {
    return first;
  }
  await Promise.all(first.stale.map(async (use) => cache?.forget(use.kind, use.key)));
  const fresh = await attemptWith(message, deps, { cache, read: false });
  // Fresh lookups take nothing from the cache, so nothing in them can be stale.
  return 'stale' in fresh ? { kind: 'retry', reason: 'the EHR lookups changed during the attempt' } : fresh;
}

async function attemptWith(message: InboundMessage, deps: AttemptDeps, use: CacheUse): Promise<AttemptResult | Stale> {
  const resolved = await guarded(async () => resolveContext(message, deps, use));
  if ('kind' in resolved || 'stale' in resolved) {
    return resolved;
  }
  const result = await guarded(async () => deliverInContext(message, resolved, deps));
  if ('stale' in result) {
    return result;
  }
  if (result.kind === 'delivered') {
    await rememberWrittenReferrals(result.resources, use.cache);
  }
  return withPatient(result, resolved.context.patient.reference);
}

/** A referral just written is the one its follow-up messages will look up next: remember it now. */
async function rememberWrittenReferrals(
  written: readonly WrittenResource[],
  cache: ResolutionCache | undefined,
): Promise<void> {
  for (const resource of written) {
    const id = resource.reference.split('/')[1];
    if (cache !== undefined && resource.resourceType === 'ServiceRequest' && resource.identifier && id) {
      await cache.remember('referral', resource.identifier, { id });
    }
  }
}

/** Turns an unreachable EHR or a missing access token into a result; anything else is a defect and is thrown. */
async function guarded<T extends object>(step: () => Promise<T>): Promise<T | AttemptResult> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof EhrUnreachableError) {
      return { kind: 'retry', reason: error.message };
    }
    if (error instanceof AccessTokenError) {
      return tokenFailure(error);
    }
    throw error;
  }
}

/** Names the resolved patient in a result, so the ledger and the AuditEvents can name it without an NHS number. */
function withPatient(result: AttemptResult, patient: string | undefined): AttemptResult {
  return patient === undefined || result.kind === 'delivered' ? result : { ...result, patient };
}

type DeliveryContext = Omit<MapContext, 'recordedAt'>;

/** The patient (and referral) an attempt writes against, and which of them came from the lookup cache. */
interface ResolvedContext {
  readonly context: DeliveryContext;
  readonly cached: readonly CachedUse[];
}

/** Maps, checks and sends the message once its patient (and referral) are known. */
async function deliverInContext(
  message: InboundMessage,
  { context: ctx, cached }: ResolvedContext,
  deps: AttemptDeps,
): Promise<AttemptResult | Stale> {
  let episodeParts: readonly Resource[] = [];
  let episodeOfCare: Reference<EpisodeOfCare> | undefined;
  if (needsEpisodeParts(message)) {
    const episode = await findEpisodeOfCare(deps.client, message);
    if ('failed' in episode) {
      return failedResponse(episode.failed, episode.what, deps.now());
    }
    episodeOfCare = episode.episode;
    const found = await findEpisodeParts(deps.client, ctx.patient, deps.episodeParts);
    if ('failed' in found) {
      return failedResponse(found.failed, found.what, deps.now());
    }
    if ('unfinished' in found) {
      // The same search would stop at the same place: a failure to replay once the bound is raised, not a retry.
      return { kind: 'rejected', reason: found.unfinished, outcome: outcomeOf('too-costly', found.unfinished) };
    }
    episodeParts = found.parts;
  }
  const recordedAt = deps.now().toISOString();
  const own = ownParts(message, { ...ctx, recordedAt });
  let dropped: readonly Resource[] | undefined;
  let partsAfter: readonly RecordPart[] = own;
  if (deps.earlier !== undefined && deps.earlier.parts.length > 0) {
    const found = await findDroppedParts(deps.client, message, own, deps.earlier);
    if ('failed' in found) {
      return failedResponse(found.failed, found.what, deps.now());
    }
    dropped = found.dropped;
    partsAfter = found.after;
  } else if (message.body.enteredInError === true) {
    partsAfter = [];
  }
  const resources = mapMessage(message, {
    ...ctx,
    recordedAt,
    ...(dropped !== undefined ? { dropped } : deps.previous !== undefined ? { previous: deps.previous } : {}),
    ...(episodeParts.length > 0 ? { episodeParts } : {}),
    ...(episodeOfCare !== undefined ? { episodeOfCare } : {}),
  });
  const errors = conformanceErrors(resources, deps.conformance);
  if (errors.length > 0) {
    const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: errors };
    return {
      kind: 'rejected',
      reason: `the mapped resources do not conform to their profiles: ${summariseOutcome(outcome)}`,
      outcome,
    };
  }
  const [main] = resources;
  if (main !== undefined) {
    const stop = await guardAgainstOlderVersion(main, message, deps);
    if (stop?.kind === 'superseded' && deps.partial !== undefined) {
      // An earlier attempt wrote part of this version, and perhaps its Provenance naming what it did not write.
      const failure = await settlePartialProvenance(resources, transactionBundle(resources), deps.partial, {
        send: async (bundle) => deps.client.transaction(bundle),
        refused: (answer, what) => failedResponse(answer, what, deps.now()),
      });
      // A refusal of the Provenance itself does not make a superseded version fail; only a retry waits for it.
      if (failure?.kind === 'retry') {
        return failure;
      }
    }
    if (stop !== undefined) {
      return stop;
    }
  }
  const bundle = transactionBundle(resources);
  const sentEntries = bundle.entry?.length ?? 0;
  const sending = withVerifyReads(bundle, cached);
  const response = await (deps.sendTransaction !== undefined
    ? deps.sendTransaction(sending)
    : deps.client.transaction(sending));
  const dead = deadResolutions(response, sentEntries, cached);
  if (dead.length > 0) {
    return { stale: dead };
  }
  if (classifyStatus(response.status) !== 'ok') {
    return failedResponse(response, 'transaction', deps.now());
  }
  const answered = withoutVerifyReads(response.body as Bundle, sentEntries);
  const written = await completeTransaction(resources, bundle, answered, {
    send: async (followUp) => deps.client.transaction(followUp),
    refused: (answer, what) => failedResponse(answer, what, deps.now()),
  });
  if (!Array.isArray(written)) {
    return written;
  }
  return {
    kind: 'delivered',
    resources: written,
    httpStatus: response.status,
    patient: ctx.patient.reference ?? '',
    parts: partsAfter,
  };
}
