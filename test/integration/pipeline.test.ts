/**
 * End to end on real parts: the API, BullMQ on the real Redis and the sandbox EHR over HTTP. A referral, a goal
 * and an outcome note go in; the ServiceRequest, Goal and Observations come out in the EHR, linked to the patient.
 */
import type { Bundle, EpisodeOfCare, Goal, Observation, ServiceRequest, Task } from '@medplum/fhirtypes';
import { SANDBOX_PATIENTS } from '../../src/sandbox';
import type { TestAdapter } from '../support/adapter';
import { getJson, postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { goalDoc, outcomeNoteDoc, referralDoc } from '../support/fixtures';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'pipeline' });
});

afterAll(async () => {
  await adapter.close();
});

async function searchByIdentifier<T>(resourceType: string, token: string): Promise<T[]> {
  const sandbox = adapter.sandbox!;
  const response = await fetch(`${sandbox.baseUrl}/${resourceType}?identifier=${encodeURIComponent(token)}`);
  const bundle = (await response.json()) as Bundle;
  return (bundle.entry ?? []).map((entry) => entry.resource as T);
}

async function submit(path: string, doc: unknown): Promise<string> {
  const response = await postJson(`${adapter.apiUrl}${path}`, doc);
  expect(response.status).toBe(202);
  expect(response.body.status).toBe('queued');
  expect(response.body.statusUrl).toBe(`${adapter.apiUrl}/v1/messages/${String(response.body.messageId)}`);
  return String(response.body.messageId);
}

test('a referral, a goal and an outcome note reach the EHR linked to the right patient', async () => {
  const referral = referralDoc();
  const referralId = referral.source.recordId;
  const patient = SANDBOX_PATIENTS[0]!;
  expect(referral.patient.nhsNumber).toBe(patient.nhsNumber);

  const referralMsg = await submit('/v1/referrals', referral);
  const goalMsg = await submit('/v1/goals', goalDoc(referralId));
  const note = outcomeNoteDoc(referralId);
  const noteMsg = await submit('/v1/outcome-notes', note);

  const referralStatus = await waitForStatus(adapter.apiUrl, referralMsg, ['delivered', 'failed']);
  const goalStatus = await waitForStatus(adapter.apiUrl, goalMsg, ['delivered', 'failed']);
  const noteStatus = await waitForStatus(adapter.apiUrl, noteMsg, ['delivered', 'failed']);
  expect([referralStatus.status, goalStatus.status, noteStatus.status]).toEqual([
    'delivered',
    'delivered',
    'delivered',
  ]);
  expect(referralStatus.attempts).toBeGreaterThanOrEqual(1);
  expect(typeof referralStatus.deliveredAt).toBe('string');

  const system = referral.source.system;
  const [serviceRequest, ...extraRequests] = await searchByIdentifier<ServiceRequest>(
    'ServiceRequest',
    `${system}|referral/${referralId}`,
  );
  expect(extraRequests).toHaveLength(0);
  expect(serviceRequest?.code?.coding?.[0]?.code).toBe('social-prescribing-referral');
  expect(serviceRequest?.status).toBe('active');
  expect(serviceRequest?.subject.reference).toBe(`Patient/${patient.id}`);
  // The person accepted: the service's Task says so, and the national code is one entry a practice can count.
  const [task] = await searchByIdentifier<Task>('Task', `${system}|referral/${referralId}/task`);
  expect([task?.status, task?.focus?.reference]).toEqual(['accepted', `ServiceRequest/${serviceRequest?.id}`]);
  const coded = await searchByIdentifier<Observation>('Observation', `${system}|referral/${referralId}/accepted`);
  const [episode] = await searchByIdentifier<EpisodeOfCare>(
    'EpisodeOfCare',
    `${system}|referral/${referralId}/episode`,
  );
  expect(coded.map((o) => [o.code.coding?.[0]?.code, o.subject?.reference])).toEqual([
    ['871731000000106', `Patient/${patient.id}`],
  ]);
  expect(task?.output?.[0]?.valueReference?.reference).toBe(`Observation/${coded[0]?.id}`);
  expect(referralStatus.resources).toEqual([
    expect.objectContaining({ resourceType: 'ServiceRequest', reference: `ServiceRequest/${serviceRequest?.id}` }),
    expect.objectContaining({ resourceType: 'Task', reference: `Task/${task?.id}` }),
    // The episode of care, written conditionally on its identifier under the id the EHR chose.
    expect.objectContaining({ resourceType: 'EpisodeOfCare', reference: `EpisodeOfCare/${episode?.id}` }),
    expect.objectContaining({ resourceType: 'Observation', reference: `Observation/${coded[0]?.id}` }),
    // Every delivery also records its Provenance (link worker as author, the adapter as assembler).
    expect.objectContaining({ resourceType: 'Provenance' }),
  ]);

  const goals = await searchByIdentifier<Goal>(
    'Goal',
    `${system}|goal/${String(goalStatus.source && (goalStatus.source as { recordId: string }).recordId)}`,
  );
  expect(goals).toHaveLength(1);
  expect(goals[0]?.subject.reference).toBe(`Patient/${patient.id}`);
  expect(goals[0]?.addresses?.[0]?.reference).toBe(`ServiceRequest/${serviceRequest?.id}`);

  const noteId = note.source.recordId;
  const observations = await Promise.all(
    ['note', 'ons4', 'swemwbs'].map(async (part) =>
      searchByIdentifier<Observation>('Observation', `${system}|outcome-note/${noteId}/${part}`),
    ),
  );
  for (const found of observations) {
    expect(found).toHaveLength(1);
    expect(found[0]?.subject?.reference).toBe(`Patient/${patient.id}`);
    expect(found[0]?.basedOn?.[0]?.reference).toBe(`ServiceRequest/${serviceRequest?.id}`);
  }
  expect(observations[0]?.[0]?.valueString).toBe(note.note);
  expect(observations[2]?.[0]?.valueQuantity?.value).toBe(21);
});

