/**
 * The synthetic patients the sandbox EHR starts with. The adapter references patients by NHS number and never
 * creates them, so the sandbox must already hold the patients that demos, tests and benchmarks talk about.
 * Every NHS number is from the 999 range, which is never issued to real people, and passes the modulus 11 check.
 */
import type { SearchRequest, WithId } from '@medplum/core';
import { Operator } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import type { ValidatingMemoryRepository } from './validating-repository';

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_ORGANIZATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

export interface SandboxPatient {
  /** Fixed resource id, so docs and examples can point at `Patient/<id>`. */
  readonly id: string;
  readonly nhsNumber: string;
  readonly given: string;
  readonly family: string;
  readonly birthDate: string;
  readonly gender: 'male' | 'female' | 'other' | 'unknown';
  /** ODS code of the GP practice the patient is registered with. */
  readonly practiceOdsCode: string;
}

export const SANDBOX_PATIENTS: readonly SandboxPatient[] = [
  {
    id: 'sandbox-patient-1',
    nhsNumber: '9990000018',
    // The person examples/referral.json names, so the README's examples reach a Patient they match.
    given: 'Ada',
    family: 'Example',
    birthDate: '1952-04-11',
    gender: 'female',
    practiceOdsCode: 'A81001',
  },
  {
    id: 'sandbox-patient-2',
    nhsNumber: '9990013713',
    given: 'Oliver',
    family: 'Pritchard',
    birthDate: '1962-11-02',
    gender: 'male',
    practiceOdsCode: 'A81001',
  },
  {
    id: 'sandbox-patient-3',
    nhsNumber: '9990027412',
    given: 'Priya',
    family: 'Chandra',
    birthDate: '1985-07-21',
    gender: 'female',
    practiceOdsCode: 'A81001',
  },
  {
    id: 'sandbox-patient-4',
    nhsNumber: '9990041113',
    given: 'Thomas',
    family: 'Okafor',
    birthDate: '1979-01-30',
    gender: 'male',
    practiceOdsCode: 'A81002',
  },
  {
    id: 'sandbox-patient-5',
    nhsNumber: '9990054819',
    given: 'Eleanor',
    family: 'Fitzgerald',
    birthDate: '1939-09-08',
    gender: 'female',
    practiceOdsCode: 'A81002',
  },
  {
    id: 'sandbox-patient-6',
    nhsNumber: '9990068518',
    given: 'Mohammed',
    family: 'Rahman',
    birthDate: '1991-05-17',
    gender: 'male',
    practiceOdsCode: 'B82005',
  },
  {
    id: 'sandbox-patient-7',
    nhsNumber: '9990082219',
    given: 'Siân',
    family: 'Llewellyn',
    birthDate: '2001-12-03',
    gender: 'female',
    practiceOdsCode: 'B82005',
  },
];

export function toFhirPatient(patient: SandboxPatient): Patient {
  return {
    resourceType: 'Patient',
    id: patient.id,
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: patient.nhsNumber }],
    active: true,
    name: [{ use: 'official', family: patient.family, given: [patient.given] }],
    gender: patient.gender,
    birthDate: patient.birthDate,
    generalPractitioner: [
      { type: 'Organization', identifier: { system: ODS_ORGANIZATION_SYSTEM, value: patient.practiceOdsCode } },
    ],
  };
}

/**
 * Puts every sandbox patient into the repository unless a patient with that NHS number is already there, so it
 * can run on every start against a repository that outlived a previous listener.
 */
export async function seedSandbox(repository: ValidatingMemoryRepository): Promise<readonly WithId<Patient>[]> {
  const seeded: WithId<Patient>[] = [];
  for (const patient of SANDBOX_PATIENTS) {
    const byNhsNumber: SearchRequest<Patient> = {
      resourceType: 'Patient',
      filters: [{ code: 'identifier', operator: Operator.EQUALS, value: `${NHS_NUMBER_SYSTEM}|${patient.nhsNumber}` }],
    };
    const { resource } = await repository.conditionalCreate(toFhirPatient(patient), byNhsNumber, { assignedId: true });
    seeded.push(resource);
  }
  return seeded;
}
