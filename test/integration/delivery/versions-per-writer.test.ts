/**
 * A Goal written by its own goal record and by a support plan, on real Redis and the sandbox over HTTP: after the
 * plan (at a higher version of its own) wrote the Goal, a newer version of the goal record that says "not
 * achieved" is written, not superseded by the plan's version number, and the delivered message records the
 * version the EHR wrote.
 */
import type { Bundle, Goal } from '@medplum/fhirtypes';
import type { SupportPlanMessage } from '../../../src/messages/schemas';
import type { TestAdapter } from '../../support/adapter';
import { goalDoc, referralDoc, uniqueId, journeyBody } from '../../support/fixtures';
import { settled, startDeliveryAdapter, submit } from './support';

/** The support plan fixture was agreed on 2026-10-17, so its referral is dated before then. */
const PLAN_EPISODE = { referredAt: '2026-10-16T09:00:00Z' };

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startDeliveryAdapter('delivery-versions-per-writer');
});

afterAll(async () => {
  await adapter.close();
});

function supportPlan(referralId: string, goalId: string, recordVersion: number): SupportPlanMessage {
  const plan = journeyBody('b-anchoring/04-support-plan.json') as SupportPlanMessage;
  const [first] = plan.goals;
  if (first === undefined) {
    throw new Error('the support plan fixture has no goal');
  }
  return {
    ...plan,
    source: { ...plan.source, recordId: uniqueId('PLAN'), recordVersion },
    referralId,
    goals: [{ ...first, goalId }],
    actions: plan.actions.filter((action) => action.goalId === first.goalId).map((action) => ({ ...action, goalId })),
  };
}

test("a newer goal record is written over a Goal a support plan wrote at a higher version of the plan's own", async () => {
  const referral = referralDoc(PLAN_EPISODE);
  const referralId = referral.source.recordId;
  expect((await settled(adapter, await submit(adapter, '/v1/referrals', referral))).status).toBe('delivered');
  const goal = goalDoc(referralId, { status: 'active' });
  const goalId = goal.source.recordId;
  expect((await settled(adapter, await submit(adapter, '/v1/goals', goal))).status).toBe('delivered');
  const planId = await submit(adapter, '/v1/support-plans', supportPlan(referralId, goalId, 3));
  expect((await settled(adapter, planId)).status).toBe('delivered');

  const outcome = { ...goal, source: { ...goal.source, recordVersion: 2 }, status: 'not-achieved' as const };
  const outcomeId = await submit(adapter, '/v1/goals', outcome);
  const status = await settled(adapter, outcomeId);
  expect(status.status).toBe('delivered');

  const search = await fetch(
    `${adapter.sandbox?.baseUrl ?? ''}/Goal?identifier=${encodeURIComponent(`${goal.source.system}|goal/${goalId}`)}`,
  );
  const goals = ((await search.json()) as Bundle<Goal>).entry ?? [];
  expect(goals).toHaveLength(1);
  const held = goals[0]?.resource;
  expect(held?.achievementStatus?.coding?.[0]?.code).toBe('not-achieved');
  const resources = status.resources as { resourceType: string; reference: string; versionId?: string }[];
  const written = resources.find((resource) => resource.resourceType === 'Goal');
  expect(written?.reference).toBe(`Goal/${held?.id ?? ''}`);
  expect(written?.versionId).toBe(held?.meta?.versionId);
});
