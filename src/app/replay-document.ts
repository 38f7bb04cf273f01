/**
 * Replays a failed episode document: the same version goes back to be sent again with the next send number, so
 * the practice receives the same ITK3 message (same ids) under a new MESH message, and the step is in the ledger.
 * The next round of the Send Document route enqueues it.
 */
import type { EpisodeDocumentStore } from '../store/episode-documents';

export type ReplayDocumentResult =
  | { readonly ok: true; readonly version: number; readonly sendNo: number }
  | { readonly ok: false; readonly reason: 'not-found' | 'not-failed'; readonly status?: string };

export async function replayDocument(
  deps: { readonly documents: EpisodeDocumentStore; now(): Date },
  documentId: string,
  by: string,
): Promise<ReplayDocumentResult> {
  const document = await deps.documents.get(documentId);
  if (document === undefined) {
    return { ok: false, reason: 'not-found' };
  }
  if (document.status !== 'failed') {
    return { ok: false, reason: 'not-failed', status: document.status };
  }
  const now = deps.now();
  const sendNo = document.sendNo + 1;
  const step = await deps.documents.step(documentId, {
    version: document.version,
    from: ['failed'],
    status: 'pending',
    now,
    fields: { sendNo: String(sendNo), lastError: '', nextAttemptAt: '', infrastructureAck: '', businessAck: '' },
    event: {
      type: 'document-replayed',
      messageId: documentId,
      endpoint: document.endpoint,
      practice: document.practice,
      version: document.version,
      by,
      previousError: document.lastError ?? '',
      at: now.toISOString(),
    },
  });
  return step.ok
    ? { ok: true, version: document.version, sendNo }
    : { ok: false, reason: step.reason === 'missing' ? 'not-found' : 'not-failed' };
}
