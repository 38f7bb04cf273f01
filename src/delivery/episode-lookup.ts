/**
 * Finds the EHR's own reference to a referral's EpisodeOfCare, for a referral that ends its episode: the parts the
 * episode's records wrote name it by the id the server gave it (their conditional references were resolved when
 * they were written), so only that id tells which of the patient's goals, plans and connections are this episode's.
 */
import type { Bundle, EpisodeOfCare, Reference } from '@medplum/fhirtypes';
import { identifierToken } from '../mapping/identifiers';
import { episodeIdentifier } from '../mapping/episode-of-care';
import type { InboundMessage } from '../messages/schemas';
import { classifyStatus } from './classify';
import type { FhirRequests, FhirResponse } from './fhir-client';

export type EpisodeLookup =
  { readonly episode: Reference<EpisodeOfCare> | undefined } | { readonly failed: FhirResponse; readonly what: string };

export async function findEpisodeOfCare(client: FhirRequests, message: InboundMessage): Promise<EpisodeLookup> {
  const identifier = episodeIdentifier(message.body.source.system, message.body.source.recordId);
  const response = await client.search('EpisodeOfCare', { identifier: identifierToken(identifier) });
  if (classifyStatus(response.status) !== 'ok') {
    return { failed: response, what: "EpisodeOfCare search for the episode's own id" };
  }
  const found = (response.body as Bundle | undefined)?.entry?.find(
    (entry) => entry.resource?.resourceType === 'EpisodeOfCare' && entry.resource.id !== undefined,
  )?.resource;
  return {
    episode: found?.id === undefined ? undefined : { reference: `EpisodeOfCare/${found.id}`, type: 'EpisodeOfCare' },
  };
}
