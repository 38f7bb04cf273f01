/**
 * Once an accepted referral version says the person withdrew consent to share with their GP practice, later
 * records of that episode are refused at the door (409 consent-withdrawn, nothing stored) until a newer referral
 * version records consent again. Runs against the real app on real Redis.
 */
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter } from '../../support/adapter';
import { goalDoc, outcomeNoteDoc, referralDoc } from '../../support/fixtures';
import type { ConsentToShare } from '../../../src/messages/sections/consent';
import type { ReferralMessage } from '../../../src/messages/schemas';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'consent-withdrawn', roles: { api: true, worker: false, sandbox: true } });
});

afterAll(async () => {
  await adapter.close();
});

interface Issue {
  readonly expression?: readonly string[];
  readonly details?: { readonly text?: string; readonly coding?: readonly { readonly code?: string }[] };
}

function consent(gpPractice: ConsentToShare['gpPractice'], recordedAt: string): ConsentToShare {
  return { recordedAt, gpPractice, others: [] };
}

function version(referral: ReferralMessage, recordVersion: number, changes: Partial<ReferralMessage>): ReferralMessage {
  return {
    ...referral,
    source: { ...referral.source, recordVersion, sentAt: `2026-11-0${String(recordVersion + 1)}T09:15:00Z` },
    ...changes,
  };
}

function expectWithdrawn(answer: { status: number; body: Record<string, unknown> }, expression: string): void {
  expect(answer.status).toBe(409);
  expect(answer.body.resourceType).toBe('OperationOutcome');
  const issues = answer.body.issue as Issue[];
  expect(issues).toHaveLength(1);
  expect(issues[0]?.details?.coding?.[0]?.code).toBe('consent-withdrawn');
  expect(issues[0]?.expression).toEqual([expression]);
  expect(issues[0]?.details?.text).toContain('withdrew consent to share with their GP practice');
}

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return postJson(`${adapter.apiUrl}${path}`, body);
}

test('after a withdrawal, a goal, a contact and a referral version saying nothing of consent are 409s', async () => {
  const first = referralDoc({ consent: consent('given', '2026-11-01T14:30:00Z') });
  expect((await post('/v1/referrals', first)).status).toBe(202);
  const referralId = first.source.recordId;
  const goalBefore = goalDoc(referralId);
  expect((await post('/v1/goals', goalBefore)).status).toBe(202);

  const withdrawal = version(first, 2, { consent: consent('withdrawn', '2026-11-02T10:00:00Z') });
  expect((await post('/v1/referrals', withdrawal)).status).toBe(202);

  const refusedGoal = await post('/v1/goals', goalDoc(referralId));
  expectWithdrawn(refusedGoal, 'referralId');
  expectWithdrawn(await post('/v1/outcome-notes', outcomeNoteDoc(referralId)), 'referralId');
  const silent = version(first, 3, {});
  delete silent.consent;
  expectWithdrawn(await post('/v1/referrals', silent), 'consent');
  // A later version of a record accepted before the withdrawal is refused as well.
  const goalAgain = { ...goalBefore, source: { ...goalBefore.source, recordVersion: 2 } };
  expectWithdrawn(await post('/v1/goals', goalAgain), 'referralId');
});

test('a newer referral version that records consent again lets the episode flow again', async () => {
  const first = referralDoc({ consent: consent('withdrawn', '2026-11-01T15:00:00Z') });
  expect((await post('/v1/referrals', first)).status).toBe(202);
  const referralId = first.source.recordId;
  const refused = goalDoc(referralId);
  expectWithdrawn(await post('/v1/goals', refused), 'referralId');

  // Repeating the withdrawal is accepted: it is itself the decision.
  const repeated = version(first, 2, { consent: consent('withdrawn', '2026-11-02T10:00:00Z') });
  expect((await post('/v1/referrals', repeated)).status).toBe(202);
  expectWithdrawn(await post('/v1/goals', goalDoc(referralId)), 'referralId');

  const again = version(first, 3, { consent: consent('given', '2026-11-03T10:00:00Z') });
  expect((await post('/v1/referrals', again)).status).toBe(202);
  // The goal refused before was never stored: sent again now, it is accepted as new, not as a repeat.
  const accepted = await postJson(`${adapter.apiUrl}/v1/goals`, refused);
  expect(accepted.status).toBe(202);
  expect(accepted.headers.get('idempotent-replayed')).toBeNull();
  expect((await post('/v1/outcome-notes', outcomeNoteDoc(referralId))).status).toBe(202);
  // A still later version that says nothing of consent keeps the consent standing.
  const later = version(first, 4, {});
  delete later.consent;
  expect((await post('/v1/referrals', later)).status).toBe(202);
});

test('the newest version decides, whatever order versions arrive in', async () => {
  const base = referralDoc();
  const consentAgain = version(base, 3, { consent: consent('given', '2026-11-03T10:00:00Z') });
  expect((await post('/v1/referrals', consentAgain)).status).toBe(202);
  // The older withdrawal arrives late: it does not override the newer decision.
  const lateWithdrawal = version(base, 2, { consent: consent('withdrawn', '2026-11-02T10:00:00Z') });
  expect((await post('/v1/referrals', lateWithdrawal)).status).toBe(202);
  expect((await post('/v1/goals', goalDoc(base.source.recordId))).status).toBe(202);
});

test('consent withdrawn in another referral of the same source system stops nothing here', async () => {
  const withdrawnElsewhere = referralDoc({ consent: consent('withdrawn', '2026-11-01T15:00:00Z') });
  expect((await post('/v1/referrals', withdrawnElsewhere)).status).toBe(202);
  const other = referralDoc();
  expect((await post('/v1/referrals', other)).status).toBe(202);
  expect((await post('/v1/goals', goalDoc(other.source.recordId))).status).toBe(202);
});
