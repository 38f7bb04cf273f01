/**
 * Maps a referral message to the ServiceRequest a GP sees: the national "Referral to social prescribing service"
 * code, the referral's stage, who referred and why.
 */
import type { CodeableConcept, ServiceRequest } from '@medplum/fhirtypes';
import type { ReferralMessage, ReferralStatus } from '../messages/schemas';
import { CODES, EXTENSIONS, PRESENTING_NEED_TERMS, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { recordIdentifier } from './identifiers';
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

function reasonConcept(reason: ReferralMessage['reasons'][number]): CodeableConcept {
  const display = reason.snomed === undefined ? undefined : PRESENTING_NEED_TERMS[reason.snomed];
  return {
    ...(reason.snomed !== undefined
      ? { coding: [{ system: SYSTEMS.snomed, code: reason.snomed, ...(display !== undefined ? { display } : {}) }] }
      : {}),
    ...(reason.text !== undefined ? { text: reason.text } : {}),
  };
}

export function mapReferral(message: ReferralMessage, ctx: MapContext): ServiceRequest {
  const referrer = message.referrer;
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILES.referral] },
    extension: [
      { url: EXTENSIONS.referralStatus, valueCode: message.status },
      { url: EXTENSIONS.referralSource, valueCoding: { system: SYSTEMS.spReferralSource, code: message.method } },
      sourceVersionExtension(message),
    ],
    identifier: [recordIdentifier(message.source, 'referral')],
    status: REFERRAL_STATUS_TO_FHIR[message.status],
    intent: 'order',
    priority: message.urgency,
    code: { coding: [CODES.socialPrescribingReferral], text: CODES.socialPrescribingReferral.display },
    subject: ctx.patient,
    authoredOn: message.referredAt,
    requester: {
      display: [referrer.name, referrer.role, referrer.organisation.name ?? referrer.organisation.odsCode]
        .filter((part) => part !== undefined)
        .join(', '),
    },
    performer: [organisationReference(message.linkWorker.organisation), linkWorkerReference(message)],
    reasonCode: message.reasons.map(reasonConcept),
    ...(message.note !== undefined ? { note: [{ text: message.note, time: message.referredAt }] } : {}),
  };
}
