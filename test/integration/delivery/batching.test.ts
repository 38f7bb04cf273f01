/**
 * Micro-batching against the sandbox EHR over HTTP and real Redis, counting transactions where the EHR receives
 * them. The endpoint's request budget is kept low so that the messages of a test are all in flight before the
 * first is ready to write, which makes "ready together" certain rather than a matter of luck. Messages ready
 * together go out in one transaction and each is still recorded on its own (status, resources, Provenance, ledger
 * entries); a batch the EHR refuses as a whole is sent again message by message, so one bad message fails alone;
 * against an EHR that applies entries one by one, the message whose entry failed completes its own write;
 * two versions of one record and a record and its referral are never written out of order.
 */
import type { Bundle, Patient, Provenance, ServiceRequest } from '@medplum/fhirtypes';
import { sourceVersionOf } from '../../../src/delivery/attempt';
import type { ReferralMessage } from '../../../src/messages/schemas';
import { NHS_NUMBER_SYSTEM, startSandbox } from '../../../src/sandbox';
import type { TestAdapter } from '../../support/adapter';
import { FAST_RETRY } from '../../support/adapter';
import type { CountingSandbox } from '../../support/counting-sandbox';
import { startCountingSandbox } from '../../support/counting-sandbox';
import { goalDoc, referralDoc } from '../../support/fixtures';
import { fhirRequest, ledgerOf, settled, startDeliveryAdapter, submit } from './support';

/** A patient of this file's own, created in the EHR by the test that needs it. */
const OWN_NHS = '9000000017';
const OWN_PATIENT = { nhsNumber: OWN_NHS, name: { given: 'Ada', family: 'Example' }, birthDate: '1952-04-11' };

let ehr: CountingSandbox;

beforeAll(async () => {
  ehr = await startCountingSandbox();
});

afterAll(async () => {
  await ehr.close();
});

/**
 * An adapter whose endpoint batches, waiting long enough for every message in flight. Five requests a second for
 * four deliveries in flight: their lookups take the budget in turns, so all four have started before any writes.
 */
async function batchingAdapter(
  name: string,
  lookupCache: Record<string, unknown> = {},
  baseUrl = ehr.baseUrl,
): Promise<TestAdapter> {
  return startDeliveryAdapter(name, {
    roles: { api: true, worker: true, sandbox: false },
    config: {
      endpoints: [
        {
          id: 'ehr',
          baseUrl,
          practices: ['*'],
          concurrency: 4,
          maxRequestsPerSecond: 5,
          retry: FAST_RETRY,
          batch: { maxEntries: 100, maxWaitMs: 5000 },
          lookupCache,
        },
      ],
    },
  });
}

async function fhir(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return fhirRequest(ehr.baseUrl, method, path, body);
}

async function search<T>(path: string): Promise<T[]> {
  const found = await fhir('GET', path);
  return ((found.body as Bundle).entry ?? []).map((entry) => entry.resource as T);
}

async function serviceRequestsOf(referral: ReferralMessage): Promise<ServiceRequest[]> {
  const token = encodeURIComponent(`${referral.source.system}|referral/${referral.source.recordId}`);
  return search<ServiceRequest>(`ServiceRequest?identifier=${token}`);
}

/**
 * Submits every message with the endpoint's queue paused, then lets the workers take them: they all start
 * together, however slowly the API accepts them.
 */
async function submitAll(
  adapter: TestAdapter,
  messages: readonly { readonly path: string; readonly body: unknown }[],
): Promise<string[]> {
  const queue = adapter.services.queues.queue('ehr');
  await queue.pause();
  try {
    const ids: string[] = [];
    for (const { path, body } of messages) {
      ids.push(await submit(adapter, path, body));
    }
    return ids;
  } finally {
    await queue.resume();
  }
}

const referrals = (bodies: readonly ReferralMessage[]): { path: string; body: unknown }[] =>
  bodies.map((body) => ({ path: '/v1/referrals', body }));

