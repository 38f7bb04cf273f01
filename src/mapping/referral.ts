/**
 * Maps a referral message to what a GP record holds of it: the requester's ServiceRequest (who referred, to whom
 * and why), the link-worker service's Task (how far it has got), the national coded entry a practice counts
 * (accepted or declined), the episode of care the service's records belong to and, when the episode ends, a
 * closing summary Observation the GP can read and the episode's still-open plan, goals and connections, closed;
 * and the record's sections it carries: consent to share, risks, safeguarding concerns and requests to the GP.
 */
import type {
  CodeableConcept,
  Consent,
  EpisodeOfCare,
  Extension,
  Flag,
  Observation,
  Reference,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import type { ReferralMessage, ReferralStatus } from '../messages/schemas';
import {
  CODES,
  EXTENSIONS,
  PRESENTING_NEED_TERMS,
  PROFILES,
  REFERRAL_SOURCE_DISPLAY,
  REFERRAL_SOURCE_SNOMED,
  SYSTEMS,
} from './codes';
import type { MapContext } from './context';
import { CLOSURE_REASON_DISPLAY, STATUS_REASON_DISPLAY } from './display';
import type { EpisodePart } from './episode-closure';
import { closedParts } from './episode-closure';
import { mapEpisodeOfCare, previousEpisode } from './episode-of-care';
import { bundleReference, recordIdentifier } from './identifiers';
import { mapNationalCodingEntry } from './national-coding';
import { observationBase } from './observation-parts';
import { linkWorkerReference, organisationReference, sourceVersionExtension } from './people';
import { mapReferralTask } from './referral-task';
import { mapConsent } from './consent';
import { mapRecordSections } from './sections';

/**
 * The ServiceRequest status as its requester sees it: open until the service completes it, revoked once it will
 * not be fulfilled (the person declined, or the referral was withdrawn). The service's own stage is the Task's.
 */
export const REFERRAL_STATUS_TO_FHIR: Readonly<Record<ReferralStatus, ServiceRequest['status']>> = {
  received: 'active',
  accepted: 'active',
  'in-progress': 'active',
  completed: 'completed',
  declined: 'revoked',
  withdrawn: 'revoked',
};

export function needConcept(need: ReferralMessage['reasons'][number]): CodeableConcept {
  const display = need.snomed === undefined ? undefined : PRESENTING_NEED_TERMS[need.snomed];
  return {
    ...(need.snomed !== undefined
      ? { coding: [{ system: SYSTEMS.snomed, code: need.snomed, ...(display !== undefined ? { display } : {}) }] }
      : {}),
    ...(need.text !== undefined ? { text: need.text } : {}),
  };
}

/**
 * Why a withdrawn referral was revoked, in the core R4 `request-statusReason` extension (R4 ServiceRequest has no
 * statusReason element). A declined referral carries none here: declining is the person's answer to the service,
 * recorded on the Task and as the national "declined" entry.
 */
export function requestStatusReasonExtension(message: ReferralMessage): Extension | undefined {
  const reason = message.statusReason;
  if (message.status !== 'withdrawn' || reason === undefined) {
    return undefined;
  }
  return {
    url: EXTENSIONS.requestStatusReason,
    valueCodeableConcept: {
      coding: [{ system: SYSTEMS.spStatusReason, code: reason.code, display: STATUS_REASON_DISPLAY[reason.code] }],
      ...(reason.text !== undefined ? { text: reason.text } : {}),
    },
  };
}

/**
 * Who asked for the referral: the referring organisation by its ODS code (so a GP system can tell which practice
 * or service referred), with the professional's name and role in its display; or the person themselves when they
 * referred themselves (R4 allows a Patient as requester), so a self-referral is never shown as anonymous.
 */
function requesterOf(message: ReferralMessage, ctx: MapContext): NonNullable<ServiceRequest['requester']> {
  const referrer = message.referrer;
  if (referrer === undefined) {
    return { ...ctx.patient, display: 'Self-referral' };
  }
  return {
    ...organisationReference(referrer.organisation),
    display: [referrer.name, referrer.role, referrer.organisation.name ?? referrer.organisation.odsCode]
      .filter((part) => part !== undefined)
      .join(', '),
  };
}

export function mapReferralRequest(message: ReferralMessage, ctx: MapContext): ServiceRequest {
  const statusReason = requestStatusReasonExtension(message);
  // A re-referral is a new request, not a replacement of the ended one (that would be `replaces`): the earlier
  // episode is what the new referral is made in the light of, so it is supporting information.
  const previous = previousEpisode(message);
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILES.referral] },
    extension: [
      referralSourceExtension(message.method),
      sourceVersionExtension(message),
      ...(statusReason !== undefined ? [statusReason] : []),
    ],
    identifier: [recordIdentifier(message.source, 'referral')],
    status: REFERRAL_STATUS_TO_FHIR[message.status],
    intent: 'order',
    priority: message.urgency,
    code: { coding: [CODES.linkWorkerReferral], text: CODES.linkWorkerReferral.display },
    subject: ctx.patient,
    ...(message.closure !== undefined
      ? { occurrencePeriod: { start: message.referredAt, end: message.closure.closedAt } }
      : {}),
    authoredOn: message.referredAt,
    requester: requesterOf(message, ctx),
    performer: [organisationReference(message.linkWorker.organisation), linkWorkerReference(message)],
    reasonCode: message.reasons.map(needConcept),
    ...(previous !== undefined
      ? { supportingInfo: [{ ...previous, display: 'Earlier social prescribing episode' }] }
      : {}),
    ...(message.note !== undefined ? { note: [{ text: message.note, time: message.referredAt }] } : {}),
  };
}

