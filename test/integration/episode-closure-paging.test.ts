/**
 * Closing an episode whose parts fill more than one search page, through the running adapter into the sandbox EHR
 * (which pages its searches by `_count` with `next` links): with a small page size every open goal is closed, and
 * past the endpoint's page bound the closure fails with a reason and writes nothing, rather than close only some.
 * The client follows only links under the endpoint's base URL.
 */
import type { Bundle, Goal, ServiceRequest } from '@medplum/fhirtypes';
import { FhirClient } from '../../src/delivery/fhir-client';
import { INGEST_PATHS } from '../../src/http/routes/ingest';
import type { TestAdapter } from '../support/adapter';
import { FAST_RETRY, postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { goalDoc, journeyBody, uniqueId } from '../support/fixtures';

const SYSTEM = 'https://casebook.example.org';
const GOALS = 5;

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'episode-closure-paging',
    config: {
      endpoints: [
        // Five goals are three pages of two: read to the end here, one page too many for the bounded endpoint.
        { id: 'paged', baseUrl: 'sandbox', practices: ['A81001'], retry: FAST_RETRY, episodeParts: { pageSize: 2 } },
        {
          id: 'bounded',
          baseUrl: 'sandbox',
          practices: ['A81002'],
          retry: FAST_RETRY,
          episodeParts: { pageSize: 2, maxPages: 2 },
        },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  await adapter.close();
});

async function deliver(kind: keyof typeof INGEST_PATHS, body: unknown): Promise<Record<string, unknown>> {
  const response = await postJson(`${adapter.apiUrl}${INGEST_PATHS[kind]}`, body);
  expect(response.status).toBe(202);
  return waitForStatus(adapter.apiUrl, String(response.body.messageId), ['delivered', 'failed'], 30_000);
}

async function search<T>(query: string): Promise<T[]> {
  const response = await fetch(`${adapter.sandbox?.baseUrl ?? ''}/${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as Bundle).entry?.map((entry) => entry.resource as T) ?? [];
}

async function byIdentifier<T>(type: string, value: string): Promise<T | undefined> {
  const [found] = await search<T>(`${type}?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`);
  return found;
}

/** An episode in progress for the patient at the practice, with GOALS active goals, and its closing version. */
async function episodeWithGoals(
  nhsNumber: string,
  practice: string,
): Promise<{ referralId: string; goalIds: string[]; closure: Record<string, unknown> }> {
  const referralId = uniqueId('REF');
  const common = { patient: { nhsNumber }, gpPractice: { odsCode: practice } };
  const opening = journeyBody('d-re-referral/01-referral.json') as { source: Record<string, unknown> };
  const referral = { ...opening, ...common, source: { ...opening.source, recordId: referralId } };
  expect((await deliver('referral', referral)).status).toBe('delivered');
  const goalIds: string[] = [];
  for (let i = 0; i < GOALS; i++) {
    const goal = goalDoc(referralId, { ...common, agreedAt: '2026-10-10T10:00:00Z' });
    expect((await deliver('goal', goal)).status).toBe('delivered');
    goalIds.push(goal.source.recordId);
  }
  const closing = journeyBody('d-re-referral/05-closure.json') as { source: Record<string, unknown> };
  return {
    referralId,
    goalIds,
    closure: { ...closing, ...common, source: { ...closing.source, recordId: referralId } },
  };
}

test('every open goal of the episode is closed when they fill more than one page', async () => {
  const episode = await episodeWithGoals('9990000018', 'A81001');
  const closed = await deliver('referral', episode.closure);
  expect({ status: closed.status, error: closed.lastError }).toEqual({ status: 'delivered', error: undefined });
  for (const goalId of episode.goalIds) {
    const goal = await byIdentifier<Goal>('Goal', `goal/${goalId}`);
    expect({ goalId, status: goal?.lifecycleStatus }).toEqual({ goalId, status: 'completed' });
  }
});

test('more pages than the endpoint reads fail the closure with the reason, and nothing is written', async () => {
  const episode = await episodeWithGoals('9990013713', 'A81002');
  const failed = await deliver('referral', episode.closure);
  expect(failed.status).toBe('failed');
  expect(String(failed.lastError)).toContain('more than 2 pages of 2');
  expect(String(failed.lastError)).toContain('episodeParts.maxPages');
  const referral = await byIdentifier<ServiceRequest>('ServiceRequest', `referral/${episode.referralId}`);
  expect(referral?.status).toBe('active');
  for (const goalId of episode.goalIds) {
    const goal = await byIdentifier<Goal>('Goal', `goal/${goalId}`);
    expect({ goalId, status: goal?.lifecycleStatus }).toEqual({ goalId, status: 'active' });
  }
});

test("the client follows the EHR's next link under its base URL and refuses one elsewhere", async () => {
  const baseUrl = adapter.sandbox?.baseUrl ?? '';
  const client = new FhirClient({ baseUrl, auth: { type: 'none' }, timeoutMs: 5000 });
  const first = await client.search('Patient', { _count: '1' });
  const next = (first.body as Bundle).link?.find((link) => link.relation === 'next')?.url;
  expect(next?.startsWith(`${baseUrl}/Patient?`)).toBe(true);
  const second = await client.page(next ?? '');
  expect(second?.status).toBe(200);
  expect((second?.body as Bundle).entry?.[0]?.resource?.id).not.toBe((first.body as Bundle).entry?.[0]?.resource?.id);
  expect(await client.page(`https://elsewhere.example.org/fhir/Patient?_count=1&_offset=1`)).toBeUndefined();
});
