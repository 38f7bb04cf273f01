/**
 * The patient searches delivery makes: that Patient search by NHS number works at all, and, given a known test
 * patient's NHS number, that exactly one Patient has it. Only the masked number and the Patient's id are shown.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { FhirClient } from '../../delivery/fhir-client';
import { SYSTEMS } from '../../mapping/codes';
import { isValidNhsNumber, maskNhsNumber, normaliseNhsNumber } from '../../messages/nhs-number';
import type { CheckResult } from './check-result';
import { fail, pass, skip } from './check-result';

function refusedFix(status: number, settings: string): string {
  return status === 401 || status === 403
    ? `The EHR refuses Patient searches with these credentials: ask the supplier to grant Patient read (e.g. system/Patient.read or system/Patient.rs) to the client in ${settings}.auth.`
    : `The EHR could not answer Patient?identifier= (HTTP ${String(status)}): check ${settings}.baseUrl and ask the EHR supplier about NHS number searches.`;
}

export async function checkPatientSearch(client: FhirClient, settings: string): Promise<CheckResult> {
  const response = await client.search('Patient', {
    identifier: `${SYSTEMS.nhsNumber}|`,
    _count: '1',
    _elements: 'id',
  });
  return response.status === 200
    ? pass('patient search', 'Patient search by NHS number answers')
    : fail(
        'patient search',
        `Patient search by NHS number answered HTTP ${String(response.status)}`,
        refusedFix(response.status, settings),
      );
}

/** The test patient's reference when exactly one Patient has the NHS number. */
export async function checkTestPatient(
  client: FhirClient,
  nhsNumber: string | undefined,
  settings: string,
): Promise<{ readonly result: CheckResult; readonly reference?: string }> {
  if (nhsNumber === undefined) {
    return {
      result: skip('test patient', 'not asked for: give --test-patient <NHS number> of a test patient in this EHR'),
    };
  }
  if (!isValidNhsNumber(nhsNumber)) {
    return {
      result: fail(
        'test patient',
        `"${maskNhsNumber(nhsNumber)}" is not a valid NHS number`,
        'Give the 10-digit NHS number of the test patient, with a correct check digit.',
      ),
    };
  }
  const digits = normaliseNhsNumber(nhsNumber);
  const masked = maskNhsNumber(digits);
  const response = await client.search('Patient', {
    identifier: `${SYSTEMS.nhsNumber}|${digits}`,
    _count: '2',
    _elements: 'id',
  });
  if (response.status !== 200) {
    return {
      result: fail(
        'test patient',
        `searching for ${masked} answered HTTP ${String(response.status)}`,
        refusedFix(response.status, settings),
      ),
    };
  }
  const ids = ((response.body as Bundle | undefined)?.entry ?? []).flatMap((entry) =>
    entry.resource?.id !== undefined ? [entry.resource.id] : [],
  );
  const [id] = ids;
  if (ids.length === 1 && id !== undefined) {
    return { result: pass('test patient', `${masked} is Patient/${id}`), reference: `Patient/${id}` };
  }
  return {
    result:
      ids.length === 0
        ? fail(
            'test patient',
            `no Patient has NHS number ${masked}`,
            `Check the number; the EHR must hold the test patient with identifier system ${SYSTEMS.nhsNumber} (the adapter never creates patients).`,
          )
        : fail(
            'test patient',
            `more than one Patient has NHS number ${masked}`,
            'The EHR holds duplicate patient records for this NHS number: ask the practice to merge them; the adapter will refuse to deliver for such a patient.',
          ),
  };
}
