/**
 * Maps a referral message to the ServiceRequest a GP sees: the national "Referral to social prescribing service"
 * code, the referral's stage, who referred and why; why it was declined or withdrawn; and, when the episode ends,
 * a closing summary Observation the GP can read.
 */
import type { CodeableConcept, Coding, Extension, Observation, ServiceRequest } from '@medplum/fhirtypes';
import type { ReferralMessage, ReferralStatus } from '../messages/schemas';
import { CODES, EXTENSIONS, PRESENTING_NEED_TERMS, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { CLOSURE_REASON_DISPLAY, STATUS_REASON_DISPLAY } from './display';
import { bundleReference, recordIdentifier } from './identifiers';
import { observationBase } from './observation-parts';
import { linkWorkerReference, organisationReference, sourceVersionExtension } from './people';

/**
 * The FHIR request status for each referral stage. Received, accepted and in progress are all still-open
 * requests; the exact stage travels in the referral-status extension so nothing is lost.
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
 * R4's ServiceRequest has no statusReason, so it travels in a project extension. A declined referral also carries
 * the national "Social prescribing declined" situation code, which GP systems report on.
 */
export function statusReasonExtension(message: ReferralMessage): Extension | undefined {
  const reason = message.statusReason;
  if (reason === undefined) {
    return undefined;
  }
  const coding: Coding[] = [
    { system: SYSTEMS.spStatusReason, code: reason.code, display: STATUS_REASON_DISPLAY[reason.code] },
  ];
  if (message.status === 'declined') {
    coding.unshift(CODES.socialPrescribingDeclined);
  }
  return {
    url: EXTENSIONS.statusReason,
    valueCodeableConcept: { coding, ...(reason.text !== undefined ? { text: reason.text } : {}) },
  };
}

/**
 * Who asked for the referral: the referring professional by name, role and organisation, or the person themselves
 * when they referred themselves (R4 allows a Patient as requester), so a self-referral is never shown as anonymous.
 */
function requesterOf(message: ReferralMessage, ctx: MapContext): NonNullable<ServiceRequest['requester']> {
  const referrer = message.referrer;
  if (referrer === undefined) {
    return { ...ctx.patient, display: 'Self-referral' };
  }
  return {
    display: [referrer.name, referrer.role, referrer.organisation.name ?? referrer.organisation.odsCode]
      .filter((part) => part !== undefined)
      .join(', '),
  };
}

export function mapReferralRequest(message: ReferralMessage, ctx: MapContext): ServiceRequest {
  const statusReason = statusReasonExtension(message);
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILES.referral] },
    extension: [
      { url: EXTENSIONS.referralStatus, valueCode: message.status },
      { url: EXTENSIONS.referralSource, valueCoding: { system: SYSTEMS.spReferralSource, code: message.method } },
      sourceVersionExtension(message),
      ...(statusReason !== undefined ? [statusReason] : []),
    ],
    identifier: [recordIdentifier(message.source, 'referral')],
    status: REFERRAL_STATUS_TO_FHIR[message.status],
    intent: 'order',
    priority: message.urgency,
    code: { coding: [CODES.socialPrescribingReferral], text: CODES.socialPrescribingReferral.display },
    subject: ctx.patient,
    ...(message.closure !== undefined
      ? { occurrencePeriod: { start: message.referredAt, end: message.closure.closedAt } }
      : {}),
    authoredOn: message.referredAt,
    requester: requesterOf(message, ctx),
    performer: [organisationReference(message.linkWorker.organisation), linkWorkerReference(message)],
    reasonCode: message.reasons.map(needConcept),
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

export function mapReferral(message: ReferralMessage, ctx: MapContext): (ServiceRequest | Observation)[] {
  const resources: (ServiceRequest | Observation)[] = [mapReferralRequest(message, ctx)];
  if (message.closure !== undefined) {
    resources.push(mapEpisodeSummary(message, ctx, message.closure));
  }
  return resources;
}
