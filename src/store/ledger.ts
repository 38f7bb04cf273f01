/**
 * Reading and appending the audit ledger: a Redis Stream of hash-chained entries (see lua/append-ledger.lua).
 * Entries are parsed into a view that keeps the stored field order, which the chain hash depends on, and decoded
 * into the event they record (ledger-events.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MessageStatus } from '../messages/record';
import { AuditForwardOutbox } from './audit-forward-outbox';
import { LedgerCheckpoints } from './ledger-checkpoint';
import { auditForwardRecordedKey } from './forward-keys';
import { MessageSummaries } from './message-summaries';
import { RetentionStore } from './retention-store';
import { ledgerBlock } from './ledger-block';
import type { MessageKeys } from './keys';
import type { LedgerIndexKeys } from './ledger-keys';
import { ledgerIndexKeys } from './ledger-keys';
import { APPEND_ENTRY, APPEND_ONCE } from './ledger-scripts';
import type { LedgerEvent, LedgerEventOf } from './ledger-events';
import { decodeLedgerEvent, encodeLedgerEvent } from './ledger-events';

export type { RejectionReason } from './ledger-events';

export interface LedgerEntry {
  /** Stream id (`<ms>-<n>`): when Redis stored the entry. */
  readonly id: string;
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
  readonly type: string;
  /** The event the entry records; undefined when its fields are not a well-formed event (altered, or unknown). */
  readonly event: LedgerEvent | undefined;
  /** Every stored field except seq, prev and hash, as stored: what exports and the timeline view show. */
  readonly fields: Readonly<Record<string, string>>;
  /** Every stored name and value in order, `hash` excluded: what the chain hash covers. */
  readonly pairs: readonly string[];
}

export interface LedgerHead {
  readonly seq: number;
  readonly hash?: string;
  readonly lastId?: string;
}

type RawEntry = [id: string, fields: string[]];

export function parseEntry([id, raw]: RawEntry): LedgerEntry {
  const fields: Record<string, string> = {};
  const pairs: string[] = [];
  let seq = Number.NaN;
  let prev = '';
  let hash = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    if (name === 'hash' && i + 2 >= raw.length) {
      hash = value;
      continue;
    }
    pairs.push(name, value);
    if (name === 'seq') {
      seq = Number(value);
    } else if (name === 'prev') {
      prev = value;
    } else {
      fields[name] = value;
    }
  }
  return { id, seq, prev, hash, type: fields.type ?? '', event: decodeLedgerEvent(fields), fields, pairs };
}

/** The message's `received` event, if its timeline has one. */
export function receivedOf(timeline: readonly LedgerEntry[]): LedgerEventOf<'received'> | undefined {
  for (const { event } of timeline) {
    if (event?.type === 'received') {
      return event;
    }
  }
  return undefined;
}

/** The index filters of a message search; each one narrows the messages received in the period. */
export interface MessageIndexFilter {
  readonly practice?: string;
  readonly endpoint?: string;
  readonly recordId?: string;
  /** The keyed hash of an NHS number (patient-key.ts). */
  readonly patientKey?: string;
  readonly status?: MessageStatus;
}

/** A period of time received: `from` inclusive, `to` exclusive; either end open when absent. */
export interface ReceivedPeriod {
  readonly from?: Date;
  readonly to?: Date;
}

/** How long a search's intersection of indexes lives if the search dies before deleting it. */
const SCRATCH_TTL_S = 60;

/**
 * The audit side's repository: the ledger and its indexes, with the message reads (summaries, written resources),
 * the retention purge and the AuditEvent hand-off set the audit modules use. Nothing outside the store sees its
 * Redis connection or key names.
 */
export class AuditLedger {
  private readonly index: LedgerIndexKeys;
  readonly messages: MessageSummaries;
  readonly retention: RetentionStore;
  readonly forwardOutbox: AuditForwardOutbox;
  /** The last verified point of the chain, from which a default `audit verify` continues. */
  readonly checkpoints: LedgerCheckpoints;

