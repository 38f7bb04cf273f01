/**
 * The national social prescribing coded entries NHS England asks GP practices to record: "Referral to social
 * prescribing service" once the person accepts, "Social prescribing declined" when they decline. Each is its own
 * Observation, so a practice search or count on the code finds it, and its identifier comes from the referral, so
 * every later version of the referral rewrites the same entry instead of adding another.
 */
import type { Coding, Observation, ServiceRequest } from '@medplum/fhirtypes';
import type { ReferralMessage, ReferralStatus } from '../messages/schemas';
import { CODES, PROFILES } from './codes';
import type { MapContext } from './context';
import { bundleReference, recordIdentifier } from './identifiers';
import { observationBase } from './observation-parts';

/** Which national entry a referral stage implies: accepted once the person has said yes, declined on a no. */
export type NationalCodingPart = 'accepted' | 'declined';

const STAGE_TO_ENTRY: Readonly<Record<ReferralStatus, NationalCodingPart | undefined>> = {
  received: undefined,
  accepted: 'accepted',
  'in-progress': 'accepted',
  completed: 'accepted',
  declined: 'declined',
  // A withdrawal writes nothing new: an accepted entry written earlier stays true (the person did accept).
  withdrawn: undefined,
};

const ENTRY_CODE: Readonly<Record<NationalCodingPart, Coding>> = {
  accepted: CODES.socialPrescribingReferral,
  declined: CODES.socialPrescribingDeclined,
};

export function nationalCodingPart(status: ReferralStatus): NationalCodingPart | undefined {
  return STAGE_TO_ENTRY[status];
}

/** The entry a referral version implies, or none while the person has not answered (or after a withdrawal). */
export function mapNationalCodingEntry(message: ReferralMessage, ctx: MapContext): Observation | undefined {
  const part = nationalCodingPart(message.status);
  if (part === undefined) {
    return undefined;
  }
  const coding = ENTRY_CODE[part];
  return {
    ...observationBase('referral', message, ctx, {
      profile: PROFILES.nationalCoding,
      part,
      // The same date on every version, so rewriting the entry never moves it in the practice's counts.
      effective: message.respondedAt ?? message.referredAt,
      basedOn: bundleReference<ServiceRequest>('ServiceRequest', recordIdentifier(message.source, 'referral')),
    }),
    code: { coding: [coding], text: coding.display },
  };
}
