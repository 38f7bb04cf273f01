import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { RunningSandbox } from '../../src/sandbox';
import {
  NHS_NUMBER_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  SANDBOX_PATIENTS,
  seedSandbox,
  startSandbox,
} from '../../src/sandbox';
import { fhir } from './fhir-http';

/** Written out here rather than imported, so the test does not trust the code it checks. */
function passesModulus11(nhsNumber: string): boolean {
  if (!/^\d{10}$/.test(nhsNumber)) {
    return false;
  }
  const digits = Array.from(nhsNumber, Number);
  const sum = digits.slice(0, 9).reduce((total, digit, index) => total + digit * (10 - index), 0);
  const check = 11 - (sum % 11);
  if (check === 10) {
    return false;
  }
  return (check === 11 ? 0 : check) === digits[9];
}

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});

afterAll(async () => {
  await sandbox.close();
});

test('the modulus 11 check used here rejects a wrong check digit', () => {
  expect(passesModulus11('9990000018')).toBe(true);
  expect(passesModulus11('9990000019')).toBe(false);
});

test('there are 5 to 8 synthetic patients with distinct, valid NHS numbers from the 999 test range', () => {
  expect(SANDBOX_PATIENTS.length).toBeGreaterThanOrEqual(5);
  expect(SANDBOX_PATIENTS.length).toBeLessThanOrEqual(8);
  const numbers = SANDBOX_PATIENTS.map((p) => p.nhsNumber);
  expect(new Set(numbers).size).toBe(numbers.length);
  for (const nhsNumber of numbers) {
    expect(nhsNumber.startsWith('999')).toBe(true);
    expect(passesModulus11(nhsNumber)).toBe(true);
  }
});

test.each(SANDBOX_PATIENTS.map((p) => [p.nhsNumber, p] as const))(
  'seeded patient %s is findable by NHS number with their GP practice',
  async (nhsNumber, patient) => {
    const reply = await fhir<Bundle<Patient>>(
      sandbox.baseUrl,
      'GET',
      `Patient?identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${nhsNumber}`)}`,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.entry).toHaveLength(1);
    const found = reply.body.entry![0]!.resource!;
    expect(found.id).toBe(patient.id);
    expect(found.name?.[0]?.family).toBe(patient.family);
    expect(found.birthDate).toBe(patient.birthDate);
    expect(found.generalPractitioner?.[0]?.identifier).toEqual({
      system: ODS_ORGANIZATION_SYSTEM,
      value: patient.practiceOdsCode,
    });
  },
);

test('seeding again changes nothing', async () => {
  await seedSandbox(sandbox.repository);
  const all = await fhir<Bundle<Patient>>(sandbox.baseUrl, 'GET', 'Patient');
  expect(all.body.entry).toHaveLength(SANDBOX_PATIENTS.length);
  for (const entry of all.body.entry ?? []) {
    expect(entry.resource?.meta?.versionId).toBe('1');
  }
});
