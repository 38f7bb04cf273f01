/**
 * The hash-chained ledger on real Redis: a clean ledger verifies; editing, deleting, reordering or cutting off
 * entries is detected at the first broken link; many connections appending at once (plain appends and message
 * creates through the store's own script) still leave one unbroken chain.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AuditLedger } from '../../src/store/ledger';
import type { LedgerEvent } from '../../src/store/ledger-events';
import { verifyLedger } from '../../src/audit/verify';
import { entryHash } from '../../src/store/canonical';
import { messageKeys } from '../../src/store/keys';
import { MessageStore } from '../../src/store/message-store';
import { validateInbound } from '../../src/messages/validate';
import type { InboundMessage } from '../../src/messages/schemas';
import { referralDoc } from '../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../support/redis';

type Raw = [string, string[]];

function access(who: string, query: string): LedgerEvent {
  return { type: 'audit-access', at: new Date().toISOString(), who, action: 'search', channel: 'api', query };
}

describe('hash-chained audit ledger', () => {
  let redis: Redis;
  let prefix: string;
  let ledger: AuditLedger;
  const now = new Date('2025-10-15T10:00:00Z');

  beforeEach(() => {
    redis = new Redis(TEST_REDIS_URL);
    prefix = uniquePrefix('chain');
    ledger = new AuditLedger(redis, messageKeys(prefix));
  });
  afterEach(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  async function appendSample(count: number): Promise<void> {
    for (let i = 1; i <= count; i += 1) {
      // Values with the encoding's own separators and multi-byte text must not confuse the canonical form.
      await ledger.append(access(`auditor-${String(i)}`, `q=a:b,c ${'é'.repeat(i)}`));
    }
  }

  /** What someone with write access to Redis could do: rebuild the stream with chosen entries. */
  async function rewrite(change: (entries: Raw[]) => Raw[], keepIds = true): Promise<void> {
    const key = `${prefix}:ledger`;
    const original = (await redis.xrange(key, '-', '+')) as Raw[];
    const changed = change(original.map(([id, fields]) => [id, [...fields]]));
    await redis.del(key);
    for (const [i, [id, fields]] of changed.entries()) {
      await redis.xadd(key, keepIds ? id : (original[i]?.[0] ?? '*'), ...fields);
    }
  }

  it('verifies an untouched ledger and matches the hash Node computes', async () => {
    await appendSample(25);
    const report = await verifyLedger(ledger, now);
    expect(report).toMatchObject({ ok: true, entries: 25, headSeq: 25, lastGoodSeq: 25 });
    const [first] = await ledger.range('-', '+', 1);
    expect(first?.prev).toBe('0'.repeat(64));
    expect(first && entryHash(first.pairs)).toBe(first?.hash);
  });

  it('verifies an empty ledger', async () => {
    expect(await verifyLedger(ledger, now)).toMatchObject({ ok: true, entries: 0, headSeq: 0 });
  });

  it('detects an edited field at that entry', async () => {
    await appendSample(10);
    await rewrite((entries) => {
      const fields = entries[4]?.[1] ?? [];
      fields[fields.indexOf('who') + 1] = 'someone-else';
      return entries;
    });
    const report = await verifyLedger(ledger, now);
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ seq: 5, reason: 'hash-mismatch' });
    expect(report.lastGoodSeq).toBe(4);
  });

  it('detects an edited entry whose own hash was recomputed, at the next entry', async () => {
    await appendSample(10);
    await rewrite((entries) => {
      const fields = entries[4]?.[1] ?? [];
      fields[fields.indexOf('who') + 1] = 'someone-else';
      fields[fields.length - 1] = entryHash(fields.slice(0, -2));
      return entries;
    });
    const report = await verifyLedger(ledger, now);
    expect(report.firstBroken).toMatchObject({ seq: 6, reason: 'prev-mismatch' });
  });

  it('detects a deleted entry (XDEL)', async () => {
    await appendSample(10);
    const entries = await ledger.range('-', '+', 100);
    await redis.xdel(`${prefix}:ledger`, entries[6]?.id ?? '');
    const report = await verifyLedger(ledger, now);
    expect(report.firstBroken).toMatchObject({ id: entries[7]?.id, seq: 8, expectedSeq: 7, reason: 'sequence-gap' });
  });

  it('detects two entries swapped', async () => {
    await appendSample(10);
    await rewrite((entries) => {
      const [third, fourth] = [entries[2], entries[3]];
      if (third === undefined || fourth === undefined) {
        throw new Error('sample too short');
      }
      entries[2] = fourth;
      entries[3] = third;
      return entries;
    }, false);
    const report = await verifyLedger(ledger, now);
    expect(report.firstBroken).toMatchObject({ seq: 4, expectedSeq: 3, reason: 'sequence-gap' });
  });

  it('detects entries cut off the end', async () => {
    await appendSample(10);
    await rewrite((entries) => entries.slice(0, 8));
    const report = await verifyLedger(ledger, now);
    expect(report.firstBroken).toMatchObject({ reason: 'head-mismatch', expectedSeq: 10 });
    expect(report.lastGoodSeq).toBe(8);
  });

  it('keeps one unbroken chain with many connections appending at once', async () => {
    const writers = 8;
    const perWriter = 60;
    const connections = Array.from({ length: writers }, () => new Redis(TEST_REDIS_URL));
    const keys = messageKeys(prefix);
    try {
      await Promise.all(
        connections.map(async (connection, w) => {
          const writer = new AuditLedger(connection, keys);
          const store = new MessageStore(connection, keys);
          for (let i = 0; i < perWriter; i += 1) {
            if (w % 2 === 0) {
              await writer.append(access(`writer-${String(w)}`, `n=${String(i)}`));
            } else {
              const validation = validateInbound('referral', referralDoc(), new Date());
              if (!validation.ok) {
                throw new Error('fixture is invalid');
              }
              const message: InboundMessage = validation.message;
              const id = randomUUID();
              await store.create({
                id,
                message,
                contentHash: id,
                idempotencyKey: id,
                clientId: `writer-${String(w)}`,
                endpointId: 'sandbox',
                now,
              });
            }
          }
        }),
      );
    } finally {
      await Promise.all(connections.map(async (c) => c.quit()));
    }
    const report = await verifyLedger(ledger, now);
    expect(report).toMatchObject({ ok: true, entries: writers * perWriter, headSeq: writers * perWriter });
    const seqs = (await ledger.range('-', '+', 10_000)).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: writers * perWriter }, (_, i) => i + 1));
  });
});
