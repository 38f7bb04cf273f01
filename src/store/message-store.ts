/**
 * Durable storage of accepted messages in Redis: the record itself, its identity keys, its place in the outbox
 * (accepted but not yet handed to the queue) and its status index. Every change goes through an atomic script
 * that also appends the matching audit ledger entry.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Redis } from 'ioredis';
import { fieldPairs } from './lua-script';
import type { MessageKeys } from './keys';
import type { MessageRecord, MessageStatus, RecordPart, WrittenResource } from '../messages/record';
import { MESSAGE_STATUSES, partKey } from '../messages/record';
import { recordStatusOf } from '../messages/domain-rules';
import type { InboundMessage, MessageKind, SourceRef } from '../messages/schemas';
import type { GpConsentStanding } from '../messages/consent-order';
import { CLAIM_MESSAGE, CREATE_MESSAGE, TRANSITION_MESSAGE } from './message-scripts';
import { auditForwardOutboxKey } from './forward-keys';
import { ledgerBlock } from './ledger-block';
import type { LedgerEvent, LedgerEventOf } from './ledger-events';
import { encodeLedgerEvent } from './ledger-events';

export interface NewMessage {
  readonly id: string;
  readonly message: InboundMessage;
  readonly contentHash: string;
  /** The client's source identity of this version (messages/identity.ts): always checked and taken. */
  readonly idempotencyKey: string;
  /** The client's Idempotency-Key header, hashed, when the request sent one: checked and taken as well. */
  readonly requestKey?: string;
  readonly clientId: string;
  /** X-Request-Id of the accepting request, for the `received` ledger entry. */
  readonly requestId?: string;
  readonly endpointId: string;
  /** The message of the version this one follows (the latest accepted when it arrived), if any. */
  readonly previousMessageId?: string;
  readonly now: Date;
}

/** What the store holds about the newest accepted version of one source record. */
export interface LatestOfRecord {
  readonly version: number;
  readonly messageId: string;
  /** The record's status in that version, for kinds whose records have one. */
  readonly status?: string;
}

export type CreateResult =
  | { readonly created: true; readonly id: string }
  | { readonly created: false; readonly id: string; readonly sameContent: boolean };

/** Fields a transition may set; `null` removes the field. */
export interface RecordChanges {
  readonly deliveredAt?: string | null;
  readonly resources?: readonly WrittenResource[] | null;
  readonly lastError?: string | null;
  readonly outcome?: OperationOutcome | null;
  readonly nextAttemptAt?: string | null;
  readonly replayedAt?: string | null;
  /** The literal reference of the patient in the EHR (`Patient/<id>`), once a delivery attempt resolved it. */
  readonly patientRef?: string | null;
  /** See MessageRecord.throttledAttempts. */
  readonly throttledAttempts?: number | null;
}

export interface Transition {
  readonly status?: MessageStatus;
  /** The transition happens only if the message is in one of these states. */
  readonly from?: readonly MessageStatus[];
  readonly incrementAttempts?: boolean;
  readonly changes?: RecordChanges;
  /** The ledger event that records the change (none: no entry). */
  readonly event?: LedgerEvent;
  /**
   * Puts `<messageId>.<attempt>` in the AuditEvent forwarding hand-off set in the same atomic step as the ledger
   * entry: a durable hand-off to follow-up work that a crash cannot lose.
   */
  readonly handOff?: boolean;
  /**
   * The source record's parts after this change (a delivery): replaces what the store holds for the record, and
   * the record's place among the writers of each part, in the same atomic step.
   */
  readonly parts?: RecordPartsChange;
  readonly now: Date;
}

export interface RecordPartsChange {
  readonly kind: MessageKind;
  readonly source: Pick<SourceRef, 'system' | 'recordId'>;
  readonly parts: readonly RecordPart[];
}

/** What the delivered versions of a source record wrote, and which of those parts other records write too. */
export interface HeldParts {
  readonly parts: readonly RecordPart[];
  /** Part keys (partKey) that another record of the same source system also writes. */
  readonly sharedWithOthers: ReadonlySet<string>;
}

/** The id a record goes by among the writers of a part: its kind and record id (the system is the hash's). */
function writerId(kind: MessageKind, recordId: string): string {
  return `${kind}/${recordId}`;
}

export type ClaimOutcome =
  | { readonly ok: true; readonly record: MessageRecord; readonly attempts: number }
  | { readonly ok: false; readonly reason: 'missing' }
  | { readonly ok: false; readonly reason: 'conflict'; readonly currentStatus: MessageStatus };

export type TransitionResult =
  | { readonly ok: true; readonly previousStatus: MessageStatus; readonly attempts: number }
  | { readonly ok: false; readonly reason: 'missing' }
  | { readonly ok: false; readonly reason: 'conflict'; readonly currentStatus: MessageStatus };

