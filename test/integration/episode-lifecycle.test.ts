/**
 * Journey d through the running adapter into the sandbox EHR: what the GP record holds afterwards. A newer plan's
 * dropped need and goal are entered-in-error, the closure closed the episode's open plan and goal, the re-referral's
 * episode names the earlier one, the retracted contact and its observations are entered-in-error, and the ledger's
 * delivered entry names what was retracted. A newer version of a retracted record is refused at the door.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, EpisodeOfCare, Resource } from '@medplum/fhirtypes';
import { INGEST_PATHS } from '../../src/http/routes/ingest';
import { EXTENSIONS } from '../../src/mapping/codes';
import type { MessageKind } from '../../src/messages/schemas';
import type { TestAdapter } from '../support/adapter';
import { getJson, postJson, startTestAdapter, waitForStatus } from '../support/adapter';

const JOURNEY = path.join(__dirname, '..', 'fixtures', 'journeys', 'd-re-referral');
const SYSTEM = 'https://casebook.example.org';

let adapter: TestAdapter;
const messageIds = new Map<string, string>();

function document(file: string): { kind: MessageKind; body: Record<string, unknown> } {
  return JSON.parse(readFileSync(path.join(JOURNEY, file), 'utf8')) as {
    kind: MessageKind;
    body: Record<string, unknown>;
  };
}

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'episode-lifecycle' });
  for (const file of readdirSync(JOURNEY)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.fhir.json'))
    .sort()) {
    const doc = document(file);
    const response = await postJson(`${adapter.apiUrl}${INGEST_PATHS[doc.kind]}`, doc.body);
    expect({ file, status: response.status }).toEqual({ file, status: 202 });
    const id = String(response.body.messageId);
    const status = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed']);
    expect({ file, status: status.status, error: status.lastError }).toEqual({
      file,
      status: 'delivered',
      error: undefined,
    });
    messageIds.set(file, id);
  }
}, 120_000);

afterAll(async () => {
  await adapter.close();
});

async function fhir<T extends Resource>(query: string): Promise<T[]> {
  const response = await fetch(`${adapter.sandbox?.baseUrl ?? ''}/${query}`);
  expect(response.status).toBe(200);
  return (((await response.json()) as Bundle<T>).entry ?? []).flatMap((e) =>
    e.resource !== undefined ? [e.resource] : [],
  );
}

async function byIdentifier<T extends Resource>(type: string, value: string): Promise<T> {
  const [found] = await fhir<T>(`${type}?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`);
  if (found === undefined) {
    throw new Error(`no ${type} ${value} in the EHR`);
  }
  return found;
}

function statusOf(resource: Resource): unknown {
  return resource.resourceType === 'Goal' ? resource.lifecycleStatus : (resource as { status?: unknown }).status;
}

test('a newer plan retracts the need and goal it dropped, and the ledger says so', async () => {
  expect(statusOf(await byIdentifier('Observation', 'support-plan/JD-PLAN/need/exercise'))).toBe('entered-in-error');
  expect(statusOf(await byIdentifier('Goal', 'goal/JD-GOAL-2'))).toBe('entered-in-error');
  expect(statusOf(await byIdentifier('Observation', 'support-plan/JD-PLAN/need/lonely'))).toBe('final');
  const { body } = await getJson(`${adapter.apiUrl}/v1/audit/messages/${messageIds.get('04-support-plan.json') ?? ''}`);
  const delivered = (body.timeline as { type: string; retracted?: string }[]).find((e) => e.type === 'delivered');
  expect(delivered?.retracted?.split(' ').map((r) => r.split('/')[0])).toEqual(['Observation', 'Goal']);
});

test("the closure closed the episode's open plan and goal, and left the attended connection as it was", async () => {
  const plan = await byIdentifier('CarePlan', 'support-plan/JD-PLAN');
  expect(plan).toMatchObject({ status: 'completed', period: { end: '2026-10-28T08:30:00Z' } });
  expect(statusOf(await byIdentifier('Goal', 'goal/JD-GOAL-1'))).toBe('completed');
  expect(statusOf(await byIdentifier('ServiceRequest', 'connection/JD-CONN-1'))).toBe('completed');
});

test('the re-referral has its own episode, which names the earlier, finished one', async () => {
  // Written conditionally on its identifier: the EHR chose its id, and the re-referral's link was resolved to it.
  const read = async (referralId: string): Promise<Record<string, unknown>> =>
    byIdentifier<EpisodeOfCare>('EpisodeOfCare', `referral/${referralId}/episode`) as Promise<
      EpisodeOfCare & Record<string, unknown>
    >;
  const earlier = await read('JD-REF-1');
  const later = await read('JD-REF-2');
  expect(earlier.status).toBe('finished');
  expect(later.status).toBe('active');
  expect(later.extension).toContainEqual({
    url: EXTENSIONS.previousEpisode,
    valueReference: { reference: `EpisodeOfCare/${String(earlier.id)}`, type: 'EpisodeOfCare' },
  });
});

test('the retracted contact and everything it wrote are entered-in-error, and it takes no newer version', async () => {
  expect(statusOf(await byIdentifier('Encounter', 'outcome-note/JD-NOTE-1/contact'))).toBe('entered-in-error');
  for (const part of ['note', 'wemwbs', 'eq5d-vas']) {
    expect({ part, status: statusOf(await byIdentifier('Observation', `outcome-note/JD-NOTE-1/${part}`)) }).toEqual({
      part,
      status: 'entered-in-error',
    });
  }
  const retraction = document('08-contact.json').body as { source: Record<string, unknown> };
  const again = { ...retraction, source: { ...retraction.source, recordVersion: 3 }, enteredInError: false };
  const response = await postJson(`${adapter.apiUrl}${INGEST_PATHS['outcome-note']}`, again);
  expect(response.status).toBe(400);
  expect(JSON.stringify(response.body)).toContain('retracted');
});

test('a retraction of a record no version of which was accepted is refused, naming enteredInError', async () => {
  const retraction = document('08-contact.json').body as { source: Record<string, unknown> };
  const unknown = { ...retraction, source: { ...retraction.source, recordId: 'JD-NOTE-NEVER-SENT' } };
  const response = await postJson(`${adapter.apiUrl}${INGEST_PATHS['outcome-note']}`, unknown);
  expect(response.status).toBe(400);
  const issues = (response.body.issue ?? []) as { expression?: string[] }[];
  expect(issues.map((issue) => issue.expression)).toEqual([['enteredInError']]);
});
