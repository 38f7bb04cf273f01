/**
 * Replays failed episode documents, one or all a filter matches: the same version goes back to be sent again with
 * the next send number, so the practice receives the same ITK3 message (same ids) under a new MESH message, and
 * the step is in the ledger with who asked. The next round of the Send Document route enqueues it. A document of
 * a practice the asking client may not see reads as missing.
 */
import type { Scope } from '../config/client-scope';
import { permits } from '../config/client-scope';
import type { EpisodeDocumentRecord, EpisodeDocumentStore } from '../store/episode-documents';

export interface ReplayDocumentDeps {
  readonly documents: EpisodeDocumentStore;
  now(): Date;
}

export type ReplayDocumentResult =
  | { readonly ok: true; readonly version: number; readonly sendNo: number }
  | { readonly ok: false; readonly reason: 'not-found' | 'not-failed'; readonly status?: string };

export interface DocumentFilter {
  readonly practice?: string;
  readonly endpoint?: string;
  /** The practices the asking client may see; others' documents are left out. */
  readonly allowedPractices?: Scope;
}

export async function replayDocument(
  deps: ReplayDocumentDeps,
  documentId: string,
  by: string,
  allowedPractices: Scope = '*',
): Promise<ReplayDocumentResult> {
  const document = await deps.documents.get(documentId);
  if (document === undefined || !permits(allowedPractices, document.practice)) {
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
  if (step.ok) {
    return { ok: true, version: document.version, sendNo };
  }
  return step.reason === 'missing'
    ? { ok: false, reason: 'not-found' }
    : { ok: false, reason: 'not-failed', status: step.status };
}

/** The failed documents the filter matches, oldest failure first, at most `max` (and whether more match). */
export async function failedDocuments(
  deps: ReplayDocumentDeps,
  filter: DocumentFilter,
  max: number,
): Promise<{ readonly documents: readonly EpisodeDocumentRecord[]; readonly more: boolean }> {
  const found: EpisodeDocumentRecord[] = [];
  // Failed documents are never removed but by a replay, so the index is read whole.
  for (const id of await deps.documents.idsByStatus('failed', Number.MAX_SAFE_INTEGER)) {
    const document = await deps.documents.get(id);
    if (
      document?.status === 'failed' &&
      (filter.practice === undefined || document.practice === filter.practice) &&
      (filter.endpoint === undefined || document.endpoint === filter.endpoint) &&
      permits(filter.allowedPractices ?? '*', document.practice)
    ) {
      if (found.length === max) {
        return { documents: found, more: true };
      }
      found.push(document);
    }
  }
  return { documents: found, more: false };
}

/** Replays every failed document the filter matches (up to `max`), oldest failure first. */
export async function replayMatchingDocuments(
  deps: ReplayDocumentDeps,
  filter: DocumentFilter,
  by: string,
  max: number,
): Promise<{ readonly replayed: readonly string[]; readonly more: boolean }> {
  const { documents, more } = await failedDocuments(deps, filter, max);
  const replayed: string[] = [];
  for (const document of documents) {
    if ((await replayDocument(deps, document.id, by, filter.allowedPractices)).ok) {
      replayed.push(document.id);
    }
  }
  return { replayed, more };
}
