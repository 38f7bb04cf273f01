/**
 * PRSB's risks section (§17) stays optional in the API, through the running adapter: an accepted referral, an
 * outcome note or a support plan of an episode that has never recorded its risks or "no known risks" is accepted
 * with a 202 that carries an OperationOutcome warning naming `risks`; once any record of the episode has recorded
 * them, no warning is given.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { INGEST_PATHS } from '../../src/http/routes/ingest';
import type { MessageKind } from '../../src/messages/schemas';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter } from '../support/adapter';
import { goalDoc, journeyBody, uniqueId } from '../support/fixtures';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'risks-warning' });
}, 60_000);

afterAll(async () => {
  await adapter.close();
});

const NO_KNOWN_RISKS = { assessedAt: '2026-10-06T10:00:00Z', noKnownRisks: true };

/** The body of a journey d document as a record of its own: a fresh record id, in the given episode, changed. */
function doc(file: string, recordId: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const body = journeyBody(`d-re-referral/${file}`) as { source: Record<string, unknown>; referralId?: string };
  return { ...body, source: { ...body.source, recordId }, ...changes };
}

/** Posts a message and answers the warnings of its 202: each as severity, code and expression. */
async function warnings(kind: MessageKind, body: unknown): Promise<string[]> {
  const response = await postJson(`${adapter.apiUrl}${INGEST_PATHS[kind]}`, body);
  expect({ status: response.status, body: response.status === 202 ? undefined : response.body }).toEqual({
    status: 202,
    body: undefined,
  });
  const outcome = response.body.outcome as OperationOutcome | undefined;
  if (outcome !== undefined) {
    expect(outcome.resourceType).toBe('OperationOutcome');
  }
  return (outcome?.issue ?? []).map(
    (issue) => `${issue.severity} ${issue.code} ${issue.expression?.join(',') ?? ''}: ${issue.details?.text ?? ''}`,
  );
}

const RISKS_WARNING: unknown = expect.stringMatching(
  /^warning incomplete risks: risks: PRSB requires the risks .*recorded/,
);

test('an episode without risks is warned when accepted and at each note and plan, until a record says there are none', async () => {
  const referralId = uniqueId('REF');
  const first = doc('01-referral.json', referralId, { status: 'received' });
  delete first.respondedAt;
  const second = doc('01-referral.json', referralId, { status: 'accepted' });
  second.source = { ...(second.source as Record<string, unknown>), recordVersion: 2 };
  // Received: the service has not taken the person on, so nobody has assessed them yet.
  expect(await warnings('referral', first)).toEqual([]);
  expect(await warnings('referral', second)).toEqual([RISKS_WARNING]);
  const plan = doc('02-support-plan.json', uniqueId('PLAN'), { referralId });
  expect(await warnings('support-plan', plan)).toEqual([RISKS_WARNING]);
  expect(await warnings('goal', goalDoc(referralId, { agreedAt: '2026-10-10T10:00:00Z' }))).toEqual([]);
  const note = doc('07-contact.json', uniqueId('NOTE'), { referralId });
  expect(await warnings('outcome-note', note)).toEqual([RISKS_WARNING]);

  // An outcome note that says "no known risks" records them for the whole episode.
  const assessed = doc('07-contact.json', uniqueId('NOTE'), { referralId, risks: NO_KNOWN_RISKS });
  expect(await warnings('outcome-note', assessed)).toEqual([]);
  const nextPlan = { ...plan, source: { ...(plan.source as Record<string, unknown>), recordVersion: 2 } };
  expect(await warnings('support-plan', nextPlan)).toEqual([]);
  expect(await warnings('outcome-note', doc('07-contact.json', uniqueId('NOTE'), { referralId }))).toEqual([]);
});

test('a referral accepted with its risks gives no warning, nor do the records that follow it', async () => {
  const referralId = uniqueId('REF');
  expect(
    await warnings('referral', doc('01-referral.json', referralId, { status: 'accepted', risks: NO_KNOWN_RISKS })),
  ).toEqual([]);
  expect(await warnings('outcome-note', doc('07-contact.json', uniqueId('NOTE'), { referralId }))).toEqual([]);
  expect(await warnings('support-plan', doc('02-support-plan.json', uniqueId('PLAN'), { referralId }))).toEqual([]);
});

test('an identical repeat of a warned message is warned the same way', async () => {
  const referral = doc('01-referral.json', uniqueId('REF'), { status: 'accepted' });
  expect(await warnings('referral', referral)).toEqual([RISKS_WARNING]);
  expect(await warnings('referral', referral)).toEqual([RISKS_WARNING]);
});
