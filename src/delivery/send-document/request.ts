/**
 * Finds the referral messages that reached a milestone sending the episode document, for each endpoint using the
 * Send Document route: it reads the endpoint's messages received since its cursor (the ledger's endpoint index),
 * asks the document store for a new version for each milestone, and only then moves the cursor on, so a crash
 * re-reads rather than misses. Asking twice for the same message changes nothing. The first look starts where the
 * endpoint's `mesh.sendFrom` says: when the route was first enabled for it (default), or its whole history.
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

/** Where the first look starts: 0 for the whole history, else when the route was first enabled for the endpoint. */
async function firstCursor(
  deps: MilestoneScanDeps,
  endpointId: string,
  settings: Pick<MeshSettings, 'sendFrom'>,
  routeStartedAt: Date,
): Promise<number> {
  // Recorded in either case, so when the route was first enabled for the endpoint is known whichever is set.
  const enabledAt = await deps.documents.routeEnabledAt(endpointId, routeStartedAt);
  return settings.sendFrom === 'all-history' ? 0 : enabledAt;
}

/**
 * Requests the documents the endpoint's new referral messages call for; returns the versions asked for.
 * @param routeStartedAt - when this process started the route: the endpoint's route-enabled time if none is
 *   recorded yet.
 */
export async function scanMilestones(
  deps: MilestoneScanDeps,
  endpointId: string,
  settings: Pick<MeshSettings, 'milestones' | 'sendFrom'>,
  routeStartedAt: Date,
): Promise<RequestOutcome[]> {
  const since =
    (await deps.documents.cursor(endpointId)) ?? (await firstCursor(deps, endpointId, settings, routeStartedAt));
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
