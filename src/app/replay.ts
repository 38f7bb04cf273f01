/**
 * Finding messages by status, practice, endpoint and time, and replaying failed ones once their cause is fixed.
 * A replay is recorded in the ledger with who asked; failed messages are only ever moved back to the queue by a
 * replay, never deleted.
 */
import type { Scope } from '../config/client-scope';
import { permits } from '../config/client-scope';
import type { MessageRecord, MessageStatus } from '../messages/record';
import type { MessageStore, TransitionResult } from '../store/message-store';
import type { DeliveryQueues } from '../queue/producer';
import { failedDependantsOf } from './replay-dependants';

export interface MessageFilter {
  readonly status: MessageStatus;
  readonly practice?: string;
  readonly endpoint?: string;
  /** Entered the status at or after this time. */
  readonly since?: Date;
  /** Entered the status at or before this time. */
  readonly until?: Date;
  /** The practices the asking client may see; others' messages are left out. */
  readonly allowedPractices?: Scope;
}

export interface MessagePage {
  readonly records: readonly MessageRecord[];
  /** Where the next page starts, when there may be more. */
  readonly nextCursor?: number;
}

export interface ReplayDeps {
  readonly store: MessageStore;
  readonly queues: DeliveryQueues;
  readonly now: () => Date;
}

