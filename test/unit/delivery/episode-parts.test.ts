// The search a closing referral makes for its episode's parts: only a referral that ends its episode searches, each
// part type by the patient, following the EHR's next links up to the bound; a refused page stops the attempt with
// the EHR's answer, and a search that cannot be read to its end says so, rather than closing half.
import type { Bundle } from '@medplum/fhirtypes';
import { findEpisodeParts, needsEpisodeParts } from '../../../src/delivery/episode-parts';
import type { FhirRequests, FhirResponse } from '../../../src/delivery/fhir-client';
import { validateInbound } from '../../../src/messages/validate';
import type { InboundMessage, MessageKind } from '../../../src/messages/schemas';
import { journeyBody } from '../../support/fixtures';

const NOW = new Date('2026-11-20T12:00:00Z');

function message(kind: MessageKind, file: string, changes: Record<string, unknown> = {}): InboundMessage {
  const result = validateInbound(kind, { ...(journeyBody(file) as Record<string, unknown>), ...changes }, NOW);
  if (!result.ok) {
    throw new Error(JSON.stringify(result.issues));
  }
  return result.message;
}

const BASE = 'https://ehr.example.org/fhir';

/**
 * An EHR that answers each search from `answers` by resource type and each followed link from `links`, and
 * remembers what was asked; a link outside BASE is refused as the real client refuses it.
 */
function ehr(
  answers: Readonly<Record<string, FhirResponse>>,
  links: Readonly<Record<string, FhirResponse>> = {},
): FhirRequests & { searches: string[] } {
  const searches: string[] = [];
  const client: FhirRequests & { searches: string[] } = {
    searches,
    withRequestId: () => client,
    search: (resourceType, query) => {
      searches.push(`${resourceType}?${new URLSearchParams(query).toString()}`);
      return Promise.resolve(answers[resourceType] ?? answer(500));
    },
    page: (link) => {
      searches.push(link);
      return Promise.resolve(link.startsWith(`${BASE}/`) ? (links[link] ?? answer(500)) : undefined);
    },
    transaction: () => Promise.reject(new Error('no transaction is sent by the search')),
  };
  return client;
}

function answer(status: number, body?: Bundle): FhirResponse {
  return { status, body, headers: new Headers(), latencyMs: 1, afterTokenRefresh: false };
}

const page = (...types: string[]): FhirResponse => linkedPage(undefined, ...types);

/** A searchset page of the given types whose `next` link is `next` (none when undefined). */
function linkedPage(next: string | undefined, ...types: string[]): FhirResponse {
  return {
    ...answer(200),
    body: {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(next !== undefined ? { link: [{ relation: 'next', url: next }] } : {}),
      entry: types.map((resourceType, i) => ({ resource: { resourceType, id: `${resourceType}-${String(i)}` } })),
    },
  };
}

test('only a referral that ends its episode, and is not a retraction, looks for its parts', () => {
  expect(needsEpisodeParts(message('referral', 'd-re-referral/05-closure.json'))).toBe(true);
  expect(needsEpisodeParts(message('referral', 'd-re-referral/01-referral.json'))).toBe(false);
  expect(needsEpisodeParts(message('referral', 'd-re-referral/05-closure.json', { enteredInError: true }))).toBe(false);
  expect(needsEpisodeParts(message('support-plan', 'd-re-referral/02-support-plan.json'))).toBe(false);
});

test("searches the patient's goals, plans and requests and returns what was found", async () => {
  const client = ehr({ Goal: page('Goal', 'Goal'), CarePlan: page('CarePlan'), ServiceRequest: page() });
  const found = await findEpisodeParts(client, { reference: 'Patient/p-1' });
  expect('parts' in found ? found.parts.map((r) => r.id) : found).toEqual(['Goal-0', 'Goal-1', 'CarePlan-0']);
  expect(client.searches).toEqual([
    'Goal?subject=Patient%2Fp-1&_count=200',
    'CarePlan?subject=Patient%2Fp-1&_count=200',
    'ServiceRequest?subject=Patient%2Fp-1&_count=200',
  ]);
});

test('a refused search is the answer, and nothing further is searched', async () => {
  const refused = answer(429);
  const client = ehr({ Goal: page('Goal'), CarePlan: refused });
  const found = await findEpisodeParts(client, { reference: 'Patient/p-1' });
  expect('failed' in found ? [found.failed.status, found.what] : found).toEqual([
    429,
    "CarePlan search for the episode's open parts",
  ]);
  expect(client.searches).toHaveLength(2);
});

test('follows each next link to the last page, with the page size asked for', async () => {
  const second = `${BASE}/Goal?subject=Patient%2Fp-1&_count=2&_offset=2`;
  const third = `${BASE}/Goal?subject=Patient%2Fp-1&_count=2&_offset=4`;
  const client = ehr(
    { Goal: linkedPage(second, 'Goal', 'Goal'), CarePlan: page('CarePlan'), ServiceRequest: page() },
    { [second]: linkedPage(third, 'Goal', 'Goal'), [third]: page('Goal') },
  );
  const found = await findEpisodeParts(client, { reference: 'Patient/p-1' }, { pageSize: 2, maxPages: 3 });
  expect('parts' in found ? found.parts.map((r) => r.resourceType) : found).toEqual([
    'Goal',
    'Goal',
    'Goal',
    'Goal',
    'Goal',
    'CarePlan',
  ]);
  expect(client.searches).toEqual([
    'Goal?subject=Patient%2Fp-1&_count=2',
    second,
    third,
    'CarePlan?subject=Patient%2Fp-1&_count=2',
    'ServiceRequest?subject=Patient%2Fp-1&_count=2',
  ]);
});

test('more pages than the bound is an unfinished search naming the bound, not the parts found so far', async () => {
  const second = `${BASE}/Goal?page=2`;
  const client = ehr({ Goal: linkedPage(second, 'Goal') }, { [second]: linkedPage(`${BASE}/Goal?page=3`, 'Goal') });
  const found = await findEpisodeParts(client, { reference: 'Patient/p-1' }, { pageSize: 1, maxPages: 2 });
  expect('unfinished' in found ? found.unfinished : found).toMatch(
    /^Goal search for the episode's open parts: the EHR has more than 2 pages of 1 .*episodeParts\.maxPages/,
  );
  expect(client.searches).toEqual(['Goal?subject=Patient%2Fp-1&_count=1', second]);
});

test('a refused later page is the answer, as a refused first page is', async () => {
  const second = `${BASE}/Goal?page=2`;
  const client = ehr({ Goal: linkedPage(second, 'Goal') }, { [second]: answer(503) });
  const found = await findEpisodeParts(client, { reference: 'Patient/p-1' });
  expect('failed' in found ? [found.failed.status, found.what] : found).toEqual([
    503,
    "Goal search for the episode's open parts",
  ]);
});

test('a next link outside the endpoint is not followed and the search is unfinished', async () => {
  const client = ehr({ Goal: linkedPage('https://elsewhere.example.org/fhir/Goal?page=2', 'Goal') });
  const found = await findEpisodeParts(client, { reference: 'Patient/p-1' });
  expect('unfinished' in found ? found.unfinished : found).toMatch(/not under the endpoint's base URL/);
});
