/**
 * The social prescribing episode as an EpisodeOfCare: the link-worker service's responsibility for the person from
 * referral to closure, which contacts, plans, goals and observations point to. It is written, like everything else,
 * conditionally on its business identifier (derived from the referral's source identity): the referral's own
 * transaction names it by its fullUrl, and every later record (and a re-referral's episode) by a conditional
 * reference the server resolves, so no record needs to know the id the server gave it.
 */
import type { EpisodeOfCare, Extension, Identifier, Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { InboundMessage, ReferralMessage, ReferralStatus } from '../messages/schemas';
import { CODES, EXTENSIONS, PROFILES } from './codes';
import type { MapContext } from './context';
import { bundleReference, conditionalReference, recordIdentifier, sourceIdentifier } from './identifiers';
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

/** The business identifier of the episode of referral `referralId` from source system `system`. */
export function episodeIdentifier(system: string, referralId: string): Identifier {
  return sourceIdentifier(system, 'referral', referralId, 'episode');
}

/** The episode of a referral written by an earlier message: a conditional reference the server resolves. */
export function episodeReference(system: string, referralId: string): Reference<EpisodeOfCare> {
  return conditionalReference<EpisodeOfCare>('EpisodeOfCare', episodeIdentifier(system, referralId));
}

/**
 * The episode a record belongs to: a referral's own, which its transaction writes (named by its fullUrl), or the
 * one of the referral a follow-up record names, written by an earlier message.
 */
export function episodeOf(body: InboundMessage['body']): Reference<EpisodeOfCare> {
  if ('referralId' in body) {
    return episodeReference(body.source.system, body.referralId);
  }
  return bundleReference<EpisodeOfCare>('EpisodeOfCare', episodeIdentifier(body.source.system, body.source.recordId));
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
    meta: { profile: [PROFILES.episodeOfCare] },
    extension: [
      sourceVersionExtension(message),
      ...(previous !== undefined ? [{ url: EXTENSIONS.previousEpisode, valueReference: previous }] : []),
    ],
    identifier: [episodeIdentifier(message.source.system, message.source.recordId)],
    status: REFERRAL_STATUS_TO_EPISODE[message.status],
    type: [{ coding: [CODES.socialPrescribingEpisode], text: CODES.socialPrescribingEpisode.display }],
    patient: ctx.patient,
    managingOrganization: organisationReference(message.linkWorker.organisation),
    period: { start: message.referredAt, ...(end !== undefined ? { end } : {}) },
    referralRequest: [bundleReference<ServiceRequest>('ServiceRequest', recordIdentifier(message.source, 'referral'))],
    careManager: linkWorkerReference(message),
  };
}