test('re-posting the same message returns the same id and writes nothing new', async () => {
  const referral = referralDoc();
  const first = await postJson(`${adapter.apiUrl}/v1/referrals`, referral);
  expect(first.status).toBe(202);
  await waitForStatus(adapter.apiUrl, String(first.body.messageId), ['delivered']);

  const again = await postJson(`${adapter.apiUrl}/v1/referrals`, { ...referral });
  expect(again.status).toBe(202);
  expect(again.body.messageId).toBe(first.body.messageId);
  expect(again.body.status).toBe('delivered');
  expect(again.headers.get('idempotent-replayed')).toBe('true');

  const found = await searchByIdentifier<ServiceRequest>(
    'ServiceRequest',
    `${referral.source.system}|referral/${referral.source.recordId}`,
  );
  expect(found).toHaveLength(1);
});

test('the same identity with a different body is a 409 conflict', async () => {
  const referral = referralDoc();
  const first = await postJson(`${adapter.apiUrl}/v1/referrals`, referral);
  expect(first.status).toBe(202);
  const changed = await postJson(`${adapter.apiUrl}/v1/referrals`, { ...referral, urgency: 'urgent' });
  expect(changed.status).toBe(409);
  expect(changed.body.resourceType).toBe('OperationOutcome');
});

test('an Idempotency-Key identifies a message whatever its source fields', async () => {
  const key = `key-${Date.now()}`;
  const first = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), { 'Idempotency-Key': key });
  expect(first.status).toBe(202);
  const doc = referralDoc();
  const conflicting = await postJson(`${adapter.apiUrl}/v1/referrals`, doc, { 'Idempotency-Key': key });
  expect(conflicting.status).toBe(409);
});

test('a new version of a record updates the same ServiceRequest', async () => {
  const referral = referralDoc();
  const v1 = await postJson(`${adapter.apiUrl}/v1/referrals`, referral);
  await waitForStatus(adapter.apiUrl, String(v1.body.messageId), ['delivered']);
  const v2 = await postJson(`${adapter.apiUrl}/v1/referrals`, {
    ...referral,
    status: 'completed',
    source: { ...referral.source, recordVersion: 2 },
  });
  expect(v2.body.messageId).not.toBe(v1.body.messageId);
  await waitForStatus(adapter.apiUrl, String(v2.body.messageId), ['delivered']);
  const found = await searchByIdentifier<ServiceRequest>(
    'ServiceRequest',
    `${referral.source.system}|referral/${referral.source.recordId}`,
  );
  expect(found).toHaveLength(1);
  expect(found[0]?.status).toBe('completed');
});

test('a patient the EHR does not know fails permanently with a clear reason', async () => {
  // A valid NHS number (modulus 11) that is not among the sandbox's seeded patients.
  const referral = referralDoc({ patient: { nhsNumber: '9434765919' } });
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, referral);
  expect(response.status).toBe(202);
  const status = await waitForStatus(adapter.apiUrl, String(response.body.messageId), ['failed', 'delivered']);
  expect(status.status).toBe('failed');
  expect(status.attempts).toBe(1);
  expect(String(status.lastError)).toContain('no patient with NHS number ******5919');
  expect((status.outcome as { issue: { expression: string[] }[] }).issue[0]?.expression).toEqual(['patient.nhsNumber']);
});

test('an unknown message id is a 404 OperationOutcome', async () => {
  const response = await getJson(`${adapter.apiUrl}/v1/messages/00000000-0000-4000-8000-000000000000`);
  expect(response.status).toBe(404);
  expect(response.body.resourceType).toBe('OperationOutcome');
});

test('a presenting need outside the project value set (stress, self-referred) is accepted and delivered', async () => {
  const referral = referralDoc({ method: 'self', reasons: [{ snomed: '73595000', text: 'Stress at work' }] });
  delete (referral as Partial<typeof referral>).referrer;
  const id = await submit('/v1/referrals', referral);
  const status = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed']);
  expect(status.status).toBe('delivered');
  const [request] = await searchByIdentifier<ServiceRequest>(
    'ServiceRequest',
    `${referral.source.system}|referral/${referral.source.recordId}`,
  );
  expect(request?.reasonCode?.[0]?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '73595000' });
  expect(request?.requester?.display).toBe('Self-referral');
});
