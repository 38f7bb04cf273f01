/**
 * Checks that the EHR's Patient found by NHS number is the person the message names: an NHS number typed wrongly
 * into the source system can belong to someone else, and filing a record in another person's chart is the worst
 * thing a delivery can do. The names of the fields that differ are returned, never their values.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { PatientRef } from '../messages/schemas';

/** The message fields compared with the EHR's Patient, as the OperationOutcome names them. */
export type PatientMatchField = 'patient.name.family' | 'patient.birthDate';

/**
 * A family name reduced to what identifies it: without case, accents (Unicode NFD, combining marks removed),
 * whitespace, hyphens or apostrophes, so "O'Brien-Smith" and "obrien smith" compare equal, as do "Zoë" and "Zoe".
 */
export function normaliseFamilyName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s\-\u2010-\u2015'\u2018\u2019\u02bc`]/gu, '');
}

/**
 * The fields the message carries that the EHR's Patient does not match (none when it is the same person, or the
 * message carries neither field). Any of the Patient's names may hold the family name (a maiden name, an alias);
 * a Patient without a birth date or a family name cannot confirm the one the message gives, so it does not match.
 */
export function patientMismatches(message: PatientRef, ehr: Patient): PatientMatchField[] {
  const mismatches: PatientMatchField[] = [];
  const family = message.name?.family;
  if (family !== undefined) {
    const wanted = normaliseFamilyName(family);
    const matches = (ehr.name ?? []).some(
      (name) => name.family !== undefined && normaliseFamilyName(name.family) === wanted,
    );
    if (!matches) {
      mismatches.push('patient.name.family');
    }
  }
  if (message.birthDate !== undefined && ehr.birthDate !== message.birthDate) {
    mismatches.push('patient.birthDate');
  }
  return mismatches;
}
