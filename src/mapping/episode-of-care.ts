/**
 * The social prescribing episode as an EpisodeOfCare: the link-worker service's responsibility for the person from
 * referral to closure, which contacts, plans, goals and observations point to. Its id is derived from the referral's
 * source identity, so every record of the episode can name it literally without asking the EHR, and a re-referral's
 * episode can name the earlier one.
 */
import type { EpisodeOfCare, Extension, Reference, ServiceRequest } from '@medplum/fhirtypes';
import { nameBasedUuid } from '../lib/name-uuid';
import type { InboundMessage, ReferralMessage, ReferralStatus } from '../messages/schemas';
import { CODES, EXTENSIONS, PROFILES } from './codes';
import type { MapContext } from './context';
import { bundleReference, recordIdentifier } from './identifiers';
import { linkWorkerReference, organisationReference, sourceVersionExtension } from './people';

/**
 * Each referral stage as an episode status: planned until the person accepts, active while the service works with
 * them, finished when it completes, cancelled when the person declines or the referral is withdrawn (R4: "services
 * terminated outside the planned/expected workflow").
 */
export const REFERRAL_STATUS_TO_EPISODE: Readonly<Record<ReferralStatus, EpisodeOfCare['status']>> = {
  received: 'planned',
  accepted: 'active',
  'in-progress': 'active',
  completed: 'finished',
  declined: 'cancelled',
  withdrawn: 'cancelled',
};

/** The EpisodeOfCare id of the referral `referralId` from source system `system` (the same on every delivery). */
export function episodeOfCareId(system: string, referralId: string): string {
  return nameBasedUuid(`episode-of-care\n${system}\n${referralId}`);
}

export function episodeReference(system: string, referralId: string): Reference<EpisodeOfCare> {
  return { reference: `EpisodeOfCare/${episodeOfCareId(system, referralId)}`, type: 'EpisodeOfCare' };
}

/** The episode a record belongs to: a referral's own, or the one of the referral a follow-up record names. */
export function episodeOf(body: InboundMessage['body']): Reference<EpisodeOfCare> {
  return episodeReference(body.source.system, 'referralId' in body ? body.referralId : body.source.recordId);
}

/** The core workflow-episodeOfCare extension, for resources R4 gives no element naming their episode. */
export function episodeExtension(body: InboundMessage['body']): Extension {
  return { url: EXTENSIONS.workflowEpisodeOfCare, valueReference: episodeOf(body) };
}

/** The earlier episode a re-referral follows, when it names one. */
export function previousEpisode(message: ReferralMessage): Reference<EpisodeOfCare> | undefined {
  return message.previousReferralId === undefined
    ? undefined
    : episodeReference(message.source.system, message.previousReferralId);
}

/** When the episode ended: at closure, or when the person declined. */
function endOf(message: ReferralMessage): string | undefined {
  if (message.closure !== undefined) {
    return message.closure.closedAt;
  }
  return message.status === 'declined' ? message.respondedAt : undefined;
}

export function mapEpisodeOfCare(message: ReferralMessage, ctx: MapContext): EpisodeOfCare {
  const previous = previousEpisode(message);
  const end = endOf(message);
  return {
    resourceType: 'EpisodeOfCare',
    id: episodeOfCareId(message.source.system, message.source.recordId),
    meta: { profile: [PROFILES.episodeOfCare] },
    extension: [
      sourceVersionExtension(message),
      ...(previous !== undefined ? [{ url: EXTENSIONS.previousEpisode, valueReference: previous }] : []),
    ],
    identifier: [recordIdentifier(message.source, 'referral', 'episode')],
    status: REFERRAL_STATUS_TO_EPISODE[message.status],
    type: [{ coding: [CODES.socialPrescribingEpisode], text: CODES.socialPrescribingEpisode.display }],
    patient: ctx.patient,
    managingOrganization: organisationReference(message.linkWorker.organisation),
    period: { start: message.referredAt, ...(end !== undefined ? { end } : {}) },
    referralRequest: [bundleReference<ServiceRequest>('ServiceRequest', recordIdentifier(message.source, 'referral'))],
    careManager: linkWorkerReference(message),
  };
}
