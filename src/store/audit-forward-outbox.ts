/**
 * The hand-off set of AuditEvent forwarding, read by its sweeper: the deliveries (`<messageId>.<attempt>`) whose
 * AuditEvents still have to be put on a forwarding queue. The delivered and failed transitions add to it in the
 * same atomic step as their ledger entry (forward-keys.ts names the key).
 */
import type { Redis } from 'ioredis';
import { auditForwardOutboxKey } from './forward-keys';

export class AuditForwardOutbox {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = auditForwardOutboxKey(prefix);
  }

  /** Members handed off at or before `now`, oldest first, at most `limit`. */
  async due(now: Date, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key, '-inf', now.getTime(), 'LIMIT', 0, limit);
  }

  /** Takes a member out once it is on its queue (or has nowhere to go). */
  async remove(member: string): Promise<void> {
    await this.redis.zrem(this.key, member);
  }
}
