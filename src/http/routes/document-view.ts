/**
 * How the API shows an episode document to operators: its state, version and send, the practice's
 * acknowledgements and the last error, without any patient data.
 */
import type { EpisodeDocumentRecord } from '../../store/episode-documents';

/** What an operator needs to judge a document: where it is, which version and send, its answers, what went wrong. */
export interface DocumentView {
  readonly documentId: string;
  readonly status: EpisodeDocumentRecord['status'];
  readonly version: number;
  readonly sendNo: number;
  readonly attempts: number;
  readonly milestone: string;
  readonly practice: string;
  readonly endpoint: string;
  readonly source: { readonly system: string; readonly recordId: string };
  readonly requestedAt: string;
  readonly updatedAt: string;
  readonly sentAt?: string;
  readonly deadlineAt?: string;
  readonly acknowledgements: { readonly infrastructure?: string; readonly business?: string };
  readonly deliveredAt?: string;
  readonly lastError?: string;
  readonly nextAttemptAt?: string;
  readonly itkMessageId?: string;
  readonly meshMessageId?: string;
}

export function documentView(d: EpisodeDocumentRecord): DocumentView {
  return {
    documentId: d.id,
    status: d.status,
    version: d.version,
    sendNo: d.sendNo,
    attempts: d.attempts,
    milestone: d.milestone,
    practice: d.practice,
    endpoint: d.endpoint,
    source: { system: d.sourceSystem, recordId: d.referralId },
    requestedAt: d.requestedAt,
    updatedAt: d.updatedAt,
    ...(d.sentAt !== undefined ? { sentAt: d.sentAt } : {}),
    ...(d.deadlineAt !== undefined ? { deadlineAt: d.deadlineAt } : {}),
    acknowledgements: {
      ...(d.infrastructureAck !== undefined ? { infrastructure: d.infrastructureAck } : {}),
      ...(d.businessAck !== undefined ? { business: d.businessAck } : {}),
    },
    ...(d.deliveredAt !== undefined ? { deliveredAt: d.deliveredAt } : {}),
    ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
    ...(d.nextAttemptAt !== undefined ? { nextAttemptAt: d.nextAttemptAt } : {}),
    ...(d.itkMessageId !== undefined ? { itkMessageId: d.itkMessageId } : {}),
    ...(d.meshMessageId !== undefined ? { meshMessageId: d.meshMessageId } : {}),
  };
}