export type ReplayResult =
  | {
      readonly kind: 'replayed';
      readonly record: MessageRecord;
      /** Messages replayed with a referral because they had failed only for want of it. */
      readonly dependants?: readonly string[];
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-failed'; readonly status: MessageStatus }
  | { readonly kind: 'purged'; readonly purgedAt: string };

export type DeliveredReplayResult =
  | { readonly kind: 'replayed'; readonly record: MessageRecord }
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-delivered'; readonly status: MessageStatus }
  | { readonly kind: 'purged'; readonly purgedAt: string };

const SCAN_PAGE = 200;
/** Most ids one listing call looks at, so a narrow filter over a huge index still answers promptly. */
const SCAN_LIMIT = 5000;

function matches(record: MessageRecord, filter: MessageFilter): boolean {
  return (
    record.status === filter.status &&
    (filter.practice === undefined || record.practice === filter.practice) &&
    (filter.endpoint === undefined || record.endpointId === filter.endpoint) &&
    permits(filter.allowedPractices ?? '*', record.practice)
  );
}

/** One page of messages matching the filter, oldest first, starting at `cursor` in the status index. */
export async function findMessages(
  store: MessageStore,
  filter: MessageFilter,
  cursor: number,
  limit: number,
): Promise<MessagePage> {
  const from = filter.since?.getTime() ?? 0;
  const to = filter.until?.getTime() ?? Number.MAX_SAFE_INTEGER;
  const records: MessageRecord[] = [];
  let offset = cursor;
  while (records.length < limit && offset - cursor < SCAN_LIMIT) {
    const ids = await store.idsByStatus(filter.status, from, to, offset, SCAN_PAGE);
    if (ids.length === 0) {
      return { records };
    }
    for (const id of ids) {
      offset += 1;
      const record = await store.get(id);
      if (record !== undefined && matches(record, filter)) {
        records.push(record);
        if (records.length === limit) {
          break;
        }
      }
    }
  }
  return { records, nextCursor: offset };
}

/**
 * Moves a message from `from` back to its queue with its `replayed` ledger entry, atomically. It goes in the
 * outbox first, so if this process dies before the enqueue the sweeper finishes the replay.
 */
async function requeue(
  record: MessageRecord,
  from: 'failed' | 'delivered',
  by: string,
  detail: { readonly previousError: string; readonly reason?: string },
  deps: ReplayDeps,
): Promise<TransitionResult> {
  const now = deps.now();
  await deps.store.markOutbox(record.id, now);
  const moved = await deps.store.transition(record.id, {
    status: 'queued',
    from: [from],
    now,
    // A failed message's error and outcome are cleared; a delivered one keeps the resources it wrote.
    changes:
      from === 'failed'
        ? { replayedAt: now.toISOString(), lastError: null, outcome: null, nextAttemptAt: null }
        : { replayedAt: now.toISOString(), nextAttemptAt: null },
    event: {
      type: 'replayed',
      at: now.toISOString(),
      messageId: record.id,
      practice: record.practice,
      endpoint: record.endpointId,
      by,
      ...detail,
    },
  });
  if (moved.ok) {
    await deps.queues.requeue(record.endpointId, record.id);
  }
  await deps.store.markEnqueued(record.id);
  return moved;
}

/** Moves one failed message back to its queue and records who asked (a practice it may not see: missing). */
export async function replayMessage(
  id: string,
  by: string,
  deps: ReplayDeps,
  allowedPractices: Scope = '*',
): Promise<ReplayResult> {
  const record = await deps.store.get(id);
  if (record === undefined || !permits(allowedPractices, record.practice)) {
    return { kind: 'missing' };
  }
  if (record.status !== 'failed') {
    return { kind: 'not-failed', status: record.status };
  }
  if (record.purgedAt !== undefined) {
    // Its body is gone under the retention policy: there is nothing left to send.
    return { kind: 'purged', purgedAt: record.purgedAt };
  }
  const moved = await requeue(record, 'failed', by, { previousError: record.lastError ?? '' }, deps);
  if (!moved.ok) {
    return moved.reason === 'missing' ? { kind: 'missing' } : { kind: 'not-failed', status: moved.currentStatus };
  }
  const dependants = await replayDependants(record, by, deps);
  return { kind: 'replayed', record, ...(dependants.length > 0 ? { dependants } : {}) };
}

/** Replays the messages that failed because the referral `record` had failed (none for other kinds). */
async function replayDependants(record: MessageRecord, by: string, deps: ReplayDeps): Promise<string[]> {
  const replayed: string[] = [];
  for (const id of await failedDependantsOf(record, deps.store)) {
    if ((await replayMessage(id, by, deps)).kind === 'replayed') {
      replayed.push(id);
    }
  }
  return replayed;
}

/**
 * Sends a delivered message again, e.g. after the EHR was restored from a backup that predates it: an explicit
 * act, recorded in the ledger with who asked and why. The conditional updates make the EHR update what it still
 * holds and recreate what it lost; a newer version of the record in the EHR is still never overwritten.
 */
export async function replayDeliveredMessage(
  id: string,
  by: string,
  reason: string,
  deps: ReplayDeps,
  allowedPractices: Scope = '*',
): Promise<DeliveredReplayResult> {
  const record = await deps.store.get(id);
  // Outside the admin's practices it reads as missing, as a failed-message replay does.
  if (record === undefined || !permits(allowedPractices, record.practice)) {
    return { kind: 'missing' };
  }
  if (record.status !== 'delivered') {
    return { kind: 'not-delivered', status: record.status };
  }
  if (record.purgedAt !== undefined) {
    return { kind: 'purged', purgedAt: record.purgedAt };
  }
  const moved = await requeue(record, 'delivered', by, { previousError: '', reason }, deps);
  if (!moved.ok) {
    return moved.reason === 'missing' ? { kind: 'missing' } : { kind: 'not-delivered', status: moved.currentStatus };
  }
  return { kind: 'replayed', record };
}

/** Replays every failed message matching the filter (up to `max`), oldest first. */
export async function replayMatching(
  filter: Omit<MessageFilter, 'status'>,
  by: string,
  max: number,
  deps: ReplayDeps,
): Promise<{ readonly replayed: readonly string[]; readonly more: boolean }> {
  const replayed: string[] = [];
  let cursor = 0;
  for (;;) {
    const page = await findMessages(deps.store, { ...filter, status: 'failed' }, cursor, Math.min(100, max));
    let leftIndex = 0;
    for (const record of page.records) {
      const result = await replayMessage(record.id, by, deps, filter.allowedPractices);
      if (result.kind === 'replayed') {
        replayed.push(record.id);
        // Dependants replayed with a referral left the index too; going back too far only rereads some ids.
        leftIndex += 1 + (result.dependants?.length ?? 0);
      }
      if (replayed.length >= max) {
        return { replayed, more: true };
      }
    }
    if (page.nextCursor === undefined) {
      return { replayed, more: false };
    }
    // Replayed messages left the failed index, so the ids after them moved up by that many places.
    cursor = page.nextCursor - leftIndex;
  }
}
