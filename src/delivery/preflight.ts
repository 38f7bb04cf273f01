/**
 * The mapping and profile check a delivery will run, run before one: the worker runs it on the EHR's references,
 * and intake runs it on placeholders, so a message that could never conform is refused with a 400 at the door
 * instead of being accepted and then failing for good in the worker.
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { IdentifiedResource, MapContext } from '../mapping';
import { mapMessage } from '../mapping';
import type { InboundMessage } from '../messages/schemas';

/** Checks an outbound resource against its profile; returns the problems (none when it conforms). */
export interface ConformanceCheck {
  check(resource: Resource): OperationOutcomeIssue[];
}

/** Stand-ins for the references only the EHR can give: the mapped shape (and so its conformance) is the same. */
export const PLACEHOLDER_PATIENT = { reference: 'Patient/intake-check' } as const;
export const PLACEHOLDER_REFERRAL = { reference: 'ServiceRequest/intake-check' } as const;

/** The errors (not warnings) the profiles find in mapped resources. */
export function conformanceErrors(
  resources: readonly IdentifiedResource[],
  conformance: ConformanceCheck,
): OperationOutcomeIssue[] {
  return resources
    .flatMap((resource) => conformance.check(resource))
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
}

/** What would stop this message from conforming once delivered, mapped as the worker will map it. */
export function preflightErrors(
  message: InboundMessage,
  conformance: ConformanceCheck,
  now: Date,
): OperationOutcomeIssue[] {
  const ctx: MapContext = {
    patient: PLACEHOLDER_PATIENT,
    ...(message.kind === 'referral' ? {} : { referral: PLACEHOLDER_REFERRAL }),
    recordedAt: now.toISOString(),
  };
  return conformanceErrors(mapMessage(message, ctx), conformance).map((issue) => ({
    ...issue,
    details: {
      ...issue.details,
      text: `the record would not conform to its profile once delivered: ${issue.details?.text ?? issue.code}`,
    },
  }));
}
