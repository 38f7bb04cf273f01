/**
 * Replays failed episode documents, one or all a filter matches: the same version goes back to be sent again with
 * the next send number, so the practice receives the same ITK3 message (same ids) under a new MESH message, and
 * the step is in the ledger with who asked. The next round of the Send Document route enqueues it. A document of
 * a practice the asking client may not see reads as missing.
 */
import type { Scope } from '../config/client-scope';
import { permits } from '../config/client-scope';
import type { DocumentStatus, EpisodeDocumentRecord, EpisodeDocumentStore } from '../store/episode-documents';

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

export interface DocumentPage {
  readonly documents: readonly EpisodeDocumentRecord[];
  /** Where the next page starts, when there may be more. */
  readonly nextCursor?: number;
}

const SCAN_PAGE = 200;
/** Most ids one listing call looks at, so a narrow filter over a large status index still answers promptly. */
const SCAN_LIMIT = 5000;

/** One page of the documents in a status that match the filter, oldest change first, from `cursor` in its index. */
export async function findDocuments(
  deps: ReplayDocumentDeps,
  filter: DocumentFilter & { readonly status: DocumentStatus },
  cursor: number,
  limit: number,
): Promise<DocumentPage> {
  const found: EpisodeDocumentRecord[] = [];
  let offset = cursor;
  while (found.length < limit && offset - cursor < SCAN_LIMIT) {
    const ids = await deps.documents.idsByStatus(filter.status, SCAN_PAGE, offset);
    if (ids.length === 0) {
      return { documents: found };
    }
    for (const id of ids) {
      offset += 1;
      const document = await deps.documents.get(id);
      if (
        document?.status === filter.status &&
        (filter.practice === undefined || document.practice === filter.practice) &&
        (filter.endpoint === undefined || document.endpoint === filter.endpoint) &&
        permits(filter.allowedPractices ?? '*', document.practice)
      ) {
        found.push(document);
        if (found.length === limit) {
          break;
        }
      }
    }
  }
  return { documents: found, nextCursor: offset };
}

/** The failed documents the filter matches, oldest failure first, at most `max` (and whether more match). */
export async function failedDocuments(
  deps: ReplayDocumentDeps,
  filter: DocumentFilter,
  max: number,
): Promise<{ readonly documents: readonly EpisodeDocumentRecord[]; readonly more: boolean }> {
  const found: EpisodeDocumentRecord[] = [];
  let cursor: number | undefined = 0;
  // One more than asked for, to tell whether more match.
  while (cursor !== undefined && found.length <= max) {
    const page: DocumentPage = await findDocuments(
      deps,
      { ...filter, status: 'failed' },
      cursor,
      max + 1 - found.length,
    );
    found.push(...page.documents);
    cursor = page.nextCursor;
  }
  return { documents: found.slice(0, max), more: found.length > max };
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
