/**
 * Submissions the API refused (400 invalid, 403 outside the client's scope, 409 conflict, 422 no endpoint) as `rejected` ledger entries, so an
 * auditor can see what never got in and why. Only non-personal facts are kept: the kind, the client, the
 * practice and source ids when they are well formed, and each reason as a JSON path of the schema with an issue
 * code, never the values that were sent. The ledger is permanent and hash-chained, so what one refused body can
 * put into it is bounded: fields the schema does not know become one reason with a count (a field's *name* may be
 * a person's name or an NHS number), and at most MAX_REJECTION_REASONS reasons are kept.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { errorCodeOf } from '../lib/outcome';
import { GP_PRACTICE_ODS, sourceSchema } from '../messages/schemas';
import type { AuditLedger, RejectionReason } from '../store/ledger';
import type { LedgerEventOf } from '../store/ledger-events';

export type { RejectionReason };

export type RejectionStatus = 400 | 403 | 409 | 422;

export interface Rejection {
  readonly kind: string;
  readonly client: string;
  readonly httpStatus: RejectionStatus;
  /** The submitted body, read only for the practice and source ids when they are well formed. */
  readonly body: unknown;
  readonly issues: readonly OperationOutcomeIssue[];
  /** For a 409: the message already accepted with the same identity. */
  readonly conflictWith?: string;
  /** The refused request's X-Request-Id. */
  readonly requestId?: string;
  readonly at: Date;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** The practice ODS code, if the body carries a well-formed one. */
export function rejectedPractice(body: unknown): string | undefined {
  const ods = field(field(body, 'gpPractice'), 'odsCode');
  return typeof ods === 'string' && GP_PRACTICE_ODS.test(ods) ? ods : undefined;
}

function sourceIds(body: unknown): { sourceSystem?: string; recordId?: string; recordVersion?: number } {
  const source = field(body, 'source');
  const system = sourceSchema.shape.system.safeParse(field(source, 'system'));
  const recordId = sourceSchema.shape.recordId.safeParse(field(source, 'recordId'));
  const version = sourceSchema.shape.recordVersion.safeParse(field(source, 'recordVersion'));
  return {
    ...(system.success ? { sourceSystem: system.data } : {}),
    ...(recordId.success ? { recordId: recordId.data } : {}),
    ...(version.success ? { recordVersion: version.data } : {}),
  };
}

/** Most reasons one `rejected` entry keeps; the last one kept then counts those left out. */
export const MAX_REJECTION_REASONS = 100;

export function rejectionReasons(issues: readonly OperationOutcomeIssue[]): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  let unknownFields = 0;
  for (const issue of issues) {
    const error = errorCodeOf(issue);
    if (error === 'field-unknown') {
      // Only the schema's own paths enter the ledger: an unknown field's path is its name, chosen by the sender.
      unknownFields += 1;
    } else if (error !== 'too-many-problems') {
      reasons.push({ path: issue.expression?.[0] ?? '$this', code: issue.code });
    }
  }
  if (unknownFields > 0) {
    reasons.unshift({ path: '$this', code: 'structure', count: unknownFields });
  }
  if (reasons.length <= MAX_REJECTION_REASONS) {
    return reasons;
  }
  const kept = reasons.slice(0, MAX_REJECTION_REASONS - 1);
  return [...kept, { path: '$this', code: 'too-costly', count: reasons.length - kept.length }];
}

/** The ledger event of a rejection (pure, so what may enter the ledger is easy to see and test). */
export function rejectionEntry(rejection: Rejection): LedgerEventOf<'rejected'> {
  const practice = rejectedPractice(rejection.body);
  return {
    type: 'rejected',
    at: rejection.at.toISOString(),
    kind: rejection.kind,
    client: rejection.client,
    ...(rejection.requestId !== undefined ? { requestId: rejection.requestId } : {}),
    httpStatus: rejection.httpStatus,
    ...(practice !== undefined ? { practice } : {}),
    ...sourceIds(rejection.body),
    ...(rejection.conflictWith !== undefined ? { conflictWith: rejection.conflictWith } : {}),
    reasons: rejectionReasons(rejection.issues),
  };
}

/** Appends the rejection; the entry is indexed by practice and time (ledger-keys.ts) for reconciliation. */
export async function recordRejection(ledger: AuditLedger, rejection: Rejection): Promise<string> {
  return ledger.append(rejectionEntry(rejection), rejection.at);
}
