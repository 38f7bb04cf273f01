/**
 * The retention purge's reads and writes: the messages whose body is still held, received before a cutoff (the
 * retained index), what the purge needs to know of each, and the purge itself, which replaces the body and appends
 * the `purged` ledger entry in one atomic script (lua/purge-body.lua).
 */
import type { Redis } from 'ioredis';
import type { MessageStatus } from '../messages/record';
import type { MessageKeys } from './keys';
import { ledgerBlock } from './ledger-block';
import type { LedgerEventOf } from './ledger-events';
import { encodeLedgerEvent } from './ledger-events';
import type { LedgerIndexKeys } from './ledger-keys';
import { ledgerIndexKeys } from './ledger-keys';
import { PURGE_BODY } from './ledger-scripts';

/** What the purge reads of a retained message. */
export interface RetainedMessage {
  readonly status: string;
  /** The stored body (JSON), from which the purge keeps the non-personal envelope. */
  readonly messageJson: string;
  readonly practice: string;
  readonly endpoint: string;
}

export type PurgeOutcome =
  | { readonly kind: 'purged' }
  /** The message is gone, or its body was purged already: it has left the retained index. */
  | { readonly kind: 'missing' | 'already' }
  /** It is no longer in a purgeable state (a replay moved it on): it stays in the index. */
  | { readonly kind: 'kept'; readonly status: string };

export class RetentionStore {
  private readonly index: LedgerIndexKeys;

  constructor(
    private readonly redis: Redis,
    private readonly keys: MessageKeys,
  ) {
    this.index = ledgerIndexKeys(keys.ledger);
  }

  /** Ids of messages still holding their body that were received before `cutoff`, oldest first, a page at a time. */
  async receivedBefore(cutoff: Date, offset: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(
      this.index.retained,
      '-inf',
      `(${String(cutoff.getTime())}`,
      'LIMIT',
      offset,
      limit,
    );
  }

  /** The message as the purge needs it, or undefined when it (or its body) no longer exists. */
  async read(id: string): Promise<RetainedMessage | undefined> {
    const [status, messageJson, practice, endpoint] = await this.redis.hmget(
      this.keys.message(id),
      'status',
      'message',
      'practice',
      'endpointId',
    );
    if (typeof status !== 'string' || typeof messageJson !== 'string') {
      return undefined;
    }
    return { status, messageJson, practice: practice ?? '', endpoint: endpoint ?? '' };
  }

  /** Takes a message whose record was deleted out of the retained index: there is nothing left to purge. */
  async forget(id: string): Promise<void> {
    await this.redis.zrem(this.index.retained, id);
  }

  /**
   * Replaces the body with `envelope` if the message is still in one of the `allowed` statuses, with its `purged`
   * ledger entry, atomically.
   */
  async purge(
    event: LedgerEventOf<'purged'>,
    allowed: readonly MessageStatus[],
    envelope: string,
  ): Promise<PurgeOutcome> {
    const id = event.messageId;
    const block = ledgerBlock(this.keys, encodeLedgerEvent(event));
    const reply = await PURGE_BODY.run(
      this.redis,
      [this.keys.message(id), this.index.retained, ...block.keys],
      [id, allowed.join(' '), envelope, event.at, ...block.args],
    );
    if (reply === 'purged' || reply === 'missing' || reply === 'already') {
      return { kind: reply };
    }
    return { kind: 'kept', status: reply.slice('status:'.length) };
  }
}
