/**
 * The tracked record of each episode document sent by GP Connect Send Document over MESH: one per endpoint and
 * referral, holding its current version, where that version has got to (pending, sending, awaiting-ack,
 * delivered, failed), the MESH and ITK3 ids of its send, and the acknowledgements. Every step is one Lua script
 * that also appends its ledger entry, so the document's state and its audit trail never disagree.
 */
import type { Redis } from 'ioredis';
import { nameBasedUuid } from '../lib/name-uuid';
import type { DOCUMENT_STATUSES } from './document-scripts';
import { REQUEST_DOCUMENT, STEP_DOCUMENT } from './document-scripts';
import type { MessageKeys } from './keys';
import { ledgerBlock } from './ledger-block';
import type { LedgerEvent } from './ledger-events';
import { encodeLedgerEvent } from './ledger-events';
import { fieldPairs } from './lua-script';

export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];
export const DOCUMENT_STATUS_LIST: readonly DocumentStatus[] = [
  'pending',
  'sending',
  'awaiting-ack',
  'delivered',
  'failed',
];

export interface EpisodeDocumentRecord {
  readonly id: string;
  readonly endpoint: string;
  readonly practice: string;
  readonly sourceSystem: string;
  readonly referralId: string;
  /** The referral message that asked for the current version. */
  readonly trigger: string;
  readonly milestone: string;
  readonly version: number;
  readonly status: DocumentStatus;
  /** Sends of this version: 1, and one more for each resend after a timeout or a replay. */
  readonly sendNo: number;
  readonly attempts: number;
  /** When the current version was asked for: the document's generation time, so a resend is the same message. */
  readonly requestedAt: string;
  readonly updatedAt: string;
  readonly itkMessageId?: string;
  readonly meshMessageId?: string;
  readonly localId?: string;
  readonly sentAt?: string;
  readonly deadlineAt?: string;
  /** The ITK3 code of the infrastructure acknowledgement, once it came. */
  readonly infrastructureAck?: string;
  readonly businessAck?: string;
  readonly deliveredAt?: string;
  readonly lastError?: string;
  /** When a document put back after a failed send may be sent again. */
  readonly nextAttemptAt?: string;
}

export interface DocumentRequest {
  readonly endpoint: string;
  readonly practice: string;
  readonly sourceSystem: string;
  readonly referralId: string;
  readonly trigger: string;
  readonly milestone: string;
  readonly now: Date;
}

export type RequestOutcome =
  | { readonly kind: 'requested'; readonly id: string; readonly version: number }
  | { readonly kind: 'seen'; readonly id: string; readonly version: number };

export interface DocumentStep {
  /** The version the caller worked on; the step is refused when the document has moved on. */
  readonly version?: number;
  readonly from: readonly DocumentStatus[];
  /** A document in `sending` claimed before this time counts as allowed (its worker died). */
  readonly staleClaimBefore?: Date;
  readonly status?: DocumentStatus;
  readonly now: Date;
  readonly incrementAttempts?: boolean;
  /** Set the acknowledgement deadline, or remove it (null). */
  readonly deadline?: Date | null;
  /** Record that this ITK3 message id answers to this document version. */
  readonly itkMessageId?: string;
  /** Field changes; an empty string deletes the field. */
  readonly fields?: Readonly<Record<string, string>>;
  readonly event?: LedgerEvent;
}

export type StepOutcome =
  | { readonly ok: true; readonly previous: DocumentStatus; readonly record: EpisodeDocumentRecord }
  | { readonly ok: false; readonly reason: 'conflict'; readonly status: DocumentStatus; readonly version: number }
  | { readonly ok: false; readonly reason: 'missing' };

/** The ITK3 message id an acknowledgement answers, resolved to the document version that carried it. */
export interface ItkMessageOwner {
  readonly documentId: string;
  readonly version: number;
}

export function documentKeys(prefix: string): {
  document(id: string): string;
  triggers(id: string): string;
  status(status: DocumentStatus): string;
  readonly deadlines: string;
  itk(itkMessageId: string): string;
  cursor(endpoint: string): string;
  routeEnabled(endpoint: string): string;
} {
  return {
    document: (id) => `${prefix}:doc:${id}`,
    triggers: (id) => `${prefix}:doc:${id}:triggers`,
    status: (status) => `${prefix}:docs:status:${status}`,
    deadlines: `${prefix}:docs:deadlines`,
    itk: (itkMessageId) => `${prefix}:docs:itk:${itkMessageId}`,
    cursor: (endpoint) => `${prefix}:docs:cursor:${endpoint}`,
    routeEnabled: (endpoint) => `${prefix}:docs:route-enabled:${endpoint}`,
  };
}

