/**
 * Messages that depend on a referral which failed for good, on real Redis and the sandbox over HTTP: a goal fails
 * promptly naming the failed referral message instead of waiting out its maximum age, and replaying the referral
 * once its cause is fixed replays the goal with it, so both reach the EHR.
 */
import type { TestAdapter } from '../../support/adapter';
import { goalDoc, referralDoc } from '../../support/fixtures';
import { ledgerOf, replay, settled, startDeliveryAdapter, submit } from './support';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startDeliveryAdapter('delivery-failed-referral');
});

afterAll(async () => {
  await adapter.close();
});

test('a goal of a failed referral fails at once naming it, and is replayed and delivered with the referral', async () => {
  const refusal = {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'the practice is not accepting referrals today' }],
  };
  adapter.sandbox?.answers.answerNext({ status: 422, body: refusal });
  const referral = referralDoc();
  const referralId = await submit(adapter, '/v1/referrals', referral);
  expect((await settled(adapter, referralId)).status).toBe('failed');

  const goalId = await submit(adapter, '/v1/goals', goalDoc(referral.source.recordId));
  // The retry policy would keep it waiting for up to a minute here (72 hours in production): it must fail sooner.
  const failed = await settled(adapter, goalId, ['failed', 'delivered'], 5000);
  expect(failed.status).toBe('failed');
  expect(failed.lastError).toBe(
    `referral ${referral.source.recordId} failed to deliver (message ${referralId}); this message is replayed when that referral is`,
  );

  // The practice accepts referrals again: one replay of the referral delivers both.
  expect(await replay(adapter, referralId)).toBe(202);
  expect((await settled(adapter, referralId, ['delivered', 'failed'])).status).toBe('delivered');
  expect((await settled(adapter, goalId, ['delivered', 'failed'])).status).toBe('delivered');
  const goalReplayed = (await ledgerOf(adapter, goalId)).filter((entry) => entry.type === 'replayed');
  expect(goalReplayed).toHaveLength(1);
  expect(goalReplayed[0]?.by).toBe('practice-it');
});