function serialiseChanges(changes: RecordChanges, now: Date): string[] {
  const out: Record<string, string> = { updatedAt: now.toISOString() };
  for (const [name, value] of Object.entries(changes) as [keyof RecordChanges, unknown][]) {
    if (value === undefined) {
      continue;
    }
    out[name] = value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  }
  return fieldPairs(out);
}

export interface MessageStoreOptions {
  /** Keyed hash of an NHS number, recorded in the ledger so auditors can search by patient (see audit/patient-key). */
  readonly patientKey?: (nhsNumber: string) => Promise<string>;
  /**
   * When set, a message that settles (delivered or superseded) keeps its record this long (ms) and then expires,
   * and the status indexes of those states drop members older than that; a message moved back into work (a
   * replay) keeps its record again. The ledger and the message's ledger timeline never expire.
   */
  readonly settledTtlMs?: number;
}

/** The states after which a message's record is only read, never worked on again unless replayed. */
const SETTLED_STATUSES: readonly MessageStatus[] = ['delivered', 'superseded'];

export class MessageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: MessageKeys,
    private readonly options: MessageStoreOptions = {},
  ) {}

  async create(input: NewMessage): Promise<CreateResult> {
    const { id, message, now } = input;
    const receivedAt = now.toISOString();
    const practice = message.body.gpPractice.odsCode;
    const source = message.body.source;
    const patientKey = await this.options.patientKey?.(message.body.patient.nhsNumber);
    const recordStatus = recordStatusOf(message);
    const gpConsent = message.kind === 'referral' ? message.body.consent?.gpPractice : undefined;
    const episode = episodeOf(message);
    const fields = fieldPairs({
      id,
      kind: message.kind,
      status: 'queued',
      message: JSON.stringify(message),
      contentHash: input.contentHash,
      clientId: input.clientId,
      endpointId: input.endpointId,
      practice,
      sourceSystem: source.system,
      recordId: source.recordId,
      recordVersion: String(source.recordVersion),
      ...(recordStatus !== undefined ? { recordStatus } : {}),
      ...(gpConsent !== undefined ? { gpConsent } : {}),
      ...(recordsRisks(message) ? { risksRecorded: '1' } : {}),
      ...(input.previousMessageId !== undefined ? { previousMessageId: input.previousMessageId } : {}),
      receivedAt,
      updatedAt: receivedAt,
      attempts: '0',
    });
    const received: LedgerEventOf<'received'> = {
      type: 'received',
      at: receivedAt,
      messageId: id,
      kind: message.kind,
      practice,
      endpoint: input.endpointId,
      client: input.clientId,
      ...(input.requestId !== undefined ? { requestId: input.requestId } : {}),
      sourceSystem: source.system,
      recordId: source.recordId,
      recordVersion: source.recordVersion,
      contentHash: input.contentHash,
      ...(patientKey !== undefined ? { patientKey } : {}),
    };
    const ledger = ledgerBlock(this.keys, encodeLedgerEvent(received), now);
    const keys = this.keys;
    const reply = await CREATE_MESSAGE.run(
      this.redis,
      [
        keys.idempotency(input.idempotencyKey),
        keys.idempotency(input.requestKey ?? input.idempotencyKey),
        keys.message(id),
        keys.outbox,
        keys.byStatus('queued'),
        keys.latestOfRecord(source.system, message.kind, source.recordId),
        keys.latestOfRecord(episode.system, 'referral', episode.recordId),
        ...ledger.keys,
      ],
      [id, input.contentHash, now.getTime(), fields.length, ...fields, ...ledger.args],
    );
    if (reply[0] === 1) {
      return { created: true, id };
    }
    return { created: false, id: reply[1], sameContent: reply[2] === input.contentHash };
  }

  /** The latest accepted version of a source record and its status then, or undefined if none was accepted. */
  async latestOfRecord(
    kind: MessageKind,
    source: Pick<SourceRef, 'system' | 'recordId'>,
  ): Promise<LatestOfRecord | undefined> {
    const hash = await this.redis.hgetall(this.keys.latestOfRecord(source.system, kind, source.recordId));
    if (hash.version === undefined) {
      return undefined;
    }
    return {
      version: Number(hash.version),
      messageId: hash.messageId ?? '',
      ...(hash.status !== undefined ? { status: hash.status } : {}),
    };
  }

  /**
   * The referral date (`referredAt`) of the latest accepted version of a referral, or undefined when no version of
   * it was accepted or its body has since been purged.
   */
  async referralDate(source: Pick<SourceRef, 'system' | 'recordId'>): Promise<string | undefined> {
    const latest = await this.latestOfRecord('referral', source);
    if (latest === undefined || latest.messageId === '') {
      return undefined;
    }
    const body = parseJson((await this.redis.hget(this.keys.message(latest.messageId), 'message')) ?? undefined) as
      InboundMessage | undefined;
    return body?.kind === 'referral' ? body.body.referredAt : undefined;
  }

  /**
   * The person's standing decision about sharing with the GP for a referral: the one recorded by its newest
   * accepted version that records one. Kept beside the record's latest version, not read from a message body, so
   * it outlives the purge of bodies under the retention policy.
   */
  async gpConsent(source: Pick<SourceRef, 'system' | 'recordId'>): Promise<GpConsentStanding | undefined> {
    const [decision, version] = await this.redis.hmget(
      this.keys.latestOfRecord(source.system, 'referral', source.recordId),
      'consent',
      'consentVersion',
    );
    if ((decision !== 'given' && decision !== 'withdrawn') || version === null) {
      return undefined;
    }
    return { decision, version: Number(version) };
  }

  /**
   * Whether any accepted record of the episode (its referral, an outcome note) recorded its risks or "no known
   * risks" (PRSB §17). Kept beside the referral's latest version, so it outlives the purge of message bodies.
   */
  async episodeRecordedRisks(referral: Pick<SourceRef, 'system' | 'recordId'>): Promise<boolean> {
    const held = await this.redis.hget(
      this.keys.latestOfRecord(referral.system, 'referral', referral.recordId),
      'risksRecorded',
    );
    return held === '1';
  }

  /**
   * The parts the delivered versions of a source record wrote and have not retracted (none before its first
   * delivery, or for records delivered before parts were kept), and which of them other records write too. Never
   * expires with the messages, so it outlives the purge and expiry of the versions that wrote them.
   */
  async heldParts(kind: MessageKind, source: Pick<SourceRef, 'system' | 'recordId'>): Promise<HeldParts> {
    const held = await this.redis.hgetall(this.keys.recordParts(source.system, kind, source.recordId));
    const keys = Object.keys(held);
    if (keys.length === 0) {
      return { parts: [], sharedWithOthers: new Set() };
    }
    const writers = await this.redis.hmget(this.keys.partWriters(source.system), ...keys);
    const self = writerId(kind, source.recordId);
    const sharedWithOthers = new Set(
      keys.filter((_, i) => (writers[i] ?? '').split('\n').some((writer) => writer !== '' && writer !== self)),
    );
    return { parts: Object.values(held).map((value) => JSON.parse(value) as RecordPart), sharedWithOthers };
  }

  async get(id: string): Promise<MessageRecord | undefined> {
    const hash = await this.redis.hgetall(this.keys.message(id));
    if (hash.id === undefined) {
      return undefined;
    }
    return parseRecord(hash);
  }

  async transition(id: string, change: Transition): Promise<TransitionResult> {
    const fields = serialiseChanges(change.changes ?? {}, change.now);
    const ledger = ledgerBlock(this.keys, change.event === undefined ? undefined : encodeLedgerEvent(change.event));
    const handOff =
      change.handOff === true && change.event !== undefined ? [auditForwardOutboxKey(this.keys.prefix)] : [];
    const ttl = this.options.settledTtlMs;
    const expireMs =
      change.status === undefined ? '' : ttl !== undefined && SETTLED_STATUSES.includes(change.status) ? ttl : 0;
    const { parts } = change;
    const partsKeys =
      parts === undefined
        ? []
        : [
            this.keys.recordParts(parts.source.system, parts.kind, parts.source.recordId),
            this.keys.partWriters(parts.source.system),
          ];
    const partPairs = (parts?.parts ?? []).flatMap((part) => [partKey(part), JSON.stringify(part)]);
    const partsArgs =
      parts === undefined ? ['', 0] : [writerId(parts.kind, parts.source.recordId), partPairs.length, ...partPairs];
    const reply = await TRANSITION_MESSAGE.run(
      this.redis,
      [
        this.keys.message(id),
        ...MESSAGE_STATUSES.map((s) => this.keys.byStatus(s)),
        ...handOff,
        ...partsKeys,
        ...ledger.keys,
      ],
      [
        MESSAGE_STATUSES.length,
        ...MESSAGE_STATUSES,
        change.status ?? '',
        (change.from ?? []).join(' '),
        change.now.getTime(),
        change.incrementAttempts === true ? '1' : '0',
        handOff.length,
        expireMs,
        fields.length,
        ...fields,
        ...partsArgs,
        ...ledger.args,
      ],
    );
    switch (reply[0]) {
      case 'ok':
        return { ok: true, previousStatus: reply[1], attempts: reply[2] };
      case 'conflict':
        return { ok: false, reason: 'conflict', currentStatus: reply[1] };
      case 'missing':
        return { ok: false, reason: 'missing' };
    }
  }

  /**
   * Claims a message for a delivery attempt if it is in one of the `from` states: it moves to delivering with one
   * more attempt, and the record comes back as it now stands in the same round trip.
   */
  async claim(id: string, from: readonly MessageStatus[], now: Date): Promise<ClaimOutcome> {
    const reply = await CLAIM_MESSAGE.run(
      this.redis,
      [this.keys.message(id), ...MESSAGE_STATUSES.map((s) => this.keys.byStatus(s))],
      [MESSAGE_STATUSES.length, ...MESSAGE_STATUSES, from.join(' '), now.getTime(), now.toISOString()],
    );
    switch (reply[0]) {
      case 'ok':
        return { ok: true, record: parseRecord(pairsToHash(reply[3])), attempts: reply[2] };
      case 'conflict':
        return { ok: false, reason: 'conflict', currentStatus: reply[1] };
      case 'missing':
        return { ok: false, reason: 'missing' };
    }
  }

  /** Marks a message as handed to the queue, so the outbox sweeper leaves it alone. */
  async markEnqueued(id: string): Promise<void> {
    await this.redis.zrem(this.keys.outbox, id);
  }

  /** Messages accepted before `before` that were never confirmed as queued (the process died in between). */
  async outboxDue(before: Date, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.outbox, '-inf', before.getTime(), 'LIMIT', 0, limit);
  }

  async countByStatus(status: MessageStatus): Promise<number> {
    return this.redis.zcard(this.keys.byStatus(status));
  }

  /**
   * Ids of messages in `status` that entered it between `from` and `to` (ms since the epoch, inclusive), oldest
   * first, a page at a time.
   */
  async idsByStatus(status: MessageStatus, from: number, to: number, offset: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.byStatus(status), from, to, 'LIMIT', offset, limit);
  }

  /** Puts a message back in the outbox, so the sweeper enqueues it if the caller dies before it does. */
  async markOutbox(id: string, now: Date): Promise<void> {
    await this.redis.zadd(this.keys.outbox, now.getTime(), id);
  }
}