/** The document's id: one per endpoint and referral (source system and record id), stable across versions. */
export function episodeDocumentId(endpoint: string, sourceSystem: string, referralId: string): string {
  return nameBasedUuid(`${endpoint}|${sourceSystem}|referral|${referralId}|episode-document`);
}

function parseDocument(hash: Readonly<Record<string, string>>): EpisodeDocumentRecord | undefined {
  const { id, endpoint, practice, sourceSystem, referralId, trigger, milestone, status, requestedAt, updatedAt } = hash;
  if (
    id === undefined ||
    endpoint === undefined ||
    practice === undefined ||
    sourceSystem === undefined ||
    referralId === undefined ||
    trigger === undefined ||
    milestone === undefined ||
    requestedAt === undefined ||
    updatedAt === undefined ||
    !DOCUMENT_STATUS_LIST.includes(status as DocumentStatus)
  ) {
    return undefined;
  }
  const optional = (name: keyof EpisodeDocumentRecord): Record<string, string> => {
    const value = hash[name];
    return value === undefined ? {} : { [name]: value };
  };
  return {
    id,
    endpoint,
    practice,
    sourceSystem,
    referralId,
    trigger,
    milestone,
    status: status as DocumentStatus,
    version: Number(hash.version ?? '0'),
    sendNo: Number(hash.sendNo ?? '1'),
    attempts: Number(hash.attempts ?? '0'),
    requestedAt,
    updatedAt,
    ...optional('itkMessageId'),
    ...optional('meshMessageId'),
    ...optional('localId'),
    ...optional('sentAt'),
    ...optional('deadlineAt'),
    ...optional('infrastructureAck'),
    ...optional('businessAck'),
    ...optional('deliveredAt'),
    ...optional('lastError'),
    ...optional('nextAttemptAt'),
  };
}

function pairsToHash(pairs: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    hash[pairs[i] ?? ''] = pairs[i + 1] ?? '';
  }
  return hash;
}

/** What a new version clears: the previous version's send and acknowledgements. */
const CLEARED_BY_NEW_VERSION = [
  'itkMessageId',
  'meshMessageId',
  'localId',
  'sentAt',
  'deadlineAt',
  'infrastructureAck',
  'businessAck',
  'deliveredAt',
  'lastError',
  'claimedAtMs',
  'nextAttemptAt',
] as const;

