/**
 * Submissions the API refused (400 invalid, 403 outside the client's scope, 409 conflict, 422 no endpoint) as `rejected` ledger entries, so an
 * auditor can see what never got in and why. Only non-personal facts are kept: the kind, the client, the
 * practice and source ids when they are well formed, and each reason as a JSON path with an issue code, never
 * the values that were sent.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
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

export function rejectionReasons(issues: readonly OperationOutcomeIssue[]): RejectionReason[] {
  return issues.map((issue) => ({ path: issue.expression?.[0] ?? '$this', code: issue.code }));
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
