/**
 * A message whose referral is not in the EHR waits for it while the referral is on its way, and fails at once,
 * naming the referral's message, when the store knows the referral's latest version failed for good; a replay of
 * the referral recognises the messages that failed this way.
 */
import { deliverMessage } from '../../../src/delivery/deliver-message';
import { failedBecauseOf, failedReferralReason } from '../../../src/delivery/failed-referral';
import type { MessageRecord } from '../../../src/messages/record';
import { goalDoc, referralDoc } from '../../support/fixtures';
import { ENDPOINT_ID, MESSAGE_ID, deliveryFixture } from './fakes/delivery-fixture';
import { searchset } from './fakes/scripted-ehr';

const REFERRAL_MESSAGE_ID = 'referral-msg';

function goalWaitingOn(referral: ReturnType<typeof referralDoc>, referralStatus?: MessageRecord['status']) {
  const fixture = deliveryFixture({
    message: { kind: 'goal', body: goalDoc(referral.source.recordId) },
    script: { 'referral lookup': () => searchset([]) },
  });
  if (referralStatus !== undefined) {
    fixture.lifecycle.add(
      { kind: 'referral', body: referral },
      { id: REFERRAL_MESSAGE_ID, endpointId: ENDPOINT_ID, status: referralStatus },
    );
  }
  return fixture;
}

describe('a goal whose referral is not in the EHR', () => {
  test('fails at once, naming the referral message, when that referral failed for good', async () => {
    const referral = referralDoc();
    const fixture = goalWaitingOn(referral, 'failed');

    const decision = await deliverMessage(MESSAGE_ID, fixture.deps);

    const reason = `referral ${referral.source.recordId} failed to deliver (message ${REFERRAL_MESSAGE_ID}); this message is replayed when that referral is`;
    expect(decision).toEqual({ kind: 'failed', reason });
    const [transition] = fixture.lifecycle.transitions;
    expect(transition?.name).toBe('failed');
    expect(transition?.name === 'failed' ? transition.result.outcome?.issue[0]?.expression : undefined).toEqual([
      'referralId',
    ]);
    expect(fixture.ehr.steps()).toEqual(['patient lookup', 'referral lookup']);
  });

  test.each([['queued'], ['delivering'], ['delivered']] as const)(
    'waits for it when the referral message is %s',
    async (status) => {
      const fixture = goalWaitingOn(referralDoc(), status);

      const decision = await deliverMessage(MESSAGE_ID, fixture.deps);

      expect(decision.kind).toBe('retry');
      expect(decision.kind === 'retry' ? decision.reason : '').toContain('is not in the EHR yet');
    },
  );

  test('waits for it when the adapter has not received the referral at all', async () => {
    const fixture = goalWaitingOn(referralDoc());

    expect((await deliverMessage(MESSAGE_ID, fixture.deps)).kind).toBe('retry');
  });

  test('the referral of another source system is not this one', async () => {
    const referral = referralDoc();
    const fixture = goalWaitingOn(
      { ...referral, source: { ...referral.source, system: 'https://other.example' } },
      'failed',
    );

    expect((await deliverMessage(MESSAGE_ID, fixture.deps)).kind).toBe('retry');
  });
});

describe('failedBecauseOf', () => {
  const referral = referralDoc();
  const referralRecord = { kind: 'referral', message: { kind: 'referral', body: referral } } as MessageRecord;
  const goal = goalDoc(referral.source.recordId);
  const failedGoal = {
    kind: 'goal',
    status: 'failed',
    message: { kind: 'goal', body: goal },
    lastError: failedReferralReason(referral.source.recordId, REFERRAL_MESSAGE_ID),
  } as MessageRecord;

  test('a goal that failed for want of the referral is its dependant', () => {
    expect(failedBecauseOf(failedGoal, referralRecord)).toBe(true);
  });

  test('a goal of the referral that failed for another reason is not', () => {
    expect(failedBecauseOf({ ...failedGoal, lastError: 'transaction: HTTP 400' }, referralRecord)).toBe(false);
  });

  test('a goal of another referral is not', () => {
    const other = { ...failedGoal, message: { kind: 'goal', body: goalDoc('REF-OTHER') } } as MessageRecord;
    expect(failedBecauseOf(other, referralRecord)).toBe(false);
  });

  test('a goal that is no longer failed is not', () => {
    expect(failedBecauseOf({ ...failedGoal, status: 'queued' }, referralRecord)).toBe(false);
  });
});