/** The closing summary: the link worker's words for the GP, why the episode ended and what happens next. */
export function mapEpisodeSummary(
  message: ReferralMessage,
  ctx: MapContext,
  closure: NonNullable<ReferralMessage['closure']>,
): Observation {
  const request = bundleReference<ServiceRequest>('ServiceRequest', recordIdentifier(message.source, 'referral'));
  return {
    ...observationBase('referral', message, ctx, {
      profile: PROFILES.episodeSummary,
      part: 'closure',
      effective: closure.closedAt,
      basedOn: request,
    }),
    category: [{ coding: [CODES.socialHistory] }],
    code: { coding: [CODES.episodeSummary], text: CODES.episodeSummary.display },
    valueString: closure.summary,
    component: [
      {
        code: { coding: [CODES.closureReason] },
        valueCodeableConcept: {
          coding: [
            { system: SYSTEMS.spClosureReason, code: closure.reason, display: CLOSURE_REASON_DISPLAY[closure.reason] },
          ],
        },
      },
      { code: { coding: [CODES.reReferralOffered] }, valueBoolean: closure.reReferralOffered },
      ...(closure.followUp !== undefined
        ? [{ code: { coding: [CODES.followUp] }, valueString: closure.followUp }]
        : []),
    ],
  };
}

function referenceTo(observation: Observation | undefined): Reference<Observation> | undefined {
  const identifier = observation?.identifier?.[0];
  return identifier === undefined ? undefined : bundleReference<Observation>('Observation', identifier);
}

/** The ServiceRequest first: the worker's older-version guard reads the main resource of a delivery. */
export function mapReferral(
  message: ReferralMessage,
  ctx: MapContext,
): (ServiceRequest | Task | EpisodeOfCare | Observation | Flag | Consent | EpisodePart)[] {
  const coded = mapNationalCodingEntry(message, ctx);
  const summary = message.closure !== undefined ? mapEpisodeSummary(message, ctx, message.closure) : undefined;
  const nationalCoding = referenceTo(coded);
  const episodeSummary = referenceTo(summary);
  const task = mapReferralTask(message, ctx, {
    ...(nationalCoding !== undefined ? { nationalCoding } : {}),
    ...(episodeSummary !== undefined ? { episodeSummary } : {}),
  });
  return [
    mapReferralRequest(message, ctx),
    task,
    mapEpisodeOfCare(message, ctx),
    ...(coded !== undefined ? [coded] : []),
    ...(summary !== undefined ? [summary] : []),
    ...(message.consent !== undefined ? [mapConsent(message, ctx, message.consent)] : []),
    ...mapRecordSections({ kind: 'referral', body: message }, ctx, {
      referral: bundleReference<ServiceRequest>('ServiceRequest', recordIdentifier(message.source, 'referral')),
    }),
    ...closedParts(message, ctx.episodeParts ?? [], ctx.episodeOfCare),
  ];
}

/** Who referred the person, as UK Core's SourceOfServiceRequest: the SNOMED CT concept where one fits, and the project code. */
function referralSourceExtension(method: ReferralMessage['method']): Extension {
  const national = REFERRAL_SOURCE_SNOMED[method];
  const display = REFERRAL_SOURCE_DISPLAY[method] ?? method;
  return {
    url: EXTENSIONS.sourceOfServiceRequest,
    valueCodeableConcept: {
      coding: [
        ...(national !== undefined ? [national] : []),
        { system: SYSTEMS.spReferralSource, code: method, display },
      ],
      text: display,
    },
  };
}
