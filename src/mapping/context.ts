/**
 * What a mapper needs beyond the message itself: references the worker resolved in the EHR beforehand and the
 * moment of sending. Keeping them here (rather than letting a mapper look them up or read a clock) is what keeps
 * mappers pure and golden-testable.
 */
import type { EpisodeOfCare, Patient, Reference, Resource, ServiceRequest } from '@medplum/fhirtypes';
import type { InboundMessage } from '../messages/schemas';

export interface MapContext {
  /** The patient as the EHR knows them, found by NHS number. */
  readonly patient: Reference<Patient>;
  /** The referral this record belongs to, as written in the EHR (absent for a referral itself). */
  readonly referral?: Reference<ServiceRequest>;
  /** When this delivery is made (ISO 8601 instant): the Provenance's `recorded`. */
  readonly recordedAt: string;
  /**
   * The version of the same record this one follows, when the store still holds it: what it wrote and this version
   * no longer does is retracted (see retraction.ts).
   */
  readonly previous?: InboundMessage;
  /**
   * For a referral that ends its episode: the goals, plans and connections the EHR holds for the patient, found by
   * the worker, so the ones of this episode that are still open are closed with it (see episode-closure.ts).
   */
  readonly episodeParts?: readonly Resource[];
  /**
   * For a referral that ends its episode: its EpisodeOfCare as the EHR names it (`EpisodeOfCare/<the server's id>`),
   * the reference the episode's parts carry.
   */
  readonly episodeOfCare?: Reference<EpisodeOfCare>;
  /**
   * Parts earlier delivered versions of this record wrote and this version no longer does, as the EHR holds them
   * (found by the worker from what the store kept of those deliveries): each is retracted. When given, `previous`
   * is not compared.
   */
  readonly dropped?: readonly Resource[];
}
