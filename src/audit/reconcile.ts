/**
 * The reconciliation report for one practice and period, built from the ledger alone (the record auditors can
 * verify): of the messages received in the period, how many were delivered, failed, superseded or are still
 * pending, which were replayed, the list of everything undelivered with its last reason, the submissions the API
 * refused for the practice with their reasons, the gaps in each source record's version numbers, and the episode
 * documents sent over MESH whose latest version was asked for in the period, each with its state and timeline.
 */
import type { AuditLedger, LedgerEntry } from '../store/ledger';
import { receivedOf } from '../store/ledger';
import type { RejectionReason } from '../store/ledger';
import type { LedgerEventOf } from '../store/ledger-events';

export type FinalState = 'pending' | 'delivered' | 'failed' | 'superseded';

export interface ReconciliationQuery {
  readonly practice: string;
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
}

export interface UndeliveredMessage {
  readonly messageId: string;
  readonly state: FinalState;
  readonly kind: string;
  readonly sourceSystem: string;
  readonly recordId: string;
  readonly recordVersion: number;
  readonly receivedAt: string;
  readonly attempts: number;
  /** The last failure reason the ledger holds, if any. */
  readonly reason?: string;
}

/** A submission the API refused (it never became a message), as its `rejected` ledger entry records it. */
export interface RejectedSubmission {
  /** The ledger entry's stream id. */
  readonly entryId: string;
  readonly at: string;
  readonly kind: string;
  readonly client: string;
  readonly httpStatus: number;
  readonly sourceSystem?: string;
  readonly recordId?: string;
  readonly recordVersion?: number;
  readonly reasons: readonly RejectionReason[];
}

export interface VersionGap {
  readonly sourceSystem: string;
  readonly recordId: string;
  /** Inclusive ranges of version numbers never received, between 1 and the highest version received. */
  readonly missing: readonly { readonly from: number; readonly to: number }[];
}

/** Where an episode document's latest version got to, as its own ledger timeline tells it. */
export type DocumentState = 'pending' | 'awaiting-ack' | 'delivered' | 'failed';

/** One step of a document's timeline, as the report lists it. */
export interface DocumentStep {
  readonly at: string;
  readonly type: string;
  readonly version: number;
  /** What the step says in a few words: the acknowledgement code, the failure reason, who replayed. */
  readonly detail?: string;
}

export interface DocumentFate {
  readonly documentId: string;
  readonly endpoint: string;
  readonly practice: string;
  readonly sourceSystem: string;
  /** The referral's record id in the source system. */
  readonly recordId: string;
  readonly version: number;
  readonly state: DocumentState;
  /** MESH messages sent for the latest version (a resend after silence or a replay sends another). */
  readonly sends: number;
  readonly replayed: number;
  readonly infrastructureAck?: string;
  readonly businessAck?: string;
  /** The last failure reason of the latest version, if any. */
  readonly reason?: string;
  readonly requestedAt: string;
  readonly deliveredAt?: string;
  readonly timeline: readonly DocumentStep[];
}

export interface ReconciliationReport {
  readonly practice: string;
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly counts: {
    readonly received: number;
    readonly delivered: number;
    readonly failed: number;
    readonly pending: number;
    readonly superseded: number;
    /** Messages replayed at least once (whatever their state now). */
    readonly replayed: number;
    /** Submissions naming the practice that the API refused (400, 403, 409, 422); not part of `received`. */
    readonly rejected: number;
  };
  readonly undelivered: readonly UndeliveredMessage[];
  readonly rejected: readonly RejectedSubmission[];
  readonly gaps: readonly VersionGap[];
  /** Episode documents (GP Connect Send Document) whose latest version was asked for in the period. */
  readonly documents: {
    readonly counts: Readonly<Record<DocumentState, number>> & {
      readonly requested: number;
      readonly replayed: number;
    };
    /** Every one not delivered, with its state, last reason and timeline. */
    readonly undelivered: readonly DocumentFate[];
  };
}

interface MessageFate {
  readonly received: LedgerEventOf<'received'>;
  readonly state: FinalState;
  readonly replayed: boolean;
  readonly attempts: number;
  readonly reason?: string;
}

/** Replays one message's ledger entries to the state they leave it in. */
export function fateOf(timeline: readonly LedgerEntry[]): MessageFate | undefined {
  const received = receivedOf(timeline);
  if (received === undefined) {
    return undefined;
  }
  let state: FinalState = 'pending';
  let replayed = false;
  let attempts = 0;
  let reason: string | undefined;
  for (const { event } of timeline) {
    if (event === undefined) {
      continue;
    }
    switch (event.type) {
      case 'attempt-failed':
        attempts += 1;
        state = 'pending';
        reason = event.reason;
        break;
      case 'delivered':
        attempts += 1;
        state = 'delivered';
        break;
      case 'failed':
        attempts += 1;
        state = 'failed';
        reason = event.reason;
        break;
      case 'superseded':
        state = 'superseded';
        reason = event.reason;
        break;
      case 'replayed':
        replayed = true;
        state = 'pending';
        break;
      // Episode documents have timelines of their own (documentFateOf below), never a message's.
      case 'received':
      case 'rejected':
      case 'purged':
      case 'audit-access':
      case 'audit-forwarded':
      case 'audit-forward-failed':
      case 'document-requested':
      case 'document-sent':
      case 'document-attempt-failed':
      case 'document-acknowledged':
      case 'document-delivered':
      case 'document-failed':
      case 'document-replayed':
        break;
    }
  }
  return { received, state, replayed, attempts, ...(reason !== undefined ? { reason } : {}) };
}

