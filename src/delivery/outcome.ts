/**
 * The result of one delivery attempt, in domain terms. The queue layer translates it into job success, a retry
 * or a permanent failure; nothing here knows about BullMQ.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { operationOutcome, outcomeIssue } from '../lib/outcome';
import type { RecordPart, WrittenResource } from '../messages/record';

/** The literal reference (`Patient/<id>`) of the patient the attempt resolved in the EHR, once it is known. */
interface ResolvedPatient {
  readonly patient?: string;
}

export type AttemptResult = (
  | {
      readonly kind: 'delivered';
      readonly resources: readonly WrittenResource[];
      readonly httpStatus: number;
      readonly patient: string;
      /** The record's parts once this version is delivered, for the store to keep (see dropped-parts.ts). */
      readonly parts?: readonly RecordPart[];
    }
  /** Nothing to do: the message is gone, already delivered or otherwise settled. */
  | { readonly kind: 'settled'; readonly reason: string }
  /** The EHR already holds a newer version of the same source record; writing this one would overwrite it. */
  | { readonly kind: 'superseded'; readonly reason: string; readonly ehrVersion: number }
  | {
      readonly kind: 'rejected';
      readonly reason: string;
      readonly outcome: OperationOutcome;
      readonly httpStatus?: number;
    }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      readonly retryAfterMs?: number;
      readonly httpStatus?: number;
      /** What a partly applied transaction did write, recorded on the message until an attempt completes it. */
      readonly resources?: readonly WrittenResource[];
    }
) &
  ResolvedPatient;

/** A one-issue OperationOutcome for a failure found on this side (no patient match, a timeout, a defect). */
export function outcomeOf(
  code: NonNullable<OperationOutcome['issue']>[number]['code'],
  text: string,
  expression?: string,
): OperationOutcome {
  return operationOutcome([outcomeIssue({ code, text, expression })]);
}

// The store writes the same summary into ledger entries, so it lives below both layers.
export { summariseOutcome } from '../lib/outcome-summary';