/** The referral whose episode a message belongs to: the message itself for a referral. */
function episodeOf(message: InboundMessage): Pick<SourceRef, 'system' | 'recordId'> {
  const { system, recordId } = message.body.source;
  return { system, recordId: message.kind === 'referral' ? recordId : message.body.referralId };
}

/** A referral or outcome note with a `risks` section, not sent in error, records the episode's risks. */
function recordsRisks(message: InboundMessage): boolean {
  const sent = message.body.enteredInError !== true;
  return sent && (message.kind === 'referral' || message.kind === 'outcome-note') && message.body.risks !== undefined;
}

/** `[name, value, ...]` (as HGETALL answers inside a script) → `{name: value}`. */
function pairsToHash(pairs: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    hash[pairs[i] ?? ''] = pairs[i + 1] ?? '';
  }
  return hash;
}

function parseJson(text: string | undefined): unknown {
  return text === undefined || text === '' ? undefined : JSON.parse(text);
}

function parseRecord(hash: Record<string, string>): MessageRecord {
  const message = parseJson(hash.message) as InboundMessage | undefined;
  if (message === undefined) {
    throw new Error(`Stored message ${hash.id ?? '?'} has no body`);
  }
  const outcome = parseJson(hash.outcome) as OperationOutcome | undefined;
  return {
    id: hash.id ?? '',
    kind: message.kind,
    status: hash.status as MessageStatus,
    message,
    contentHash: hash.contentHash ?? '',
    clientId: hash.clientId ?? '',
    endpointId: hash.endpointId ?? '',
    practice: hash.practice ?? '',
    receivedAt: hash.receivedAt ?? '',
    updatedAt: hash.updatedAt ?? '',
    attempts: Number(hash.attempts ?? '0'),
    ...(hash.throttledAttempts ? { throttledAttempts: Number(hash.throttledAttempts) } : {}),
    resources: (parseJson(hash.resources) as WrittenResource[] | undefined) ?? [],
    ...(hash.deliveredAt ? { deliveredAt: hash.deliveredAt } : {}),
    ...(hash.nextAttemptAt ? { nextAttemptAt: hash.nextAttemptAt } : {}),
    ...(hash.replayedAt ? { replayedAt: hash.replayedAt } : {}),
    ...(hash.patientRef ? { patientRef: hash.patientRef } : {}),
    ...(hash.purgedAt ? { purgedAt: hash.purgedAt } : {}),
    ...(hash.previousMessageId ? { previousMessageId: hash.previousMessageId } : {}),
    ...(hash.lastError ? { lastError: hash.lastError } : {}),
    ...(outcome ? { outcome } : {}),
  };
}
