/**
 * The `audit verify | purge | export` commands' functions on real Redis: verify exits 0 on an untouched ledger
 * and 1 with the first broken link once an entry is deleted; purge --dry-run lists without changing; export
 * writes one practice's entries as CSV and NDJSON that parse back; every run is itself in the ledger.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { Redis } from 'ioredis';
import { AuditLedger } from '../../src/store/ledger';
import { patientKeyer } from '../../src/store/patient-key';
import type { AuditCliContext } from '../../src/cli/audit';
import { exportCommand, purgeCommand, verifyCommand } from '../../src/cli/audit';
import { messageKeys } from '../../src/store/keys';
import { MessageStore } from '../../src/store/message-store';
import { validateInbound } from '../../src/messages/validate';
import { referralDoc } from '../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../support/redis';

describe('audit CLI commands', () => {
  let redis: Redis;
  let prefix: string;
  let ledger: AuditLedger;
  let store: MessageStore;
  let output: string;

  function context(): AuditCliContext {
    const out = new PassThrough();
    output = '';
    out.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    return {
      ledger,
      patientKey: patientKeyer(redis, `${prefix}:secret`, 'a-test-secret-of-at-least-32-characters!'),
      out,
      now: () => new Date(),
      who: 'ops-alice',
    };
  }

  async function receive(practice: string, at: Date): Promise<string> {
    const validation = validateInbound('referral', referralDoc({ gpPractice: { odsCode: practice } }), new Date());
    if (!validation.ok) throw new Error('fixture is invalid');
    const id = randomUUID();
    await store.create({
      id,
      message: validation.message,
      contentHash: id,
      idempotencyKey: id,
      clientId: 'casebook',
      endpointId: 'sandbox',
      now: at,
    });
    return id;
  }

  beforeEach(async () => {
    redis = new Redis(TEST_REDIS_URL);
    prefix = uniquePrefix('audit-cli');
    const keys = messageKeys(prefix);
    ledger = new AuditLedger(redis, keys);
    store = new MessageStore(redis, keys);
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (const practice of ['A81001', 'A81001', 'B82002']) {
      const id = await receive(practice, old);
      await store.transition(id, {
        status: 'delivered',
        now: old,
        event: {
          type: 'delivered',
          messageId: id,
          endpoint: 'sandbox',
          practice,
          attempt: 1,
          requestId: `${id}.1`,
          latencyMs: 20,
          at: old.toISOString(),
          httpStatus: 201,
          patient: 'Patient/1',
          resources: 'ServiceRequest/1/_history/1',
        },
      });
    }
  });

  afterEach(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  it('verify exits 0 on an untouched ledger and 1 with the first broken link after a deletion', async () => {
    expect(await verifyCommand(context())).toBe(0);
    expect(output).toMatch(/^OK: 6 entries verified from the first entry; head seq 6 hash [0-9a-f]{64}\n$/);

    const entries = await ledger.range('-', '+', 10);
    const removed = entries[2];
    await redis.xdel(messageKeys(prefix).ledger, removed?.id ?? '');
    // The deletion is before the checkpoint the first run left, so only a full verify re-reads it.
    expect(await verifyCommand(context(), false, { full: true })).toBe(1);
    expect(output).toContain('BROKEN: the ledger does not verify after entry 2');
    expect(output).toContain('reason: sequence-gap');
    expect(output).toContain(`entry: ${entries[3]?.id ?? '?'} (seq 4)`);

    expect(await verifyCommand(context(), true, { full: true })).toBe(1);
    expect(JSON.parse(output)).toMatchObject({ ok: false, lastGoodSeq: 2, firstBroken: { reason: 'sequence-gap' } });
    // Each run was recorded, by whom and from where.
    const access = (await ledger.range('-', '+', 100)).filter((e) => e.type === 'audit-access');
    expect(access.map((e) => [e.fields.who, e.fields.action, e.fields.channel])).toEqual([
      ['ops-alice', 'verify', 'cli'],
      ['ops-alice', 'verify', 'cli'],
      ['ops-alice', 'verify', 'cli'],
    ]);
  });

  it('purge --dry-run lists the bodies it would remove and changes nothing', async () => {
    const head = await ledger.head();
    expect(await purgeCommand(context(), { retentionDays: 30, purgeFailed: false }, true)).toBe(0);
    expect(output).toMatch(/^would purge 3 message bodies received before /);
    expect(await ledger.head()).toEqual(head);
    expect(await purgeCommand(context(), { retentionDays: 30, purgeFailed: false }, false)).toBe(0);
    expect(output).toMatch(/^purged 3 message bodies/);
    expect((await ledger.range('-', '+', 100)).filter((e) => e.type === 'purged')).toHaveLength(3);
    expect(await verifyCommand(context())).toBe(0);
  });

  it('export writes one practice’s entries as CSV and NDJSON that parse back', async () => {
    const all = await ledger.range('-', '+', 100);
    const expected = all.filter((e) => e.fields.practice === 'A81001');
    expect(expected).toHaveLength(4);

    expect(await exportCommand(context(), { format: 'csv', practice: 'A81001' })).toBe(0);
    const rows = parse<Record<string, string>>(output, { columns: true });
    expect(rows.map((r) => [r.seq, r.type, r.messageId, r.hash])).toEqual(
      expected.map((e) => [String(e.seq), e.type, e.fields.messageId, e.hash]),
    );

    expect(await exportCommand(context(), { format: 'ndjson', practice: 'A81001' })).toBe(0);
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { hash: string; pairs: string[] });
    expect(lines.map((l) => l.hash)).toEqual(expected.map((e) => e.hash));
    expect(lines.map((l) => l.pairs)).toEqual(expected.map((e) => e.pairs));

    // A period with nothing in it gives a CSV with just the header.
    const future = new Date(Date.now() + 86_400_000);
    expect(await exportCommand(context(), { format: 'csv', from: future })).toBe(0);
    expect(output.trim().split('\n')).toHaveLength(1);
  });
});
