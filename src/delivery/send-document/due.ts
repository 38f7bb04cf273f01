/**
 * Which documents should be put on their endpoint's send queue now: pending ones whose retry time has come, and
 * ones left in `sending` by a worker that died. Enqueuing is idempotent (one job id per send try), so the sweep may
 * name a document that is already queued.
 */
import type { EpisodeDocumentRecord } from '../../store/episode-documents';
import type { SendDocumentDeps } from './deps';

export async function documentsDue(
  deps: Pick<SendDocumentDeps, 'documents' | 'now' | 'staleClaimMs'>,
): Promise<EpisodeDocumentRecord[]> {
  const now = deps.now().getTime();
  const ids = [...(await deps.documents.idsByStatus('pending')), ...(await deps.documents.idsByStatus('sending'))];
  const records = await Promise.all(ids.map((id) => deps.documents.get(id)));
  return records.filter((record): record is EpisodeDocumentRecord => {
    if (record === undefined) {
      return false;
    }
    if (record.status === 'sending') {
      return Date.parse(record.updatedAt) < now - deps.staleClaimMs;
    }
    return record.nextAttemptAt === undefined || Date.parse(record.nextAttemptAt) <= now;
  });
}

/** The BullMQ job id of one send try: a document, version, send and attempt count name it. */
export function sendJobId(record: Pick<EpisodeDocumentRecord, 'id' | 'version' | 'sendNo' | 'attempts'>): string {
  return `${record.id}.v${String(record.version)}.s${String(record.sendNo)}.a${String(record.attempts)}`;
}
