/**
 * A goal or contact dated before the referral it belongs to is refused at the door once that referral has been
 * accepted, naming the field; before the referral arrives the date cannot be judged and the message is accepted.
 * Runs against the real app on real Redis.
 */
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter } from '../../support/adapter';
import { goalDoc, outcomeNoteDoc, referralDoc, uniqueId } from '../../support/fixtures';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'referral-order', roles: { api: true, worker: false, sandbox: true } });
});

afterAll(async () => {
  await adapter.close();
});

interface Issue {
  readonly expression?: readonly string[];
  readonly diagnostics?: string;
  readonly details?: { readonly text?: string };
}

function issuesOf(body: Record<string, unknown>): readonly Issue[] {
  expect(body.resourceType).toBe('OperationOutcome');
  return body.issue as Issue[];
}

test('a goal agreed and a contact held before an accepted referral are 400s naming the date', async () => {
  const referral = referralDoc({ referredAt: '2026-11-01T14:30:00Z' });
  expect((await postJson(`${adapter.apiUrl}/v1/referrals`, referral)).status).toBe(202);
  const referralId = referral.source.recordId;

  const goal = await postJson(
    `${adapter.apiUrl}/v1/goals`,
    goalDoc(referralId, { agreedAt: '2026-10-31T10:00:00Z', targetDate: '2026-12-01' }),
  );
  expect(goal.status).toBe(400);
  const goalIssues = issuesOf(goal.body);
  expect(goalIssues.map((issue) => issue.expression)).toEqual([['agreedAt']]);
  expect(goalIssues[0]?.details?.text).toContain('must not be before the referral it belongs to');

  const base = outcomeNoteDoc(referralId);
  const note = await postJson(`${adapter.apiUrl}/v1/outcome-notes`, {
    ...base,
    contact: { ...base.contact, date: '2026-10-20T09:00:00Z' },
  });
  expect(note.status).toBe(400);
  expect(issuesOf(note.body).map((issue) => issue.expression)).toEqual([['contact.date']]);
});

test('a contact later on the day of the referral, and one before a referral not yet received, are accepted', async () => {
  const referral = referralDoc({ referredAt: '2026-11-01T14:30:00Z' });
  expect((await postJson(`${adapter.apiUrl}/v1/referrals`, referral)).status).toBe(202);
  const sameDay = outcomeNoteDoc(referral.source.recordId);
  const accepted = await postJson(`${adapter.apiUrl}/v1/outcome-notes`, {
    ...sameDay,
    contact: { ...sameDay.contact, date: '2026-11-01T08:00:00Z' },
  });
  expect(accepted.status).toBe(202);

  // The referral is not known yet: the goal waits for it in the worker, as before.
  const early = goalDoc(uniqueId('REF-UNSEEN'), { agreedAt: '2026-01-05T10:00:00Z', targetDate: '2026-12-01' });
  expect((await postJson(`${adapter.apiUrl}/v1/goals`, early)).status).toBe(202);
});

test('the latest accepted version of the referral is the one that counts', async () => {
  const first = referralDoc({ referredAt: '2026-11-01T14:30:00Z' });
  expect((await postJson(`${adapter.apiUrl}/v1/referrals`, first)).status).toBe(202);
  const corrected = {
    ...first,
    source: { ...first.source, recordVersion: first.source.recordVersion + 1 },
    referredAt: '2026-10-15T09:00:00Z',
  };
  expect((await postJson(`${adapter.apiUrl}/v1/referrals`, corrected)).status).toBe(202);
  const goal = goalDoc(first.source.recordId, { agreedAt: '2026-10-20T10:00:00Z', targetDate: '2026-12-01' });
  expect((await postJson(`${adapter.apiUrl}/v1/goals`, goal)).status).toBe(202);
});