test('four referrals ready together go out in one transaction, each recorded on its own', async () => {
  const adapter = await batchingAdapter('batching-one-transaction', { maxEntries: 0 });
  try {
    ehr.reset();
    const sent = Array.from({ length: 4 }, () => referralDoc());
    const ids = await submitAll(adapter, referrals(sent));
    const statuses = await Promise.all(ids.map(async (id) => settled(adapter, id, undefined, 60_000)));

    expect(statuses.map((status) => status.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    // Four patient lookups and four version checks, and one transaction for the four.
    expect(ehr.counts().byKind).toEqual({ 'GET Patient': 4, 'GET ServiceRequest': 4, 'POST /': 1 });

    for (const [index, referral] of sent.entries()) {
      const held = await serviceRequestsOf(referral);
      expect(held).toHaveLength(1);
      const status = statuses[index] ?? {};
      const resources = status.resources as { resourceType: string; reference: string }[];
      expect(resources.find((r) => r.resourceType === 'ServiceRequest')?.reference).toBe(
        `ServiceRequest/${held[0]?.id ?? ''}`,
      );
      // Its own Provenance, naming its own ServiceRequest.
      const provenance = resources.find((r) => r.resourceType === 'Provenance')?.reference ?? '';
      const written = (await fhir('GET', provenance)).body as Provenance;
      expect(written.target.map((target) => target.reference)).toContain(`ServiceRequest/${held[0]?.id ?? ''}`);
      // Its own ledger entries, with its own attempt and request id.
      const ledger = await ledgerOf(adapter, ids[index] ?? '');
      expect(ledger.map((entry) => entry.type)).toEqual(['received', 'delivered']);
      expect(ledger[1]).toMatchObject({ attempt: '1', requestId: `${ids[index] ?? ''}.1` });
    }
    const metrics = await adapter.services.metrics.registry.getMetricsAsJSON();
    const histogram = metrics.find((metric) => metric.name === 'spfa_ehr_batch_messages');
    const sum = histogram?.values.find((value) => (value as { metricName?: string }).metricName?.endsWith('_sum'));
    expect(sum?.value).toBe(4);
  } finally {
    await adapter.close();
  }
}, 90_000);

test('a batch refused as a whole is sent again message by message: the bad message fails, the others deliver', async () => {
  const adapter = await batchingAdapter('batching-one-bad');
  try {
    for (const patient of await search<Patient>(`Patient?identifier=${NHS_NUMBER_SYSTEM}|${OWN_NHS}`)) {
      await fhir('DELETE', `Patient/${patient.id ?? ''}`);
    }
    const created = await fhir('POST', 'Patient', {
      resourceType: 'Patient',
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: OWN_NHS }],
      name: [{ family: 'Example', given: ['Ada'] }],
      birthDate: '1952-04-11',
    } satisfies Patient);
    const ownId = (created.body as Patient).id ?? '';
    // The lookup cache learns the patient, who is then removed from the EHR: the next message's transaction
    // reads it back, and an atomic EHR refuses the whole transaction when that read fails.
    const first = await submit(adapter, '/v1/referrals', referralDoc({ patient: OWN_PATIENT }));
    expect((await settled(adapter, first, undefined, 30_000)).status).toBe('delivered');
    expect((await fhir('DELETE', `Patient/${ownId}`)).status).toBe(200);

    const good = Array.from({ length: 3 }, () => referralDoc());
    const bad = referralDoc({ patient: OWN_PATIENT });
    ehr.reset();
    const [badId, ...goodIds] = await submitAll(adapter, referrals([bad, ...good]));
    const badStatus = await settled(adapter, badId ?? '', undefined, 60_000);
    const goodStatuses = await Promise.all(goodIds.map(async (id) => settled(adapter, id, undefined, 60_000)));

    expect(goodStatuses.map((status) => status.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(badStatus.status).toBe('failed');
    expect(String(badStatus.lastError)).toContain('The EHR has no patient with NHS number');
    for (const referral of good) {
      expect(await serviceRequestsOf(referral)).toHaveLength(1);
    }
    expect(await serviceRequestsOf(bad)).toEqual([]);
    // The batch, then each of its four messages alone.
    expect(ehr.counts().byKind['POST /']).toBe(5);
    const split = adapter.services.metrics.registry.getSingleMetric('spfa_ehr_batches_split_total');
    expect((await split?.get())?.values[0]?.value).toBe(1);
  } finally {
    await adapter.close();
  }
}, 90_000);

test('versions of one record and a goal with its referral are written in order', async () => {
  const adapter = await batchingAdapter('batching-order');
  try {
    const v1 = referralDoc();
    const v2: ReferralMessage = { ...v1, source: { ...v1.source, recordVersion: 2 }, status: 'in-progress' };
    const goal = goalDoc(v1.source.recordId);
    const other = referralDoc();
    const [v2Id, v1Id, goalId, otherId] = await submitAll(adapter, [
      ...referrals([v2, v1]),
      { path: '/v1/goals', body: goal },
      ...referrals([other]),
    ]);
    const [s1, s2, sGoal, sOther] = await Promise.all(
      [v1Id, v2Id, goalId, otherId].map(async (id) => settled(adapter, id ?? '', undefined, 60_000)),
    );

    expect([s2?.status, sGoal?.status, sOther?.status]).toEqual(['delivered', 'delivered', 'delivered']);
    // The first version is delivered before the second, or found older than what the EHR holds.
    expect(['delivered', 'superseded']).toContain(s1?.status);
    const held = await serviceRequestsOf(v1);
    expect(held).toHaveLength(1);
    expect(sourceVersionOf(held[0])).toBe(2);
    // The goal was written after a version of its referral was in the EHR.
    const entries = (await Promise.all([v1Id, v2Id, goalId].map(async (id) => ledgerOf(adapter, id ?? '')))).flat();
    const delivered = (id: string | undefined): number =>
      Math.min(
        ...entries
          .filter((entry) => entry.messageId === id && entry.type === 'delivered')
          .map((entry) => Date.parse(entry.at ?? '')),
      );
    expect(delivered(goalId)).toBeGreaterThanOrEqual(Math.min(delivered(v1Id), delivered(v2Id)));
  } finally {
    await adapter.close();
  }
}, 90_000);

test('an EHR applying the batch entry by entry: the message whose entry failed completes its own write', async () => {
  const sandbox = await startSandbox({ port: 0, transactions: 'entry-by-entry' });
  const adapter = await batchingAdapter('batching-entry-by-entry', { maxEntries: 0 }, sandbox.baseUrl);
  try {
    const before = sandbox.answers.arrivals().length;
    // The first ServiceRequest entry of the next transaction fails with a transient status; the rest is written.
    sandbox.entryFailures.failNext({ resourceType: 'ServiceRequest', status: 503 });
    const sent = Array.from({ length: 4 }, () => referralDoc());
    const ids = await submitAll(adapter, referrals(sent));
    const statuses = await Promise.all(ids.map(async (id) => settled(adapter, id, undefined, 60_000)));

    expect(statuses.map((status) => status.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    // Every message in one attempt: the one with the failed entry sent it again itself, then its Provenance.
    expect(statuses.map((status) => status.attempts)).toEqual([1, 1, 1, 1]);
    const transactions = sandbox.answers
      .arrivals()
      .slice(before)
      .filter((arrival) => arrival.method === 'POST' && arrival.path === '/');
    expect(transactions).toHaveLength(3);
    for (const referral of sent) {
      const token = encodeURIComponent(`${referral.source.system}|referral/${referral.source.recordId}`);
      const found = await fhirRequest(sandbox.baseUrl, 'GET', `ServiceRequest?identifier=${token}`);
      expect((found.body as Bundle).entry ?? []).toHaveLength(1);
    }
  } finally {
    await adapter.close();
    await sandbox.close();
  }
}, 90_000);
