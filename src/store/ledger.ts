/**
 * Reading and appending the audit ledger: a Redis Stream of hash-chained entries (see lua/append-ledger.lua).
 * Entries are parsed into a view that keeps the stored field order, which the chain hash depends on, and decoded
 * into the event they record (ledger-events.ts).
 */
import type { Redis } from 'ioredis';
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

export class AuditLedger {
  readonly index: LedgerIndexKeys;

  constructor(
    readonly redis: Redis,
    readonly keys: MessageKeys,
  ) {
    this.index = ledgerIndexKeys(keys.ledger);
  }

  /** Appends an entry that comes with no message state change. `at` also scores it in the indexes. */
  async append(event: LedgerEvent, at?: Date): Promise<string> {
    const block = ledgerBlock(this.keys, encodeLedgerEvent(event), at);
    return APPEND_ENTRY.run(this.redis, block.keys, block.args);
  }

  /**
   * Appends an entry unless one was already recorded under `marker` in the hash `markerKey` (atomically), for work
   * that may run more than once. Returns the entry's stream id, or undefined when it was already recorded.
   */
  async appendOnce(markerKey: string, marker: string, event: LedgerEvent): Promise<string | undefined> {
    const block = ledgerBlock(this.keys, encodeLedgerEvent(event));
    const id = await APPEND_ONCE.run(this.redis, [markerKey, ...block.keys], [marker, ...block.args]);
    return id ?? undefined;
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
