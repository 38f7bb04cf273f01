/**
 * Checkpointed `audit verify` on real Redis: a successful verify leaves a sealed checkpoint and the next one reads
 * only the entries after it; tampering after the checkpoint is caught by the default verify, tampering before it
 * only by `--full`; a checkpoint that was edited, re-sealed without the configured secret, or that names an entry
 * which is no longer as it was, is refused.
 */
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { sealCheckpoint, verifyFromCheckpoint } from '../../src/audit/checkpoint';
import { verifyCommand } from '../../src/cli/audit';
import { AuditLedger } from '../../src/store/ledger';
import type { LedgerEvent } from '../../src/store/ledger-events';
import { messageKeys } from '../../src/store/keys';
import { patientKeyer } from '../../src/store/patient-key';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../support/redis';

type Raw = [string, string[]];

const SECRET = 'a-checkpoint-secret-of-32-characters-or-more';

function access(who: string): LedgerEvent {
  return { type: 'audit-access', at: new Date().toISOString(), who, action: 'search', channel: 'api', query: 'q' };
}

describe('checkpointed ledger verification', () => {
  let redis: Redis;
  let prefix: string;
  let ledger: AuditLedger;
  const now = new Date('2026-12-01T10:00:00Z');

  beforeEach(() => {
    redis = new Redis(TEST_REDIS_URL);
    prefix = uniquePrefix('checkpoint');
    ledger = new AuditLedger(redis, messageKeys(prefix));
  });
  afterEach(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  async function append(count: number, from = 1): Promise<void> {
    for (let i = from; i < from + count; i += 1) {
      await ledger.append(access(`auditor-${String(i)}`));
    }
  }

  /** Someone with write access to Redis changes one field of the entry at `seq`, keeping the stream ids. */
  async function editEntry(seq: number): Promise<void> {
    const key = `${prefix}:ledger`;
    const entries = (await redis.xrange(key, '-', '+')) as Raw[];
    await redis.del(key);
    for (const [id, fields] of entries) {
      const copy = [...fields];
      if (copy[copy.indexOf('seq') + 1] === String(seq)) {
        copy[copy.indexOf('who') + 1] = 'someone-else';
      }
      await redis.xadd(key, id, ...copy);
    }
  }

  it('a second verify reads only the entries after the checkpoint the first one left', async () => {
    await append(20);
    const first = await verifyFromCheckpoint(ledger, now);
    expect(first).toMatchObject({ ok: true, entries: 20, lastGoodSeq: 20 });
    expect(first.fromSeq).toBeUndefined();
    expect(await ledger.checkpoints.read()).toMatchObject({ seq: 20, hash: first.headHash, alg: 'sha256' });

    await append(5, 21);
    const second = await verifyFromCheckpoint(ledger, now);
    expect(second).toMatchObject({ ok: true, entries: 5, fromSeq: 20, lastGoodSeq: 25, headSeq: 25 });
    expect(await ledger.checkpoints.read()).toMatchObject({ seq: 25 });

    const full = await verifyFromCheckpoint(ledger, now, { full: true });
    expect(full).toMatchObject({ ok: true, entries: 25, lastGoodSeq: 25 });
  });

  it('tampering after the checkpoint is caught by the default verify', async () => {
    await append(10);
    expect((await verifyFromCheckpoint(ledger, now)).ok).toBe(true);
    await append(5, 11);
    await editEntry(13);
    const report = await verifyFromCheckpoint(ledger, now);
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ seq: 13, reason: 'hash-mismatch' });
    expect(report.lastGoodSeq).toBe(12);
    // A failed verify leaves the checkpoint where it was.
    expect(await ledger.checkpoints.read()).toMatchObject({ seq: 10 });
  });

  it('tampering before the checkpoint is caught by --full', async () => {
    await append(10);
    expect((await verifyFromCheckpoint(ledger, now)).ok).toBe(true);
    await editEntry(4);
    // By design the default verify trusts what it verified before: it starts after entry 10.
    expect(await verifyFromCheckpoint(ledger, now)).toMatchObject({ ok: true, fromSeq: 10, entries: 0 });
    const full = await verifyFromCheckpoint(ledger, now, { full: true });
    expect(full.ok).toBe(false);
    expect(full.firstBroken).toMatchObject({ seq: 4, reason: 'hash-mismatch' });
  });

  it('a forged checkpoint is refused: edited, or naming an entry that was changed', async () => {
    await append(10);
    expect((await verifyFromCheckpoint(ledger, now)).ok).toBe(true);
    const key = `${prefix}:ledger:checkpoint`;
    const stored = await ledger.checkpoints.read();
    if (stored === undefined) throw new Error('no checkpoint written');

    // Moved back to an earlier entry without a new seal.
    const [fifth] = await ledger.range('-', '+', 5).then((entries) => entries.slice(4));
    await redis.hset(key, { seq: '5', id: fifth?.id ?? '', hash: fifth?.hash ?? '' });
    const edited = await verifyFromCheckpoint(ledger, now);
    expect(edited.ok).toBe(false);
    expect(edited.firstBroken?.reason).toBe('checkpoint-mismatch');
    expect(edited.firstBroken?.detail).toContain('seal does not match');

    // The entry it names was edited and the checkpoint re-sealed to its new hash: the entry no longer matches it.
    await ledger.checkpoints.write(stored);
    await editEntry(10);
    const renamed = await verifyFromCheckpoint(ledger, now);
    expect(renamed.ok).toBe(false);
    expect(renamed.firstBroken?.reason).toBe('checkpoint-mismatch');
  });

  it('with a secret, a checkpoint sealed without it (or with another) is refused', async () => {
    await append(6);
    expect((await verifyFromCheckpoint(ledger, now, { secret: SECRET })).ok).toBe(true);
    expect(await ledger.checkpoints.read()).toMatchObject({ seq: 6, alg: 'hmac-sha256' });
    const stored = await ledger.checkpoints.read();
    if (stored === undefined) throw new Error('no checkpoint written');

    // Someone who can write Redis but does not hold the secret re-seals the same point with a plain hash.
    await ledger.checkpoints.write(sealCheckpoint(stored, stored.at));
    const plain = await verifyFromCheckpoint(ledger, now, { secret: SECRET });
    expect(plain).toMatchObject({ ok: false, firstBroken: { reason: 'checkpoint-mismatch' } });
    expect(plain.firstBroken?.detail).toContain('configured checkpoint secret');

    await ledger.checkpoints.write(sealCheckpoint(stored, stored.at, 'another-secret-of-32-characters-or-more!'));
    expect((await verifyFromCheckpoint(ledger, now, { secret: SECRET })).ok).toBe(false);

    // --full ignores the checkpoint, verifies the chain and writes a good one again.
    expect((await verifyFromCheckpoint(ledger, now, { secret: SECRET, full: true })).ok).toBe(true);
    expect((await verifyFromCheckpoint(ledger, now, { secret: SECRET })).ok).toBe(true);
  });

  it('the command prints where it started and exits 1 on a refused checkpoint', async () => {
    await append(3);
    let output = '';
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const ctx = {
      ledger,
      patientKey: patientKeyer(redis, `${prefix}:secret`, 'a-test-secret-of-at-least-32-characters!'),
      out,
      now: () => now,
      who: 'ops',
    };
    expect(await verifyCommand(ctx)).toBe(0);
    // The first run's own audit-access entry (seq 4) is what the second run reads.
    expect(await verifyCommand(ctx)).toBe(0);
    expect(output).toContain('OK: 1 entries verified after checkpoint seq 3; head seq 4');
    await redis.hset(`${prefix}:ledger:checkpoint`, 'seq', '2');
    expect(await verifyCommand(ctx)).toBe(1);
    expect(output).toContain('reason: checkpoint-mismatch');
  });
});
