/**
 * Finds, for a referral that ends its episode, the goals, care and support plans and connections the EHR holds for
 * the patient, so the mapping can close those of this episode that are still open. Searched by patient, because R4
 * defines no search parameter for the episode links these resources carry; the mapping picks out the episode's own.
 * Every page of each search is read (the searchset's `next` links, up to a bound), since a part left unread would
 * be left open.
 */
import type { Bundle, Patient, Reference, Resource } from '@medplum/fhirtypes';
import { EPISODE_PART_PROFILES, episodeEnd } from '../mapping/episode-closure';
import type { InboundMessage } from '../messages/schemas';
import { classifyStatus } from './classify';
import type { FhirRequests, FhirResponse } from './fhir-client';

/** The page size of each search and the most pages read per resource type (the endpoint's `episodeParts`). */
export interface EpisodePartsPaging {
  readonly pageSize: number;
  readonly maxPages: number;
}

/** The defaults of the endpoint setting: 2,000 parts of each type for one person is far beyond any real episode. */
export const EPISODE_PARTS_PAGING: EpisodePartsPaging = { pageSize: 200, maxPages: 10 };

export type EpisodePartsLookup =
  | { readonly parts: readonly Resource[] }
  /** The EHR refused a page: its answer decides between a retry and a failure. */
  | { readonly failed: FhirResponse; readonly what: string }
  /** The search could not be read to its end (too many pages, a link elsewhere): nothing may be written. */
  | { readonly unfinished: string };

/** Nothing to look for unless the message is a referral whose episode ends with it. */
export function needsEpisodeParts(message: InboundMessage): boolean {
  return message.kind === 'referral' && episodeEnd(message.body) !== undefined;
}

function nextLink(bundle: Bundle | undefined): string | undefined {
  return bundle?.link?.find((link) => link.relation === 'next')?.url;
}

/** Every page of one resource type's search, or why it could not be read to its end. */
async function searchAllPages(
  client: FhirRequests,
  resourceType: string,
  patient: Reference<Patient>,
  paging: EpisodePartsPaging,
): Promise<{ readonly parts: readonly Resource[] } | Exclude<EpisodePartsLookup, { parts: unknown }>> {
  const what = `${resourceType} search for the episode's open parts`;
  const parts: Resource[] = [];
  let response: FhirResponse | undefined = await client.search(resourceType, {
    subject: patient.reference ?? '',
    _count: String(paging.pageSize),
  });
  for (let page = 1; ; page++) {
    if (classifyStatus(response.status) !== 'ok') {
      return { failed: response, what };
    }
    const bundle = response.body as Bundle | undefined;
    for (const entry of bundle?.entry ?? []) {
      // Resources a server adds with _include are not matches; this search asks for none, but a server may add them.
      if (entry.resource !== undefined && entry.search?.mode !== 'include') {
        parts.push(entry.resource);
      }
    }
    const next = nextLink(bundle);
    if (next === undefined) {
      return { parts };
    }
    if (page >= paging.maxPages) {
      return {
        unfinished: `${what}: the EHR has more than ${String(paging.maxPages)} pages of ${String(paging.pageSize)} for the patient, so the episode could not be closed and nothing was written; raise the endpoint's episodeParts.maxPages (or pageSize) and replay`,
      };
    }
    response = await client.page(next);
    if (response === undefined) {
      return {
        unfinished: `${what}: the EHR's next page link is not under the endpoint's base URL and was not followed, so the episode could not be closed and nothing was written`,
      };
    }
  }
}

export async function findEpisodeParts(
  client: FhirRequests,
  patient: Reference<Patient>,
  paging: EpisodePartsPaging = EPISODE_PARTS_PAGING,
): Promise<EpisodePartsLookup> {
  const parts: Resource[] = [];
  for (const resourceType of Object.keys(EPISODE_PART_PROFILES)) {
    const found = await searchAllPages(client, resourceType, patient, paging);
    if (!('parts' in found)) {
      return found;
    }
    parts.push(...found.parts);
  }
  return { parts };
}