export class EpisodeDocumentStore {
  private readonly docKeys: ReturnType<typeof documentKeys>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: MessageKeys,
  ) {
    this.docKeys = documentKeys(keys.prefix);
  }

  async get(id: string): Promise<EpisodeDocumentRecord | undefined> {
    return parseDocument(await this.redis.hgetall(this.docKeys.document(id)));
  }

  /**
   * Asks for the next version of the referral's document, once per referral message: the same message asking
   * again (a redelivered job) changes nothing.
   */
  async request(input: DocumentRequest): Promise<RequestOutcome> {
    const id = episodeDocumentId(input.endpoint, input.sourceSystem, input.referralId);
    for (;;) {
      const current = await this.get(id);
      const version = (current?.version ?? 0) + 1;
      const at = input.now.toISOString();
      const fields: Record<string, string> = {
        id,
        endpoint: input.endpoint,
        practice: input.practice,
        sourceSystem: input.sourceSystem,
        referralId: input.referralId,
        trigger: input.trigger,
        milestone: input.milestone,
        version: String(version),
        sendNo: '1',
        attempts: '0',
        requestedAt: at,
        updatedAt: at,
        ...Object.fromEntries(CLEARED_BY_NEW_VERSION.map((name) => [name, ''])),
      };
      const event: LedgerEvent = {
        type: 'document-requested',
        messageId: id,
        endpoint: input.endpoint,
        practice: input.practice,
        version,
        milestone: input.milestone,
        trigger: input.trigger,
        sourceSystem: input.sourceSystem,
        recordId: input.referralId,
        at,
      };
      const ledger = ledgerBlock(this.keys, encodeLedgerEvent(event), input.now);
      const pairs = fieldPairs(fields);
      const [answer, seenVersion] = await REQUEST_DOCUMENT.run(
        this.redis,
        [
          this.docKeys.document(id),
          this.docKeys.triggers(id),
          ...DOCUMENT_STATUS_LIST.map((s) => this.docKeys.status(s)),
          this.docKeys.deadlines,
          ...ledger.keys,
        ],
        [input.trigger, String(current?.version ?? 0), input.now.getTime(), pairs.length / 2, ...pairs, ...ledger.args],
      );
      if (answer === 'ok') {
        return { kind: 'requested', id, version: seenVersion };
      }
      if (answer === 'seen') {
        return { kind: 'seen', id, version: seenVersion };
      }
      // Another message asked for a version between the read and the script: read again.
    }
  }

  async step(id: string, step: DocumentStep): Promise<StepOutcome> {
    const fields = fieldPairs({ ...step.fields, updatedAt: step.now.toISOString() });
    const ledger = ledgerBlock(
      this.keys,
      step.event === undefined ? undefined : encodeLedgerEvent(step.event),
      step.event === undefined ? undefined : step.now,
    );
    const deadline = step.deadline === undefined ? '' : step.deadline === null ? '-' : String(step.deadline.getTime());
    const reply = await STEP_DOCUMENT.run(
      this.redis,
      [
        this.docKeys.document(id),
        ...DOCUMENT_STATUS_LIST.map((s) => this.docKeys.status(s)),
        this.docKeys.deadlines,
        this.docKeys.itk(step.itkMessageId ?? 'none'),
        ...ledger.keys,
      ],
      [
        step.version === undefined ? '' : String(step.version),
        step.from.join(' '),
        step.staleClaimBefore === undefined ? '' : String(step.staleClaimBefore.getTime()),
        step.status ?? '',
        step.now.getTime(),
        step.incrementAttempts === true ? '1' : '0',
        deadline,
        step.itkMessageId === undefined || step.version === undefined ? '' : `${id} ${String(step.version)}`,
        fields.length / 2,
        ...fields,
        ...ledger.args,
      ],
    );
    switch (reply[0]) {
      case 'ok': {
        const record = parseDocument(pairsToHash(reply[3]));
        if (record === undefined) {
          throw new Error(`episode document ${id} is malformed in the store`);
        }
        return { ok: true, previous: reply[1], record };
      }
      case 'conflict':
        return { ok: false, reason: 'conflict', status: reply[1], version: reply[2] };
      case 'missing':
        return { ok: false, reason: 'missing' };
    }
  }

  /** The document version that sent this ITK3 message, if any did. */
  async ownerOfItkMessage(itkMessageId: string): Promise<ItkMessageOwner | undefined> {
    const value = await this.redis.get(this.docKeys.itk(itkMessageId));
    const [documentId, version] = value?.split(' ') ?? [];
    return documentId === undefined || version === undefined ? undefined : { documentId, version: Number(version) };
  }

  /**
   * The receive time (ms) up to which the endpoint's messages were looked at for milestones; undefined before the
   * first look, when the endpoint's `mesh.sendFrom` says where the first one starts.
   */
  async cursor(endpoint: string): Promise<number | undefined> {
    const value = await this.redis.get(this.docKeys.cursor(endpoint));
    return value === null ? undefined : Number(value);
  }

  /**
   * When the Send Document route was first enabled for the endpoint (ms): `at` the first time it is asked, the
   * same answer ever after (kept for ever, like the cursor), however many workers ask and whenever they start.
   */
  async routeEnabledAt(endpoint: string, at: Date): Promise<number> {
    const key = this.docKeys.routeEnabled(endpoint);
    await this.redis.set(key, String(at.getTime()), 'NX');
    return Number((await this.redis.get(key)) ?? String(at.getTime()));
  }

  async setCursor(endpoint: string, receivedMs: number): Promise<void> {
    await this.redis.set(this.docKeys.cursor(endpoint), String(receivedMs));
  }

  /** Ids of documents waiting for an acknowledgement whose deadline is at or before `now`. */
  async overdue(now: Date, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.docKeys.deadlines, '-inf', String(now.getTime()), 'LIMIT', 0, limit);
  }

  /** Ids of documents in a status, oldest change first, from `offset` on. */
  async idsByStatus(status: DocumentStatus, limit = 500, offset = 0): Promise<string[]> {
    return this.redis.zrange(this.docKeys.status(status), String(offset), String(offset + limit - 1));
  }

  async countByStatus(status: DocumentStatus): Promise<number> {
    return this.redis.zcard(this.docKeys.status(status));
  }

  /**
   * How many documents are in a status, per endpoint: the whole index a page at a time, reading only each
   * document's endpoint, so the count is exact however many there are (the metrics scrape reads it).
   */
  async countByEndpoint(status: DocumentStatus, page = 500): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let offset = 0; ; offset += page) {
      const ids = await this.idsByStatus(status, page, offset);
      if (ids.length > 0) {
        const pipeline = this.redis.pipeline();
        for (const id of ids) {
          pipeline.hget(this.docKeys.document(id), 'endpoint');
        }
        for (const [error, endpoint] of (await pipeline.exec()) ?? []) {
          if (error === null && typeof endpoint === 'string') {
            counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
          }
        }
      }
      if (ids.length < page) {
        return counts;
      }
    }
  }

  /** Every tracked document (each status index), at most `limit` per status. */
  async list(limit = 500): Promise<EpisodeDocumentRecord[]> {
    const ids = (await Promise.all(DOCUMENT_STATUS_LIST.map((s) => this.idsByStatus(s, limit)))).flat();
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((r): r is EpisodeDocumentRecord => r !== undefined);
  }
}
