// The search a closing referral makes for its episode's parts: only a referral that ends its episode searches, each
// part type by the patient, and a refused search stops the attempt with the EHR's answer rather than closing half.
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

/** An EHR that answers each search from `answers` by resource type and remembers what was asked. */
function ehr(answers: Readonly<Record<string, FhirResponse>>): FhirRequests & { searches: string[] } {
  const searches: string[] = [];
  const client: FhirRequests & { searches: string[] } = {
    searches,
    withRequestId: () => client,
    search: (resourceType, query) => {
      searches.push(`${resourceType}?${new URLSearchParams(query).toString()}`);
      return Promise.resolve(answers[resourceType] ?? answer(500));
    },
    transaction: () => Promise.reject(new Error('no transaction is sent by the search')),
  };
  return client;
}

function answer(status: number, body?: Bundle): FhirResponse {
  return { status, body, headers: new Headers(), latencyMs: 1, afterTokenRefresh: false };
}

const page = (...types: string[]): FhirResponse => ({
  ...answer(200),
  body: {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: types.map((resourceType, i) => ({ resource: { resourceType, id: `${resourceType}-${String(i)}` } })),
  },
});

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
