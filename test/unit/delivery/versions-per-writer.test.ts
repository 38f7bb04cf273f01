/**
 * The version guard compares versions of the same writing record only: a Goal is written by its own goal record
 * and by support plans, each counting its own versions, so a plan's higher version never stops a newer goal
 * message. And each written resource's version is recorded even when the EHR's `location` leaves it out.
 */
import type { Goal } from '@medplum/fhirtypes';
import { answeredVersionId } from '../../../src/delivery/attempt';
import { deliverMessage } from '../../../src/delivery/deliver-message';
import { EXTENSIONS } from '../../../src/mapping/codes';
import { goalDoc } from '../../support/fixtures';
import { MESSAGE_ID, deliveryFixture } from './fakes/delivery-fixture';
import { PATIENT_ID, response, searchset } from './fakes/scripted-ehr';

const goal = goalDoc('REF-1', { status: 'not-achieved' });
const system = goal.source.system;

function ehrGoal(version: number, writer?: string): Goal {
  return {
    resourceType: 'Goal',
    id: 'goal-1',
    lifecycleStatus: 'active',
    description: { text: 'Get out of the house' },
    subject: { reference: `Patient/${PATIENT_ID}` },
    extension: [
      { url: EXTENSIONS.sourceRecordVersion, valueInteger: version },
      ...(writer !== undefined
        ? [{ url: EXTENSIONS.sourceRecordWriter, valueIdentifier: { system, value: writer } }]
        : []),
    ],
  };
}

async function deliverAgainst(held: Goal) {
  const fixture = deliveryFixture({
    message: { kind: 'goal', body: goal },
    script: { 'version check': () => searchset([held]) },
  });
  const decision = await deliverMessage(MESSAGE_ID, fixture.deps);
  return { ...fixture, decision };
}

describe('the version guard', () => {
  test('a Goal last written by a support plan at a higher version does not stop the goal record', async () => {
    const { decision, ehr } = await deliverAgainst(ehrGoal(goal.source.recordVersion + 2, 'support-plan/PLAN-1'));

    expect(decision.kind).toBe('delivered');
    expect(ehr.steps()).toContain('transaction');
  });

  test('a higher version written by the same goal record supersedes the message', async () => {
    const { decision, ehr } = await deliverAgainst(
      ehrGoal(goal.source.recordVersion + 2, `goal/${goal.source.recordId}`),
    );

    expect(decision.kind).toBe('superseded');
    expect(ehr.steps()).not.toContain('transaction');
  });

  test('a Goal written before writers were recorded is compared as before', async () => {
    const { decision } = await deliverAgainst(ehrGoal(goal.source.recordVersion + 2));

    expect(decision.kind).toBe('superseded');
  });

  test('the Goal sent names the goal record as its writer', async () => {
    const { ehr } = await deliverAgainst(ehrGoal(1, 'support-plan/PLAN-1'));

    const sent = ehr.requests.find((request) => request.step === 'transaction')?.bundle?.entry?.[0]?.resource as Goal;
    expect(sent.extension).toContainEqual({
      url: EXTENSIONS.sourceRecordWriter,
      valueIdentifier: { system, value: `goal/${goal.source.recordId}` },
    });
  });
});

describe('written versions', () => {
  test('come from the returned resource when the location has none', () => {
    expect(
      answeredVersionId({
        resource: { resourceType: 'Goal', meta: { versionId: '4' } } as Goal,
        response: { status: '200 OK', location: 'Goal/goal-1' },
      }),
    ).toBe('4');
  });

  test('come from the ETag when there is no resource', () => {
    expect(answeredVersionId({ response: { status: '200 OK', location: 'Goal/goal-1', etag: 'W/"7"' } })).toBe('7');
  });

  test('are absent when the EHR says nothing', () => {
    expect(answeredVersionId({ response: { status: '200 OK', location: 'Goal/goal-1' } })).toBeUndefined();
  });

  test('are recorded on the delivered message', async () => {
    const fixture = deliveryFixture({
      script: {
        transaction: (request) =>
          response(200, {
            resourceType: 'Bundle',
            type: 'transaction-response',
            entry: (request.bundle?.entry ?? []).map((entry, index) => ({
              resource: { ...entry.resource, id: `r-${index}`, meta: { versionId: '3' } },
              response: { status: '200 OK', location: `${entry.resource?.resourceType ?? ''}/r-${index}` },
            })),
          }),
      },
    });
    await deliverMessage(MESSAGE_ID, fixture.deps);

    const [transition] = fixture.lifecycle.transitions;
    expect(transition?.name).toBe('delivered');
    const resources = transition?.name === 'delivered' ? transition.result.resources : [];
    expect(resources.length).toBeGreaterThan(1);
    expect(resources.every((resource) => resource.versionId === '3')).toBe(true);
  });
});
