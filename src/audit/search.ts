/**
 * Auditors' message search: by message id, source record id, NHS number (through its keyed hash), practice,
 * endpoint, status and time received, newest first, a page at a time. Filters are sorted-set indexes intersected
 * in Redis (scored by time received), so a page costs the same however large the ledger grows.
 */
import { randomUUID } from 'node:crypto';
import type { MessageStatus } from '../messages/record';
import type { AuditLedger } from '../store/ledger';
import type { PatientKeyer } from '../store/patient-key';

export interface MessageQuery {
  readonly messageId?: string;
  readonly recordId?: string;
  readonly nhsNumber?: string;
  readonly practice?: string;
  readonly endpoint?: string;
  readonly status?: MessageStatus;
  /** Received at or after. */
  readonly from?: Date;
  /** Received before. */
  readonly to?: Date;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
}

/** What the audit views show of a message: its identity and state, never its body. */
export interface MessageSummary {
  readonly messageId: string;
  readonly kind: string;
  readonly status: string;
  readonly practice: string;
  readonly endpoint: string;
  readonly client: string;
  readonly sourceSystem: string;
  readonly recordId: string;
  readonly recordVersion: number;
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly attempts: number;
  readonly deliveredAt?: string;
  readonly lastError?: string;
  readonly purgedAt?: string;
}

export interface SearchResult {
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  readonly items: readonly MessageSummary[];
}

const SUMMARY_FIELDS = [
  'id',
  'kind',
  'status',
  'practice',
  'endpointId',
  'clientId',
  'sourceSystem',
  'recordId',
  'recordVersion',
  'receivedAt',
  'updatedAt',
  'attempts',
  'deliveredAt',
  'lastError',
  'purgedAt',
] as const;

function summaryOf(values: readonly (string | null)[]): MessageSummary | undefined {
  const get = (name: (typeof SUMMARY_FIELDS)[number]): string | undefined =>
    values[SUMMARY_FIELDS.indexOf(name)] ?? undefined;
  const id = get('id');
  if (id === undefined) {
    return undefined;
  }
  const optional = (name: 'deliveredAt' | 'lastError' | 'purgedAt'): Record<string, string> => {
    const value = get(name);
    return value === undefined || value === '' ? {} : { [name]: value };
  };
  return {
    messageId: id,
    kind: get('kind') ?? '',
    status: get('status') ?? '',
    practice: get('practice') ?? '',
    endpoint: get('endpointId') ?? '',
    client: get('clientId') ?? '',
    sourceSystem: get('sourceSystem') ?? '',
    recordId: get('recordId') ?? '',
    recordVersion: Number(get('recordVersion') ?? '0'),
    receivedAt: get('receivedAt') ?? '',
    updatedAt: get('updatedAt') ?? '',
    attempts: Number(get('attempts') ?? '0'),
    ...optional('deliveredAt'),
    ...optional('lastError'),
    ...optional('purgedAt'),
  };
}

export class MessageSearch {
  constructor(
    private readonly ledger: AuditLedger,
    private readonly patientKey: PatientKeyer,
  ) {}

  async summaries(ids: readonly string[]): Promise<MessageSummary[]> {
    if (ids.length === 0) {
      return [];
    }
    const { redis, keys } = this.ledger;
    const replies = await redis.pipeline(ids.map((id) => ['hmget', keys.message(id), ...SUMMARY_FIELDS])).exec();
    return (replies ?? []).flatMap(([, values]) => {
      const summary = summaryOf(values as (string | null)[]);
      return summary === undefined ? [] : [summary];
    });
  }

  async search(query: MessageQuery): Promise<SearchResult> {
    const { page, pageSize } = query;
    if (query.messageId !== undefined) {
      const found = (await this.summaries([query.messageId])).filter((s) => matches(s, query));
      return { total: found.length, page, pageSize, items: page === 1 ? found : [] };
    }
    const { redis, keys } = this.ledger;
    const index = this.ledger.index;
    const filters: string[] = [];
    if (query.practice !== undefined) filters.push(index.practice(query.practice));
    if (query.endpoint !== undefined) filters.push(index.endpoint(query.endpoint));
    if (query.recordId !== undefined) filters.push(index.record(query.recordId));
    if (query.nhsNumber !== undefined) filters.push(index.patient(await this.patientKey(query.nhsNumber)));
    if (query.status !== undefined) filters.push(keys.byStatus(query.status));
    const min = query.from === undefined ? '-inf' : String(query.from.getTime());
    const max = query.to === undefined ? '+inf' : `(${String(query.to.getTime())}`;
    let source = index.received;
    let temporary: string | undefined;
    if (filters.length > 0) {
      // Scores come from the received index alone (weight 1), so the status index's own scores do not count.
      temporary = index.scratch(randomUUID());
      source = temporary;
      await redis
        .multi()
        .zinterstore(temporary, filters.length + 1, index.received, ...filters, 'WEIGHTS', 1, ...filters.map(() => 0))
        .expire(temporary, 60)
        .exec();
    }
    try {
      const [total, ids] = await Promise.all([
        redis.zcount(source, min, max),
        redis.zrevrangebyscore(source, max, min, 'LIMIT', (page - 1) * pageSize, pageSize),
      ]);
      return { total, page, pageSize, items: await this.summaries(ids) };
    } finally {
      if (temporary !== undefined) {
        await redis.del(temporary);
      }
    }
  }
}

function matches(summary: MessageSummary, query: MessageQuery): boolean {
  const received = Date.parse(summary.receivedAt);
  return (
    (query.practice === undefined || summary.practice === query.practice) &&
    (query.endpoint === undefined || summary.endpoint === query.endpoint) &&
    (query.recordId === undefined || summary.recordId === query.recordId) &&
    (query.status === undefined || summary.status === query.status) &&
    (query.from === undefined || received >= query.from.getTime()) &&
    (query.to === undefined || received < query.to.getTime())
  );
}