/**
 * Replays one episode document's ledger entries to where its latest version got to. A new version starts again
 * from pending; a replay or a resend after silence goes back to pending and counts one more send when it goes.
 */
export function documentFateOf(timeline: readonly LedgerEntry[]): DocumentFate | undefined {
  let fate: Omit<DocumentFate, 'timeline'> | undefined;
  const steps: DocumentStep[] = [];
  // An acknowledgement proves a send even when the send's own entry comes later (it was recorded after the
  // practice answered) or never (its worker died waiting for MESH's answer); that send is counted once.
  let sendInferred = false;
  for (const { event } of timeline) {
    if (event === undefined) {
      continue;
    }
    switch (event.type) {
      case 'document-requested':
        sendInferred = false;
        fate = {
          documentId: event.messageId,
          endpoint: event.endpoint,
          practice: event.practice,
          sourceSystem: event.sourceSystem,
          recordId: event.recordId,
          version: event.version,
          state: 'pending',
          sends: 0,
          replayed: 0,
          requestedAt: event.at,
        };
        steps.push({ at: event.at, type: event.type, version: event.version, detail: event.milestone });
        break;
      case 'document-sent':
        if (fate?.version === event.version) {
          // An acknowledgement may have settled the version before its send was recorded.
          const settled = fate.state === 'delivered' || fate.state === 'failed';
          fate = {
            ...fate,
            sends: sendInferred ? fate.sends : fate.sends + 1,
            ...(settled ? {} : { state: 'awaiting-ack' as const }),
          };
          sendInferred = false;
        }
        steps.push({
          at: event.at,
          type: event.type,
          version: event.version,
          detail: event.adopted === 'true' ? 'found already in MESH after a crash' : `MESH ${event.meshMessageId}`,
        });
        break;
      case 'document-attempt-failed':
        if (fate?.version === event.version) {
          fate = { ...fate, state: 'pending', reason: event.reason };
        }
        steps.push({ at: event.at, type: event.type, version: event.version, detail: event.reason });
        break;
      case 'document-acknowledged':
        if (fate?.version === event.version) {
          const unrecorded: boolean = fate.state === 'pending' && !sendInferred;
          fate = {
            ...fate,
            ...(event.kind === 'infrastructure' ? { infrastructureAck: event.code } : { businessAck: event.code }),
            ...(unrecorded ? { sends: fate.sends + 1, state: 'awaiting-ack' as const } : {}),
          };
          sendInferred ||= unrecorded;
        }
        steps.push({
          at: event.at,
          type: event.type,
          version: event.version,
          detail: `${event.kind} ${event.code}${event.positive === 'true' ? '' : ' (negative)'}`,
        });
        break;
      case 'document-delivered':
        if (fate?.version === event.version) {
          fate = { ...fate, state: 'delivered', deliveredAt: event.at };
        }
        steps.push({ at: event.at, type: event.type, version: event.version, detail: event.code });
        break;
      case 'document-failed':
        if (fate?.version === event.version) {
          fate = { ...fate, state: 'failed', reason: event.reason };
        }
        steps.push({ at: event.at, type: event.type, version: event.version, detail: event.reason });
        break;
      case 'document-replayed':
        if (fate?.version === event.version) {
          fate = { ...fate, state: 'pending', replayed: fate.replayed + 1 };
          sendInferred = false;
        }
        steps.push({ at: event.at, type: event.type, version: event.version, detail: `by ${event.by}` });
        break;
      // A message's entries never share a document's timeline.
      case 'received':
      case 'rejected':
      case 'attempt-failed':
      case 'delivered':
      case 'failed':
      case 'superseded':
      case 'replayed':
      case 'purged':
      case 'audit-access':
      case 'audit-forwarded':
      case 'audit-forward-failed':
        break;
    }
  }
  return fate === undefined ? undefined : { ...fate, timeline: steps };
}

async function documentsOfPeriod(
  ledger: AuditLedger,
  query: ReconciliationQuery,
): Promise<ReconciliationReport['documents']> {
  const ids = await ledger.documentIdsOfPractice(query.practice, query.from, query.to);
  const timelines = await timelinesInBatches(ledger, ids);
  const counts = { requested: 0, pending: 0, 'awaiting-ack': 0, delivered: 0, failed: 0, replayed: 0 };
  const undelivered: DocumentFate[] = [];
  for (const id of ids) {
    const fate = documentFateOf(timelines.get(id) ?? []);
    if (fate === undefined) {
      continue;
    }
    counts.requested += 1;
    counts[fate.state] += 1;
    counts.replayed += fate.replayed > 0 ? 1 : 0;
    if (fate.state !== 'delivered') {
      undelivered.push(fate);
    }
  }
  return { counts, undelivered };
}

