/**
 * The patient check against the sandbox EHR over HTTP: a referral whose NHS number belongs to a Patient with
 * another birth date fails for good without writing anything, its reason and ledger entry name the field but no
 * value, and once the GP record is corrected a replay delivers it.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../../src/sandbox';
import type { TestAdapter } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';
import { ledgerOf, replay, settled, startDeliveryAdapter, submit } from './support';

const NHS = '9000000009';
let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startDeliveryAdapter('delivery-patient-match');
});

afterAll(async () => {
  await adapter.close();
});

async function fhir(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${adapter.sandbox?.baseUrl ?? ''}/${path}`, {
    method,
    headers: { 'content-type': 'application/fhir+json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('a Patient with another birth date is not written to, and a replay delivers once the GP record is corrected', async () => {
  const referral = referralDoc({
    patient: { nhsNumber: NHS, name: { given: 'Ada', family: 'Example' }, birthDate: '1952-04-11' },
  });
  const created = await fhir('POST', 'Patient', {
    resourceType: 'Patient',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: NHS }],
    name: [{ family: 'EXAMPLE', given: ['Ada'] }],
    birthDate: '1925-04-11',
  });
  expect(created.status).toBe(201);

  const id = await submit(adapter, '/v1/referrals', referral);
  const failed = await settled(adapter, id);
  expect(failed.status).toBe('failed');
  expect(failed.lastError).toBe("patient.birthDate does not match the EHR's Patient found by NHS number");
  const outcome = failed.outcome as { issue: { expression?: string[] }[] };
  expect(outcome.issue.flatMap((issue) => issue.expression ?? [])).toEqual(['patient.birthDate']);
  const written = await fhir(
    'GET',
    `ServiceRequest?identifier=${encodeURIComponent(`${referral.source.system}|referral/${referral.source.recordId}`)}`,
  );
  expect((written.body as unknown as Bundle).entry ?? []).toHaveLength(0);

  const failedEntry = (await ledgerOf(adapter, id)).find((entry) => entry.type === 'failed');
  expect(failedEntry?.reason).toBe("patient.birthDate does not match the EHR's Patient found by NHS number");
  const everything = JSON.stringify({ failed, ledger: await ledgerOf(adapter, id) });
  for (const value of ['1952-04-11', '1925-04-11', 'Example', 'EXAMPLE', NHS]) {
    expect(everything).not.toContain(value);
  }

  // The GP record had the birth date wrong; corrected, the same message is delivered.
  const corrected = await fhir('PUT', `Patient/${String(created.body.id)}`, {
    ...created.body,
    birthDate: '1952-04-11',
  });
  expect(corrected.status).toBe(200);
  expect(await replay(adapter, id)).toBe(202);
  expect((await settled(adapter, id)).status).toBe('delivered');
});