  constructor(
    private readonly redis: Redis,
    private readonly keys: MessageKeys,
  ) {
    this.index = ledgerIndexKeys(keys.ledger);
    this.messages = new MessageSummaries(redis, keys);
    this.retention = new RetentionStore(redis, keys);
    this.forwardOutbox = new AuditForwardOutbox(redis, keys.prefix);
    this.checkpoints = new LedgerCheckpoints(redis, keys);
  }

  /** Appends an entry that comes with no message state change. `at` also scores it in the indexes. */
  async append(event: LedgerEvent, at?: Date): Promise<string> {
    const block = ledgerBlock(this.keys, encodeLedgerEvent(event), at);
    return APPEND_ENTRY.run(this.redis, block.keys, block.args);
  }

  /**
   * Records the outcome of forwarding one delivery's AuditEvents, unless it was recorded already (atomically), as
   * a retried forwarding job may finish twice. Returns the entry's stream id, or undefined when already recorded.
   */
  async recordForward(
    event: LedgerEventOf<'audit-forwarded'> | LedgerEventOf<'audit-forward-failed'>,
  ): Promise<string | undefined> {
    const block = ledgerBlock(this.keys, encodeLedgerEvent(event));
    const marker = `${event.messageId}.${String(event.attempt)}`;
    const id = await APPEND_ONCE.run(
      this.redis,
      [auditForwardRecordedKey(this.keys.prefix), ...block.keys],
      [marker, ...block.args],
    );
    return id ?? undefined;
  }

  /** Ids of the messages for the practice received in [from, to), oldest first. */
  async messageIdsOfPractice(practice: string, from: Date, to: Date): Promise<string[]> {
    return this.redis.zrangebyscore(this.index.practice(practice), from.getTime(), `(${String(to.getTime())}`);
  }

  /** Entry ids of the submissions naming the practice that were refused in [from, to), oldest first. */
  async rejectionIdsOfPractice(practice: string, from: Date, to: Date): Promise<string[]> {
    return this.redis.zrangebyscore(this.index.rejectedAt(practice), from.getTime(), `(${String(to.getTime())}`);
  }

  /** Ids of the practice's episode documents whose latest version was asked for in [from, to), oldest first. */
  async documentIdsOfPractice(practice: string, from: Date, to: Date): Promise<string[]> {
    return this.redis.zrangebyscore(this.index.documents(practice), from.getTime(), `(${String(to.getTime())}`);
  }

  /** Ids of every message ever received for each source record id. */
  async messageIdsOfRecords(recordIds: readonly string[]): Promise<Map<string, string[]>> {
    const replies =
      recordIds.length === 0
        ? []
        : await this.redis.pipeline(recordIds.map((id) => ['zrange', this.index.record(id), '0', '-1'])).exec();
    return new Map(
      recordIds.map((id, i) => {
        const reply = replies?.[i]?.[1];
        return [id, Array.isArray(reply) ? reply.filter((m): m is string => typeof m === 'string') : []];
      }),
    );
  }

