/**
 * The human-readable gist of a FHIR OperationOutcome, shared by the delivery results, the store's ledger entries
 * and the audit forwarding, which all record it as plain text.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';

/** The outcome's issues' texts (or diagnostics, or codes), joined; empty for no outcome. */
export function summariseOutcome(outcome: OperationOutcome | undefined): string {
  const texts = (outcome?.issue ?? []).map((issue) => issue.details?.text ?? issue.diagnostics ?? issue.code);
  return texts.join('; ');
}
