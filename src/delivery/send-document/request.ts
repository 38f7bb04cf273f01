/**
 * Finds the referral messages that reached a milestone sending the episode document, for each endpoint using the
 * Send Document route: it reads the endpoint's messages received since its cursor (the ledger's endpoint index),
 * asks the document store for a new version for each milestone, and only then moves the cursor on, so a crash
 * re-reads rather than misses. Asking twice for the same message changes nothing.
 */
import type { EpisodeDocumentStore, RequestOutcome } from '../../store/episode-documents';
import type { AuditLedger } from '../../store/ledger';
import type { MessageStore } from '../../store/message-store';
import type { MeshSettings } from '../../config/mesh-schema';
import { milestoneOf } from './milestones';

export interface MilestoneScanDeps {
  readonly ledger: AuditLedger;
  readonly messages: MessageStore;
  readonly documents: EpisodeDocumentStore;
  now(): Date;
}

const SCAN_PAGE = 500;

/** Requests the documents the endpoint's new referral messages call for; returns the versions asked for. */
export async function scanMilestones(
  deps: MilestoneScanDeps,
  endpointId: string,
  settings: Pick<MeshSettings, 'milestones'>,
): Promise<RequestOutcome[]> {
  const since = await deps.documents.cursor(endpointId);
  // Pages come newest first; the cursor is inclusive, so messages of the cursor's own millisecond come again.
  const ids: string[] = [];
  for (let offset = 0; ; offset += SCAN_PAGE) {
    const page = await deps.ledger.findMessageIds(
      { endpoint: endpointId },
      { from: new Date(since) },
      offset,
      SCAN_PAGE,
    );
    ids.push(...page.ids);
    if (page.ids.length < SCAN_PAGE) {
      break;
    }
  }
  const records = (await Promise.all(ids.map((id) => deps.messages.get(id)))).flatMap((r) =>
    r === undefined ? [] : [r],
  );
  records.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  const outcomes: RequestOutcome[] = [];
  let cursor = since;
  for (const record of records) {
    const received = Date.parse(record.receivedAt);
    if (record.message.kind === 'referral' && record.purgedAt === undefined) {
      const milestone = milestoneOf(record.message.body);
      if (milestone !== undefined && settings.milestones.includes(milestone)) {
        outcomes.push(
          await deps.documents.request({
            endpoint: endpointId,
            practice: record.practice,
            sourceSystem: record.message.body.source.system,
            referralId: record.message.body.source.recordId,
            trigger: record.id,
            milestone,
            now: deps.now(),
          }),
        );
      }
    }
    cursor = Math.max(cursor, received);
  }
  await deps.documents.setCursor(endpointId, cursor);
  return outcomes;
}
