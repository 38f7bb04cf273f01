/**
 * The reads the audit views make of message records: a summary of each (identity and state, never the body) and
 * the resources its delivery wrote, a batch of messages per round trip.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { WrittenResource } from '../messages/record';
import type { MessageKeys } from './keys';

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

const values = z.array(z.string().nullable());
const writtenResources = z.array(
  z.object({
    resourceType: z.string(),
    reference: z.string(),
    versionId: z.string().optional(),
    status: z.string(),
  }),
);

function summaryOf(row: readonly (string | null)[]): MessageSummary | undefined {
  const get = (name: (typeof SUMMARY_FIELDS)[number]): string | undefined =>
    row[SUMMARY_FIELDS.indexOf(name)] ?? undefined;
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

function parseResources(text: unknown): WrittenResource[] | undefined {
  if (typeof text !== 'string' || text === '') {
    return undefined;
  }
  const parsed = writtenResources.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

export class MessageSummaries {
  constructor(
    private readonly redis: Redis,
    private readonly keys: MessageKeys,
  ) {}

  /** Summaries of the messages that exist among `ids`, in the order given. */
  async summaries(ids: readonly string[]): Promise<MessageSummary[]> {
    if (ids.length === 0) {
      return [];
    }
    const replies = await this.redis
      .pipeline(ids.map((id) => ['hmget', this.keys.message(id), ...SUMMARY_FIELDS]))
      .exec();
    return (replies ?? []).flatMap(([, reply]) => {
      const row = values.safeParse(reply);
      const summary = row.success ? summaryOf(row.data) : undefined;
      return summary === undefined ? [] : [summary];
    });
  }

  /** The resources each message's last delivery wrote, as its record lists them (absent when none). */
  async resourceLists(ids: readonly string[]): Promise<Map<string, WrittenResource[] | undefined>> {
    const replies =
      ids.length === 0
        ? []
        : await this.redis.pipeline(ids.map((id) => ['hget', this.keys.message(id), 'resources'])).exec();
    return new Map(ids.map((id, i) => [id, parseResources(replies?.[i]?.[1])]));
  }

  /** The endpoint a message is addressed to, or undefined when the message is gone. */
  async endpointOf(id: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.message(id), 'endpointId')) ?? undefined;
  }
}