/** Inclusive ranges of the integers in 1..max(versions) that are not in `versions`. */
export function missingVersions(versions: Iterable<number>): { from: number; to: number }[] {
  const sorted = [...new Set(versions)].filter((v) => Number.isInteger(v) && v >= 1).sort((a, b) => a - b);
  const missing: { from: number; to: number }[] = [];
  let expected = 1;
  for (const version of sorted) {
    if (version > expected) {
      missing.push({ from: expected, to: version - 1 });
    }
    expected = version + 1;
  }
  return missing;
}

const BATCH = 500;

async function timelinesInBatches(ledger: AuditLedger, ids: readonly string[]): Promise<Map<string, LedgerEntry[]>> {
  const all = new Map<string, LedgerEntry[]>();
  for (let i = 0; i < ids.length; i += BATCH) {
    for (const [id, entries] of await ledger.timelines(ids.slice(i, i + BATCH))) {
      all.set(id, entries);
    }
  }
  return all;
}

export async function reconcile(
  ledger: AuditLedger,
  query: ReconciliationQuery,
  now: Date,
): Promise<ReconciliationReport> {
  const ids = await ledger.messageIdsOfPractice(query.practice, query.from, query.to);
  const timelines = await timelinesInBatches(ledger, ids);
  const counts = { received: 0, delivered: 0, failed: 0, pending: 0, superseded: 0, replayed: 0, rejected: 0 };
  const undelivered: UndeliveredMessage[] = [];
  const records = new Map<string, { sourceSystem: string; recordId: string }>();
  for (const id of ids) {
    const fate = fateOf(timelines.get(id) ?? []);
    if (fate === undefined) {
      continue;
    }
    const { received } = fate;
    counts.received += 1;
    counts[fate.state] += 1;
    counts.replayed += fate.replayed ? 1 : 0;
    const { sourceSystem, recordId } = received;
    records.set(`${sourceSystem} ${recordId}`, { sourceSystem, recordId });
    if (fate.state !== 'delivered') {
      undelivered.push({
        messageId: id,
        state: fate.state,
        kind: received.kind,
        sourceSystem,
        recordId,
        recordVersion: received.recordVersion,
        receivedAt: received.at,
        attempts: fate.attempts,
        ...(fate.reason !== undefined ? { reason: fate.reason } : {}),
      });
    }
  }
  const rejected = await rejections(ledger, query);
  counts.rejected = rejected.length;
  return {
    practice: query.practice,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    generatedAt: now.toISOString(),
    counts,
    undelivered,
    rejected,
    gaps: await versionGaps(ledger, [...records.values()]),
    documents: await documentsOfPeriod(ledger, query),
  };
}

/** The practice's refused submissions in the period, oldest first. */
async function rejections(ledger: AuditLedger, query: ReconciliationQuery): Promise<RejectedSubmission[]> {
  const ids = await ledger.rejectionIdsOfPractice(query.practice, query.from, query.to);
  const out: RejectedSubmission[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    for (const { id, event } of await ledger.entriesById(ids.slice(i, i + BATCH))) {
      if (event?.type !== 'rejected') {
        continue;
      }
      out.push({
        entryId: id,
        at: event.at,
        kind: event.kind,
        client: event.client,
        httpStatus: event.httpStatus,
        ...(event.sourceSystem !== undefined ? { sourceSystem: event.sourceSystem } : {}),
        ...(event.recordId !== undefined ? { recordId: event.recordId } : {}),
        ...(event.recordVersion !== undefined ? { recordVersion: event.recordVersion } : {}),
        reasons: event.reasons,
      });
    }
  }
  return out;
}

/** Gaps over every version of each record ever received (not only in the period), so a gap is never hidden. */
async function versionGaps(
  ledger: AuditLedger,
  records: readonly { sourceSystem: string; recordId: string }[],
): Promise<VersionGap[]> {
  const byRecordId = new Map<string, string[]>();
  for (let i = 0; i < records.length; i += BATCH) {
    const slice = records.slice(i, i + BATCH).map((r) => r.recordId);
    for (const [recordId, ids] of await ledger.messageIdsOfRecords(slice)) {
      byRecordId.set(recordId, ids);
    }
  }
  const timelines = await timelinesInBatches(ledger, [...new Set([...byRecordId.values()].flat())]);
  const gaps: VersionGap[] = [];
  for (const { sourceSystem, recordId } of records) {
    const versions = (byRecordId.get(recordId) ?? []).flatMap((id) => {
      const received = receivedOf(timelines.get(id) ?? []);
      return received?.sourceSystem === sourceSystem ? [received.recordVersion] : [];
    });
    const missing = missingVersions(versions);
    if (missing.length > 0) {
      gaps.push({ sourceSystem, recordId, missing });
    }
  }
  return gaps.sort((a, b) => a.recordId.localeCompare(b.recordId));
}
