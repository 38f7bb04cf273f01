/**
 * The lookup cache against the sandbox EHR over HTTP, counting requests where the EHR receives them: without the
 * cache a referral costs three requests and a follow-up four; with it, once the patient and the referral are
 * known, each costs two (the version check and the transaction). A Patient deleted in the EHR after it was cached
 * is not written against: the transaction that reads it back fails, the entry is forgotten, the next lookup finds
 * no patient and nothing of that message is in the EHR; a Patient created again is found afresh.
 */
import type { Bundle, Patient, ServiceRequest } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { NHS_NUMBER_SYSTEM } from '../../../src/sandbox';
import type { TestAdapter } from '../../support/adapter';
import { FAST_RETRY } from '../../support/adapter';
import type { CountingSandbox } from '../../support/counting-sandbox';
import { startCountingSandbox } from '../../support/counting-sandbox';
import { goalDoc, referralDoc } from '../../support/fixtures';
import { TEST_REDIS_URL } from '../../support/redis';
import { fhirRequest, settled, startDeliveryAdapter, submit } from './support';

const NHS = '9000000017';
let ehr: CountingSandbox;

beforeAll(async () => {
  ehr = await startCountingSandbox();
});

afterAll(async () => {
  await ehr.close();
});

async function adapterWith(name: string, lookupCache: Record<string, unknown>): Promise<TestAdapter> {
  return startDeliveryAdapter(name, {
    roles: { api: true, worker: true, sandbox: false },
    config: {
      endpoints: [{ id: 'ehr', baseUrl: ehr.baseUrl, practices: ['*'], retry: FAST_RETRY, lookupCache }],
    },
  });
}

async function fhir(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return fhirRequest(ehr.baseUrl, method, path, body);
}

async function createPatient(): Promise<string> {
  const created = await fhir('POST', 'Patient', {
    resourceType: 'Patient',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: NHS }],
    name: [{ family: 'Example', given: ['Ada'] }],
    birthDate: '1952-04-11',
  } satisfies Patient);
  expect(created.status).toBe(201);
  return (created.body as Patient).id ?? '';
}

/** Delivers one message and returns the EHR requests it cost, by kind. */
async function requestsFor(
  adapter: TestAdapter,
  path: string,
  body: unknown,
  status = 'delivered',
): Promise<{ id: string; total: number; byKind: Readonly<Record<string, number>> }> {
  ehr.reset();
  const id = await submit(adapter, path, body);
  expect((await settled(adapter, id)).status).toBe(status);
  return { id, ...ehr.counts() };
}

function patient(): { nhsNumber: string; name: { given: string; family: string }; birthDate: string } {
  return { nhsNumber: NHS, name: { given: 'Ada', family: 'Example' }, birthDate: '1952-04-11' };
}

async function serviceRequestsOf(recordId: string, system: string): Promise<ServiceRequest[]> {
  const token = encodeURIComponent(`${system}|referral/${recordId}`);
  const found = await fhir('GET', `ServiceRequest?identifier=${token}`);
  return ((found.body as Bundle).entry ?? []).map((entry) => entry.resource as ServiceRequest);
}

describe('EHR requests per message', () => {
  test('without the cache: three per referral, four per follow-up', async () => {
    await createPatient();
    const adapter = await adapterWith('lookup-cache-off', { maxEntries: 0 });
    try {
      const referral = referralDoc({ patient: patient() });
      expect((await requestsFor(adapter, '/v1/referrals', referral)).total).toBe(3);
      expect((await requestsFor(adapter, '/v1/referrals', referralDoc({ patient: patient() }))).total).toBe(3);
      const goal = await requestsFor(adapter, '/v1/goals', goalDoc(referral.source.recordId, { patient: patient() }));
      expect(goal.byKind).toEqual({ 'GET Patient': 1, 'GET ServiceRequest': 1, 'GET Goal': 1, 'POST /': 1 });
    } finally {
      await adapter.close();
    }
  });

  test('with the cache: two per message once the patient and the referral are known, shared through Redis', async () => {
    const adapter = await adapterWith('lookup-cache-on', {});
    try {
      const referral = referralDoc({ patient: patient() });
      expect((await requestsFor(adapter, '/v1/referrals', referral)).total).toBe(3);
      const second = await requestsFor(adapter, '/v1/referrals', referralDoc({ patient: patient() }));
      expect(second.byKind).toEqual({ 'GET ServiceRequest': 1, 'POST /': 1 });
      const goal = await requestsFor(adapter, '/v1/goals', goalDoc(referral.source.recordId, { patient: patient() }));
      expect(goal.byKind).toEqual({ 'GET Goal': 1, 'POST /': 1 });

      const redis = new Redis(TEST_REDIS_URL);
      try {
        const keys = await redis.keys(`${adapter.prefix}:resolution:ehr:*`);
        expect(keys.filter((key) => key.includes(':patient:'))).toHaveLength(1);
        expect(keys.filter((key) => key.includes(':referral:'))).toHaveLength(2);
        expect(keys.some((key) => key.includes(NHS))).toBe(false);
        const ttl = await redis.pttl(keys[0] ?? '');
        expect(ttl).toBeGreaterThan(0);
      } finally {
        await redis.quit();
      }
    } finally {
      await adapter.close();
    }
  });
});

test('a cached Patient deleted in the EHR is not written against: the next delivery looks again', async () => {
  const adapter = await adapterWith('lookup-cache-invalidation', {});
  try {
    const existing = await fhir('GET', `Patient?identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${NHS}`)}`);
    for (const entry of (existing.body as Bundle).entry ?? []) {
      expect((await fhir('DELETE', `Patient/${entry.resource?.id ?? ''}`)).status).toBe(200);
    }
    const first = await createPatient();
    const referral = referralDoc({ patient: patient() });
    expect((await requestsFor(adapter, '/v1/referrals', referral)).total).toBe(3);
    expect((await serviceRequestsOf(referral.source.recordId, referral.source.system))[0]?.subject.reference).toBe(
      `Patient/${first}`,
    );

    expect((await fhir('DELETE', `Patient/${first}`)).status).toBe(200);
    const orphan = referralDoc({ patient: patient() });
    const refused = await requestsFor(adapter, '/v1/referrals', orphan, 'failed');
    // The version check, the transaction the EHR refused (its read of the cached Patient failed), a fresh lookup.
    expect(refused.byKind).toEqual({ 'GET ServiceRequest': 1, 'POST /': 1, 'GET Patient': 1 });
    const status = await settled(adapter, refused.id);
    expect(String(status.lastError)).toContain('The EHR has no patient with NHS number');
    expect(await serviceRequestsOf(orphan.source.recordId, orphan.source.system)).toEqual([]);

    const second = await createPatient();
    const after = referralDoc({ patient: patient() });
    expect((await requestsFor(adapter, '/v1/referrals', after)).byKind).toEqual({
      'GET Patient': 1,
      'GET ServiceRequest': 1,
      'POST /': 1,
    });
    expect((await serviceRequestsOf(after.source.recordId, after.source.system))[0]?.subject.reference).toBe(
      `Patient/${second}`,
    );
  } finally {
    await adapter.close();
  }
});
