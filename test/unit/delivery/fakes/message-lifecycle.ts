/**
 * An in-memory MessageLifecycle (and the message reader delivery starts with) for fast tests: it keeps records in
 * a map, applies the same from-states as the store's named transitions, and remembers every transition asked of
 * it, accepted or not, so a test can say exactly what a delivery recorded.
 */
import type { MessageRecord, MessageStatus } from '../../../../src/messages/record';
import type { InboundMessage, MessageKind, SourceRef } from '../../../../src/messages/schemas';
import type { LatestOfRecord } from '../../../../src/store/message-store';
import type { AttemptFacts, ClaimResult, MessageLifecycle } from '../../../../src/store/message-lifecycle';

type Results = {
  readonly [K in Exclude<keyof MessageLifecycle, 'claim'>]: Parameters<MessageLifecycle[K]>[1];
};

/** One recorded result transition: its name, the attempt facts, what it was told, and whether it applied. */
export type RecordedTransition = {
  readonly [K in keyof Results]: {
    readonly name: K;
    readonly facts: AttemptFacts;
    readonly result: Results[K];
    readonly applied: boolean;
  };
}[keyof Results];

const STATUS_AFTER: Readonly<Record<keyof Results, MessageStatus>> = {
  delivered: 'delivered',
  handedToDocumentRoute: 'delivered',
  retryLater: 'queued',
  failed: 'failed',
  superseded: 'superseded',
};

export class InMemoryLifecycle implements MessageLifecycle {
  readonly transitions: RecordedTransition[] = [];
  readonly claims: { readonly messageId: string; readonly now: Date; readonly result: ClaimResult }[] = [];
  private readonly records = new Map<string, MessageRecord>();

  /** Stores a message as the API would have accepted it. */
  add(message: InboundMessage, fields: Partial<MessageRecord> & Pick<MessageRecord, 'id' | 'endpointId'>): void {
    this.records.set(fields.id, {
      kind: message.kind,
      status: 'queued',
      message,
      contentHash: 'hash',
      clientId: 'test-client',
      practice: message.body.gpPractice.odsCode,
      receivedAt: '2026-01-01T09:00:00.000Z',
      updatedAt: '2026-01-01T09:00:00.000Z',
      attempts: 0,
      resources: [],
      ...fields,
    });
  }

  /** Changes a record behind the delivery's back, as another worker or an operator would. */
  set(id: string, change: Partial<MessageRecord>): void {
    const record = this.records.get(id);
    if (record !== undefined) {
      this.records.set(id, { ...record, ...change });
    }
  }

  delete(id: string): void {
    this.records.delete(id);
  }

  async get(id: string): Promise<MessageRecord | undefined> {
    return Promise.resolve(this.records.get(id));
  }

  /** The newest stored version of a source record, as the store's latest-of-record index would say. */
  async latestOfRecord(
    kind: MessageKind,
    source: Pick<SourceRef, 'system' | 'recordId'>,
  ): Promise<LatestOfRecord | undefined> {
    const versions = [...this.records.values()].filter(
      (record) =>
        record.kind === kind &&
        record.message.body.source.system === source.system &&
        record.message.body.source.recordId === source.recordId,
    );
    const newest = versions.sort(
      (a, b) => b.message.body.source.recordVersion - a.message.body.source.recordVersion,
    )[0];
    return Promise.resolve(
      newest === undefined ? undefined : { version: newest.message.body.source.recordVersion, messageId: newest.id },
    );
  }

  async claim(messageId: string, now: Date): Promise<ClaimResult> {
    const record = this.records.get(messageId);
    let result: ClaimResult;
    if (record === undefined) {
      result = { ok: false, reason: 'missing' };
    } else if (record.status !== 'queued' && record.status !== 'delivering') {
      result = { ok: false, reason: 'conflict', status: record.status };
    } else {
      const claimed = { ...record, status: 'delivering' as const, attempts: record.attempts + 1 };
      this.records.set(messageId, claimed);
      result = { ok: true, record: claimed, attempt: claimed.attempts };
    }
    this.claims.push({ messageId, now, result });
    return Promise.resolve(result);
  }

  async delivered(facts: AttemptFacts, result: Results['delivered']): Promise<boolean> {
    return this.finish({ name: 'delivered', facts, result });
  }

  async handedToDocumentRoute(facts: AttemptFacts): Promise<boolean> {
    return this.finish({ name: 'handedToDocumentRoute', facts, result: undefined });
  }

  async retryLater(facts: AttemptFacts, result: Results['retryLater']): Promise<boolean> {
    return this.finish({ name: 'retryLater', facts, result });
  }

  async failed(facts: AttemptFacts, result: Results['failed']): Promise<boolean> {
    return this.finish({ name: 'failed', facts, result });
  }

  async superseded(facts: AttemptFacts, result: Results['superseded']): Promise<boolean> {
    return this.finish({ name: 'superseded', facts, result });
  }

  /** The single result transition recorded so far; fails the test when there is not exactly one. */
  only(): RecordedTransition {
    const [first, ...rest] = this.transitions;
    if (first === undefined || rest.length > 0) {
      throw new Error(`expected one transition, got ${this.transitions.map((t) => t.name).join(', ') || 'none'}`);
    }
    return first;
  }

  private async finish(transition: Omit<RecordedTransition, 'applied'>): Promise<boolean> {
    const record = this.records.get(transition.facts.messageId);
    const applied = record?.status === 'delivering';
    if (record !== undefined && applied) {
      this.records.set(record.id, { ...record, status: STATUS_AFTER[transition.name] });
    }
    this.transitions.push({ ...transition, applied } as RecordedTransition);
    return Promise.resolve(applied);
  }
}