  /**
   * One page of the ids of messages received in the period that match every filter, newest first, with how many
   * match in all. Filters are intersected in Redis, so a page costs the same however large the indexes grow.
   */
  async findMessageIds(
    filter: MessageIndexFilter,
    period: ReceivedPeriod,
    offset: number,
    limit: number,
  ): Promise<{ readonly total: number; readonly ids: string[] }> {
    const index = this.index;
    const filters: string[] = [];
    if (filter.practice !== undefined) filters.push(index.practice(filter.practice));
    if (filter.endpoint !== undefined) filters.push(index.endpoint(filter.endpoint));
    if (filter.recordId !== undefined) filters.push(index.record(filter.recordId));
    if (filter.patientKey !== undefined) filters.push(index.patient(filter.patientKey));
    if (filter.status !== undefined) filters.push(this.keys.byStatus(filter.status));
    const min = period.from === undefined ? '-inf' : String(period.from.getTime());
    const max = period.to === undefined ? '+inf' : `(${String(period.to.getTime())}`;
    let source = index.received;
    let scratch: string | undefined;
    if (filters.length > 0) {
      // Scores come from the received index alone (weight 1), so the status index's own scores do not count.
      scratch = index.scratch(randomUUID());
      source = scratch;
      await this.redis
        .multi()
        .zinterstore(scratch, filters.length + 1, index.received, ...filters, 'WEIGHTS', 1, ...filters.map(() => 0))
        .expire(scratch, SCRATCH_TTL_S)
        .exec();
    }
    try {
      const [total, ids] = await Promise.all([
        this.redis.zcount(source, min, max),
        this.redis.zrevrangebyscore(source, max, min, 'LIMIT', offset, limit),
      ]);
      return { total, ids };
    } finally {
      if (scratch !== undefined) {
        await this.redis.del(scratch);
      }
    }
  }

  async head(): Promise<LedgerHead> {
    const raw = await this.redis.hgetall(this.keys.ledgerHead);
    return {
      seq: Number(raw.seq ?? '0'),
      ...(raw.hash !== undefined ? { hash: raw.hash } : {}),
      ...(raw.lastId !== undefined ? { lastId: raw.lastId } : {}),
    };
  }

  async length(): Promise<number> {
    return this.redis.xlen(this.keys.ledger);
  }

  /** Entries with stream ids in [start, end], oldest first, at most `count`. */
  async range(start: string, end: string, count: number): Promise<LedgerEntry[]> {
    const raw = (await this.redis.xrange(this.keys.ledger, start, end, 'COUNT', count)) as RawEntry[];
    return raw.map(parseEntry);
  }

  /** Every entry from `start` to `end` in order, read in batches so memory stays flat on a long ledger. */
  async *scan(start = '-', end = '+', batch = 1000): AsyncGenerator<LedgerEntry> {
    let from = start;
    for (;;) {
      const entries = await this.range(from, end, batch);
      for (const entry of entries) {
        yield entry;
      }
      const last = entries.at(-1);
      if (entries.length < batch || last === undefined) {
        return;
      }
      from = `(${last.id}`;
    }
  }

  /** A message's ledger entries, oldest first. */
  async timeline(messageId: string): Promise<LedgerEntry[]> {
    const ids = await this.redis.lrange(this.index.timeline(messageId), 0, -1);
    return this.entriesById(ids);
  }

  /** Timelines of many messages at once (one round trip for the id lists, one for the entries). */
  async timelines(messageIds: readonly string[]): Promise<Map<string, LedgerEntry[]>> {
    const out = new Map<string, LedgerEntry[]>();
    if (messageIds.length === 0) {
      return out;
    }
    const lists = await this.redis
      .pipeline(messageIds.map((id) => ['lrange', this.index.timeline(id), '0', '-1']))
      .exec();
    const idLists = (lists ?? []).map(([, value]) => (Array.isArray(value) ? (value as string[]) : []));
    const entries = await this.entriesById(idLists.flat());
    const byId = new Map(entries.map((entry) => [entry.id, entry]));
    messageIds.forEach((messageId, i) => {
      out.set(
        messageId,
        (idLists[i] ?? []).flatMap((id) => {
          const entry = byId.get(id);
          return entry === undefined ? [] : [entry];
        }),
      );
    });
    return out;
  }

  /** The entries with these stream ids, in the order given (missing ones are skipped). */
  async entriesById(ids: readonly string[]): Promise<LedgerEntry[]> {
    if (ids.length === 0) {
      return [];
    }
    const replies = await this.redis.pipeline(ids.map((id) => ['xrange', this.keys.ledger, id, id])).exec();
    return (replies ?? []).flatMap(([, value]) => ((value as RawEntry[] | null) ?? []).map(parseEntry));
  }
}
