/**
 * Parts a newer version of a support plan drops, through the running adapter into the sandbox EHR: they are found
 * from what earlier delivered versions wrote (kept by the store), so a version that failed in between leaves
 * nothing behind, nor does one whose body the retention purge removed; and a goal the plan drops that its own goal record (`/v1/goals`) also writes is left as it is.
 */
import type { Bundle, Goal, Observation, OperationOutcome } from '@medplum/fhirtypes';
import { purgeExpired } from '../../src/audit/retention';
import { INGEST_PATHS } from '../../src/http/routes/ingest';
import type { MessageKind } from '../../src/messages/schemas';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { goalDoc, journeyBody, uniqueId } from '../support/fixtures';

const SYSTEM = 'https://casebook.example.org';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'dropped-parts' });
}, 60_000);

afterAll(async () => {
  await adapter.close();
});

async function deliver(kind: MessageKind, body: unknown): Promise<Record<string, unknown>> {
  const response = await postJson(`${adapter.apiUrl}${INGEST_PATHS[kind]}`, body);
  expect(response.status).toBe(202);
  return waitForStatus(adapter.apiUrl, String(response.body.messageId), ['delivered', 'failed'], 30_000);
}

async function status(type: 'Goal' | 'Observation', value: string): Promise<string | undefined> {
  const query = `${type}?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}`;
  const response = await fetch(`${adapter.sandbox?.baseUrl ?? ''}/${query}`);
  const [found] = ((await response.json()) as Bundle<Goal | Observation>).entry ?? [];
  const resource = found?.resource;
  return resource?.resourceType === 'Goal' ? resource.lifecycleStatus : resource?.status;
}

/**
 * A fresh episode and the two versions of journey d's plan under fresh ids: the first has the needs lonely and
 * exercise and goals 1 and 2; the second drops exercise and goal 2.
 */
async function episode(): Promise<{
  referralId: string;
  planId: string;
  goals: [string, string];
  plan: (file: '02-support-plan.json' | '04-support-plan.json', version: number) => unknown;
}> {
  const referralId = uniqueId('REF');
  const opening = journeyBody('d-re-referral/01-referral.json') as { source: Record<string, unknown> };
  expect((await deliver('referral', { ...opening, source: { ...opening.source, recordId: referralId } })).status).toBe(
    'delivered',
  );
  const planId = uniqueId('PLAN');
  const goals: [string, string] = [uniqueId('GOAL'), uniqueId('GOAL')];
  const plan = (file: string, version: number): unknown => {
    const text = JSON.stringify(journeyBody(`d-re-referral/${file}`))
      .replaceAll('JD-GOAL-1', goals[0])
      .replaceAll('JD-GOAL-2', goals[1]);
    const body = JSON.parse(text) as { source: Record<string, unknown> };
    return { ...body, source: { ...body.source, recordId: planId, recordVersion: version }, referralId };
  };
  return { referralId, planId, goals, plan };
}

test('a version that failed in between: the next one retracts what the last delivered version wrote and it drops', async () => {
  const { planId, goals, plan } = await episode();
  expect((await deliver('support-plan', plan('02-support-plan.json', 1))).status).toBe('delivered');
  const refusal: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'invalid', diagnostics: 'refused for the test' }],
  };
  adapter.sandbox?.answers.answerNext({ status: 400, body: refusal });
  expect((await deliver('support-plan', plan('04-support-plan.json', 2))).status).toBe('failed');
  // The same content again as version 3: compared with version 2 (which never reached the EHR) it drops nothing.
  expect((await deliver('support-plan', plan('04-support-plan.json', 3))).status).toBe('delivered');
  expect(await status('Observation', `support-plan/${planId}/need/exercise`)).toBe('entered-in-error');
  expect(await status('Goal', `goal/${goals[1]}`)).toBe('entered-in-error');
  expect(await status('Observation', `support-plan/${planId}/need/lonely`)).toBe('final');
  expect(await status('Goal', `goal/${goals[0]}`)).toBe('active');
});

test('a version whose body was purged: the next one still retracts what it wrote and the next drops', async () => {
  const { planId, goals, plan } = await episode();
  const first = await deliver('support-plan', plan('02-support-plan.json', 1));
  expect(first.status).toBe('delivered');
  const purge = await purgeExpired(adapter.services.ledger, {
    retentionDays: 0,
    purgeFailed: false,
    now: new Date(),
    by: 'test',
  });
  expect(purge.purged).toContain(first.messageId);
  expect((await deliver('support-plan', plan('04-support-plan.json', 2))).status).toBe('delivered');
  expect(await status('Observation', `support-plan/${planId}/need/exercise`)).toBe('entered-in-error');
  expect(await status('Goal', `goal/${goals[1]}`)).toBe('entered-in-error');
});

test('a goal the plan drops that its own goal record still writes is not retracted', async () => {
  const { referralId, planId, goals, plan } = await episode();
  expect((await deliver('support-plan', plan('02-support-plan.json', 1))).status).toBe('delivered');
  const goal = goalDoc(referralId, {
    source: { ...goalDoc(referralId).source, recordId: goals[1] },
    agreedAt: '2026-10-07T10:00:00Z',
  });
  expect((await deliver('goal', goal)).status).toBe('delivered');
  expect((await deliver('support-plan', plan('04-support-plan.json', 2))).status).toBe('delivered');
  expect(await status('Goal', `goal/${goals[1]}`)).toBe('active');
  // The need the plan alone wrote is retracted as before.
  expect(await status('Observation', `support-plan/${planId}/need/exercise`)).toBe('entered-in-error');
});
