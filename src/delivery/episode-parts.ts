/**
 * Finds, for a referral that ends its episode, the goals, care and support plans and connections the EHR holds for
 * the patient, so the mapping can close those of this episode that are still open. Searched by patient, because R4
 * defines no search parameter for the episode links these resources carry; the mapping picks out the episode's own.
 */
import type { Bundle, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { EPISODE_PART_PROFILES, episodeEnd } from '../mapping/episode-closure';
import type { InboundMessage } from '../messages/schemas';
import { classifyStatus } from './classify';
import type { FhirRequests, FhirResponse } from './fhir-client';

/** More parts than one page holds are not expected for one person; the page is generous rather than followed. */
export const EPISODE_PARTS_PAGE = '200';

export type EpisodePartsLookup =
  { readonly parts: readonly Resource[] } | { readonly failed: FhirResponse; readonly what: string };

/** Nothing to look for unless the message is a referral whose episode ends with it. */
export function needsEpisodeParts(message: InboundMessage): boolean {
  return message.kind === 'referral' && episodeEnd(message.body) !== undefined;
}

export async function findEpisodeParts(client: FhirRequests, patient: Reference<Patient>): Promise<EpisodePartsLookup> {
  const parts: Resource[] = [];
  for (const resourceType of Object.keys(EPISODE_PART_PROFILES)) {
    const response = await client.search(resourceType, {
      subject: patient.reference ?? '',
      _count: EPISODE_PARTS_PAGE,
    });
    if (classifyStatus(response.status) !== 'ok') {
      return { failed: response, what: `${resourceType} search for the episode's open parts` };
    }
    for (const entry of (response.body as Bundle | undefined)?.entry ?? []) {
      if (entry.resource !== undefined) {
        parts.push(entry.resource);
      }
    }
  }
  return { parts };
}
