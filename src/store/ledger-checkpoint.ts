/**
 * Where the ledger's verification checkpoint is kept: one hash beside the ledger naming the last entry a verify
 * found good (its sequence number, stream id and chain hash) with the seal that protects it. What the seal is,
 * and whether a checkpoint may be trusted, is the audit side's business (audit/checkpoint.ts).
 */
import type { Redis } from 'ioredis';
import type { MessageKeys } from './keys';

export interface StoredCheckpoint {
  readonly seq: number;
  /** Stream id of the entry at `seq`. */
  readonly id: string;
  /** That entry's chain hash. */
  readonly hash: string;
  /** When the verify that wrote it ran (ISO 8601). */
  readonly at: string;
  /** How `seal` was made: 'hmac-sha256' with the configured secret, or 'sha256' without one. */
  readonly alg: string;
  readonly seal: string;
}

export class LedgerCheckpoints {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    keys: MessageKeys,
  ) {
    this.key = `${keys.ledger}:checkpoint`;
  }

  async read(): Promise<StoredCheckpoint | undefined> {
    const raw = await this.redis.hgetall(this.key);
    if (raw.seq === undefined) {
      return undefined;
    }
    return {
      seq: Number(raw.seq),
      id: raw.id ?? '',
      hash: raw.hash ?? '',
      at: raw.at ?? '',
      alg: raw.alg ?? '',
      seal: raw.seal ?? '',
    };
  }

  /** Replaces the checkpoint as a whole (one command, so a reader never sees half of an old and half of a new one). */
  async write(checkpoint: StoredCheckpoint): Promise<void> {
    await this.redis
      .multi()
      .del(this.key)
      .hset(this.key, {
        seq: String(checkpoint.seq),
        id: checkpoint.id,
        hash: checkpoint.hash,
        at: checkpoint.at,
        alg: checkpoint.alg,
        seal: checkpoint.seal,
      })
      .exec();
  }
}
