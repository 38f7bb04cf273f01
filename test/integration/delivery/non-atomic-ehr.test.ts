/**
 * Delivery to an EHR that applies transactions entry by entry (the sandbox's non-atomic mode), over HTTP with
 * real Redis: the sandbox answers 200 with failed entries beside written ones, and the adapter completes the
 * message (failed targets again, then the Provenance once they exist) before recording it delivered, with every
 * recorded resource and every reference between them present in the EHR.
 */
import type { Bundle, CarePlan, Provenance, Resource } from '@medplum/fhirtypes';
import type { SupportPlanMessage } from '../../../src/messages/schemas';
import type { RunningSandbox } from '../../../src/sandbox';
import { NHS_NUMBER_SYSTEM, startSandbox } from '../../../src/sandbox';
import type { TestAdapter } from '../../support/adapter';
import { FAST_RETRY } from '../../support/adapter';
import { referralDoc, uniqueId, journeyBody } from '../../support/fixtures';
import { ledgerOf, settled, startDeliveryAdapter, submit } from './support';

/** The support plan fixture was agreed on 2026-10-17, so its referral is dated before then. */
const PLAN_EPISODE = { referredAt: '2026-10-16T09:00:00Z' };

let sandbox: RunningSandbox;
let adapter: TestAdapter;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, transactions: 'entry-by-entry' });
  adapter = await startDeliveryAdapter('delivery-non-atomic', {
    roles: { api: true, worker: true, sandbox: false },
    config: { endpoints: [{ id: 'sandbox', baseUrl: sandbox.baseUrl, practices: ['*'], retry: FAST_RETRY }] },
  });
});

afterAll(async () => {
  await adapter.close();
  await sandbox.close();
});

/** A FHIR request to the sandbox; the body is read as the resource (or Bundle) the test expects. */
async function fhir(method: string, path: string, body?: unknown): Promise<{ status: number; body: Resource }> {
  const response = await fetch(`${sandbox.baseUrl}/${path}`, {
    method,
    headers: { 'content-type': 'application/fhir+json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Resource };
}

function supportPlan(referralId: string): SupportPlanMessage {
  const plan = journeyBody('b-anchoring/04-support-plan.json') as SupportPlanMessage;
  const suffix = uniqueId('G');
  return {
    ...plan,
    source: { ...plan.source, recordId: uniqueId('PLAN') },
    referralId,
    goals: plan.goals.map((goal) => ({ ...goal, goalId: `${goal.goalId}-${suffix}` })),
    actions: plan.actions.map((action) => ({ ...action, goalId: `${action.goalId}-${suffix}` })),
  };
}

/** Every literal reference in a resource (`Type/id`), which must each exist in the EHR. */
function literalReferences(resource: Resource): string[] {
  return [...JSON.stringify(resource).matchAll(/"reference":"([A-Z][A-Za-z]+\/[^"]+)"/g)].flatMap((m) => m[1] ?? []);
}

test('the sandbox in entry-by-entry mode writes the other entries of a transaction with a failed one', async () => {
  const nhs = ['9000000025', '9000000033'];
  sandbox.entryFailures.failNext({ resourceType: 'Patient', status: 422 });
  const answer = await fhir('POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: nhs.map((value) => ({
      resource: { resourceType: 'Patient', identifier: [{ system: NHS_NUMBER_SYSTEM, value }] },
      request: { method: 'PUT', url: `Patient?identifier=${NHS_NUMBER_SYSTEM}|${value}` },
    })),
  });

  expect(answer.status).toBe(200);
  expect((answer.body as Bundle).entry?.map((entry) => entry.response?.status.slice(0, 3))).toEqual(['422', '201']);
  for (const [index, value] of nhs.entries()) {
    const found = await fhir('GET', `Patient?identifier=${NHS_NUMBER_SYSTEM}|${value}`);
    expect((found.body as Bundle).entry ?? []).toHaveLength(index === 0 ? 0 : 1);
  }
});

test('a support plan with a failed Goal entry is completed before it is recorded delivered', async () => {
  const referral = referralDoc(PLAN_EPISODE);
  expect((await settled(adapter, await submit(adapter, '/v1/referrals', referral))).status).toBe('delivered');

  sandbox.entryFailures.failNext({ resourceType: 'Goal', status: 503 });
  const planId = await submit(adapter, '/v1/support-plans', supportPlan(referral.source.recordId));
  const status = await settled(adapter, planId);
  expect(status.status).toBe('delivered');
  // Completed within the attempt that met the failure, not by waiting for the next one.
  expect(status.attempts).toBe(1);
  expect((await ledgerOf(adapter, planId)).map((entry) => entry.type)).toEqual(['received', 'delivered']);
  expect(sandbox.entryFailures.pending()).toBe(0);

  const resources = status.resources as { resourceType: string; reference: string }[];
  const held: Resource[] = [];
  for (const resource of resources) {
    const read = await fhir('GET', resource.reference);
    expect([resource.reference, read.status]).toEqual([resource.reference, 200]);
    held.push(read.body);
  }
  // Nothing the plan wrote points at a resource the EHR does not hold, the Provenance included.
  for (const reference of held.flatMap(literalReferences)) {
    expect([reference, (await fhir('GET', reference)).status]).toEqual([reference, 200]);
  }
  const carePlan = held.find((resource): resource is CarePlan => resource.resourceType === 'CarePlan');
  expect(carePlan?.goal?.length).toBeGreaterThan(0);
  const provenance = held.find((resource): resource is Provenance => resource.resourceType === 'Provenance');
  expect(provenance?.target).toHaveLength(resources.length - 1);
});

test('Goal entries that fail in the first attempt and its repair is retried later and then delivered', async () => {
  const referral = referralDoc(PLAN_EPISODE);
  expect((await settled(adapter, await submit(adapter, '/v1/referrals', referral))).status).toBe('delivered');

  // The plan has two Goals: both fail in the first transaction and again when sent once more.
  const goalFails = { resourceType: 'Goal', status: 503 };
  sandbox.entryFailures.failNext(goalFails, goalFails, goalFails, goalFails);
  const planId = await submit(adapter, '/v1/support-plans', supportPlan(referral.source.recordId));
  const status = await settled(adapter, planId);
  expect(status.status).toBe('delivered');
  const ledger = await ledgerOf(adapter, planId);
  expect(ledger.map((entry) => entry.type)).toEqual(['received', 'attempt-failed', 'delivered']);
  expect(ledger[1]?.reason).toContain('entry status 503');
  expect(sandbox.entryFailures.pending()).toBe(0);
});
