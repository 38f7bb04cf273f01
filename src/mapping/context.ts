/**
 * What a mapper needs beyond the message itself: references the worker resolved in the EHR beforehand and the
 * moment of sending. Keeping them here (rather than letting a mapper look them up or read a clock) is what keeps
 * mappers pure and golden-testable.
 */
import type { Patient, Reference, ServiceRequest } from '@medplum/fhirtypes';

export interface MapContext {
  /** The patient as the EHR knows them, found by NHS number. */
  readonly patient: Reference<Patient>;
  /** The referral this record belongs to, as written in the EHR (absent for a referral itself). */
  readonly referral?: Reference<ServiceRequest>;
  /** When this delivery is made (ISO 8601 instant): the Provenance's `recorded`. */
  readonly recordedAt: string;
}
