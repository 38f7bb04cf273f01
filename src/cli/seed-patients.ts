/**
 * `seed-patients`: writes the sandbox's synthetic patients (999-range NHS numbers) into any FHIR R4 server, so a
 * test EHR such as a local HAPI FHIR container knows the patients the examples and demos refer to. Each write is
 * a conditional update on the NHS number, so running it twice changes nothing.
 */
import type { FhirClient } from '../delivery/fhir-client';
import { SYSTEMS } from '../mapping/codes';
import { SANDBOX_PATIENTS, toFhirPatient } from '../sandbox';

export async function seedPatients(client: FhirClient): Promise<string[]> {
  const lines: string[] = [];
  for (const patient of SANDBOX_PATIENTS) {
    // The target server chooses its own ids; the NHS number is what identifies the patient.
    const resource = { ...toFhirPatient(patient), id: undefined };
    const url = `Patient?identifier=${encodeURIComponent(SYSTEMS.nhsNumber)}|${patient.nhsNumber}`;
    const response = await client.request('PUT', url, resource);
    if (response.status >= 300) {
      throw new Error(`writing patient ${patient.id} failed: HTTP ${response.status}`);
    }
    lines.push(
      `${response.status === 201 ? 'created' : 'updated'} ${patient.given} ${patient.family} (${patient.practiceOdsCode})`,
    );
  }
  return lines;
}
