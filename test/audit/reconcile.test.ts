/**
 * Reconciliation and search on a generated month of traffic written through the real message store on real
 * Redis: deliveries, retries, permanent failures, replays, superseded versions, version gaps, and traffic outside
 * the period or for another practice that must not be counted. Expected figures come from the generator's own
 * bookkeeping, not from the code under test.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AuditLedger } from '../../src/store/ledger';
import { patientKeyer } from '../../src/store/patient-key';
import { missingVersions, reconcile } from '../../src/audit/reconcile';
import { recordRejection } from '../../src/app/rejections';
import { MessageSearch } from '../../src/audit/search';
import { verifyLedger } from '../../src/audit/verify';
import { messageKeys } from '../../src/store/keys';
import type { InboundMessage } from '../../src/messages/schemas';
import { MessageStore } from '../../src/store/message-store';
import { validateInbound } from '../../src/messages/validate';
import { referralDoc } from '../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../support/redis';

const PRACTICE = 'A81001';
const OTHER = 'B82002';
const OCTOBER = { from: new Date('2025-10-01T00:00:00Z'), to: new Date('2025-11-01T00:00:00Z') };
const NHS_NUMBERS = ['9434765919', '9434765870', '9434765862'];

type Fate = 'delivered' | 'failed' | 'pending' | 'superseded' | 'replayed-delivered' | 'replayed-pending';

/** A small deterministic generator so a failure can be reproduced. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('reconciliation on a generated month', () => {
  let redis: Redis;
  let prefix: string;
  let store: MessageStore;
  let ledger: AuditLedger;
  let search: MessageSearch;
  const expected = { received: 0, delivered: 0, failed: 0, pending: 0, superseded: 0, replayed: 0, rejected: 0 };
  const expectedUndelivered = new Set<string>();
  const expectedGaps = new Map<string, { from: number; to: number }[]>();
  const byNhs = new Map<string, number>();

  function message(practice: string, recordId: string, version: number, nhsNumber: string): InboundMessage {
    const doc = referralDoc();
    const validation = validateInbound(
      'referral',
      {
        ...doc,
        source: { ...doc.source, recordId, recordVersion: version },
        gpPractice: { odsCode: practice },
        patient: { ...doc.patient, nhsNumber },
      },
      new Date(),
    );
    if (!validation.ok) {
      throw new Error(`generated message is invalid: ${JSON.stringify(validation.issues)}`);
    }
    return validation.message;
  }

  async function receive(practice: string, recordId: string, version: number, at: Date, nhs: string): Promise<string> {
    const id = randomUUID();
    await store.create({
      id,
      message: message(practice, recordId, version, nhs),
      contentHash: id,
      idempotencyKey: id,
      clientId: 'casebook',
      endpointId: 'sandbox',
      now: at,
    });
    return id;
  }

  async function play(id: string, fate: Fate, at: Date): Promise<void> {
    const later = (minutes: number): Date => new Date(at.getTime() + minutes * 60_000);
    const common = { messageId: id, endpoint: 'sandbox', practice: PRACTICE };
    const attemptOf = (n: number) => ({
      ...common,
      attempt: n,
      requestId: `${id}.${String(n)}`,
      latencyMs: 20,
      at: later(n).toISOString(),
    });
    const attemptFailed = async (n: number): Promise<void> => {
      await store.transition(id, {
        status: 'queued',
        now: later(n),
        event: {
          type: 'attempt-failed',
          ...attemptOf(n),
          httpStatus: 503,
          reason: 'EHR returned 503',
          retryInMs: 1000,
        },
      });
    };
    const deliver = async (n: number): Promise<void> => {
      await store.transition(id, {
        status: 'delivered',
        now: later(n),
        event: {
          type: 'delivered',
          ...attemptOf(n),
          httpStatus: 200,
          patient: 'Patient/1',
          resources: 'ServiceRequest/1',
        },
      });
    };
    const fail = async (n: number): Promise<void> => {
      await store.transition(id, {
        status: 'failed',
        now: later(n),
        event: {
          type: 'failed',
          ...attemptOf(n),
          httpStatus: 422,
          reason: 'EHR rejected: code',
          outcome: 'invalid: code',
        },
      });
    };
    const replay = async (n: number): Promise<void> => {
      await store.transition(id, {
        status: 'queued',
        from: ['failed'],
        now: later(n),
        event: { type: 'replayed', ...common, by: 'ops-alice', at: later(n).toISOString(), previousError: 'refused' },
      });
    };
    switch (fate) {
      case 'delivered':
        await attemptFailed(1);
        await deliver(2);
        break;
      case 'failed':
        await fail(1);
        break;
      case 'pending':
        await attemptFailed(1);
        break;
      case 'superseded':
        await store.transition(id, {
          status: 'superseded',
          now: later(1),
          event: { type: 'superseded', ...attemptOf(1), reason: 'a newer version was delivered', ehrVersion: 3 },
        });
        break;
      case 'replayed-delivered':
        await fail(1);
        await replay(30);
        await deliver(31);
        break;
      case 'replayed-pending':
        await fail(1);
        await replay(30);
        break;
    }
  }

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    prefix = uniquePrefix('reconcile');
    const keys = messageKeys(prefix);
    const patientKey = patientKeyer(redis, `${prefix}:audit:secret`, 'a-test-secret-of-at-least-32-characters!');
    store = new MessageStore(redis, keys, { patientKey });
    ledger = new AuditLedger(redis, keys);
    search = new MessageSearch(ledger, patientKey);
    const random = seeded(42);
    const fates: Fate[] = ['delivered', 'failed', 'pending', 'superseded', 'replayed-delivered', 'replayed-pending'];
    for (let record = 0; record < 60; record += 1) {
      const recordId = `REC-${String(record)}`;
      // Every fifth record skips a version, so the sender's sequence has a gap the report must show.
      const versions = record % 5 === 0 ? [1, 2, 4] : [1, 2];
      for (const version of versions) {
        const at = new Date(OCTOBER.from.getTime() + Math.floor(random() * 30 * 86_400_000));
        const nhs = NHS_NUMBERS[record % NHS_NUMBERS.length] ?? '';
        const fate = fates[Math.floor(random() * fates.length)] ?? 'delivered';
        const id = await receive(PRACTICE, recordId, version, at, nhs);
        await play(id, fate, at);
        expected.received += 1;
        byNhs.set(nhs, (byNhs.get(nhs) ?? 0) + 1);
        const state = fate.startsWith('replayed-') ? fate.slice('replayed-'.length) : fate;
        expected[state as 'delivered' | 'failed' | 'pending' | 'superseded'] += 1;
        expected.replayed += fate.startsWith('replayed-') ? 1 : 0;
        if (state !== 'delivered') {
          expectedUndelivered.add(id);
        }
      }
      if (record % 5 === 0) {
        expectedGaps.set(recordId, [{ from: 3, to: 3 }]);
      }
    }
    // Refused at the API: every seventh day one submission for the practice, a 400 or a 409.
    for (let day = 1; day <= 29; day += 7) {
      const at = new Date(OCTOBER.from.getTime() + day * 86_400_000);
      const doc = referralDoc({ gpPractice: { odsCode: PRACTICE } });
      await recordRejection(ledger, {
        kind: 'referral',
        client: 'casebook',
        httpStatus: day % 2 === 0 ? 409 : 400,
        body: doc,
        issues: [{ severity: 'error', code: 'invalid', expression: ['source.recordVersion'] }],
        at,
      });
      expected.rejected += 1;
    }
    // Outside the period or for another practice: none of these may be counted.
    for (const [practice, at] of [
      [PRACTICE, new Date('2025-09-30T23:59:59.999Z')],
      [OTHER, new Date('2025-10-10T12:00:00Z')],
      [PRACTICE, new Date('2025-11-01T00:00:00Z')],
    ] as const) {
      await recordRejection(ledger, {
        kind: 'referral',
        client: 'casebook',
        httpStatus: 400,
        body: referralDoc({ gpPractice: { odsCode: practice } }),
        issues: [],
        at,
      });
    }
    await play(
      await receive(PRACTICE, 'REC-SEP', 1, new Date('2025-09-30T23:59:59.999Z'), '9434765919'),
      'failed',
      new Date('2025-09-30T23:59:59.999Z'),
    );
    await receive(PRACTICE, 'REC-NOV', 1, new Date('2025-11-01T00:00:00Z'), '9434765919');
    await play(
      await receive(OTHER, 'REC-OTHER', 1, new Date('2025-10-10T12:00:00Z'), '9434765919'),
      'failed',
      new Date('2025-10-10T12:00:00Z'),
    );
  }, 120_000);

  afterAll(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  it('counts received, delivered, failed, pending, superseded and replayed for the practice and month', async () => {
    const report = await reconcile(ledger, { practice: PRACTICE, ...OCTOBER }, new Date());
    expect(report.counts).toEqual(expected);
    expect(report.counts.received).toBe(
      report.counts.delivered + report.counts.failed + report.counts.pending + report.counts.superseded,
    );
  });

  it('lists the practice’s refused submissions in the period with their reasons', async () => {
    const report = await reconcile(ledger, { practice: PRACTICE, ...OCTOBER }, new Date());
    expect(report.rejected).toHaveLength(expected.rejected);
    for (const item of report.rejected) {
      expect(item.reasons).toEqual([{ path: 'source.recordVersion', code: 'invalid' }]);
      expect(Date.parse(item.at)).toBeGreaterThanOrEqual(OCTOBER.from.getTime());
      expect(Date.parse(item.at)).toBeLessThan(OCTOBER.to.getTime());
    }
  });

  it('lists exactly the undelivered messages, each with its state and last reason', async () => {
    const report = await reconcile(ledger, { practice: PRACTICE, ...OCTOBER }, new Date());
    expect(new Set(report.undelivered.map((u) => u.messageId))).toEqual(expectedUndelivered);
    for (const item of report.undelivered) {
      expect(item.state).not.toBe('delivered');
      expect(item.reason).toEqual(expect.any(String));
    }
  });

  it('reports each gap in a record’s versions', async () => {
    const report = await reconcile(ledger, { practice: PRACTICE, ...OCTOBER }, new Date());
    expect(new Map(report.gaps.map((g) => [g.recordId, g.missing]))).toEqual(expectedGaps);
  });

  it('finds messages by practice and month, NHS number, record and status, a page at a time', async () => {
    const all = await search.search({ practice: PRACTICE, ...OCTOBER, page: 1, pageSize: 50 });
    expect(all.total).toBe(expected.received);
    expect(all.items).toHaveLength(50);
    const pages = [all];
    for (let page = 2; page <= Math.ceil(all.total / 50); page += 1) {
      pages.push(await search.search({ practice: PRACTICE, ...OCTOBER, page, pageSize: 50 }));
    }
    expect(pages.at(-1)?.items).toHaveLength(expected.received - 50 * (pages.length - 1));
    const ids = new Set(pages.flatMap((p) => p.items.map((i) => i.messageId)));
    expect(ids.size).toBe(expected.received);
    const times = all.items.map((i) => Date.parse(i.receivedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const nhs = NHS_NUMBERS[1] ?? '';
    const byPatient = await search.search({ nhsNumber: nhs, practice: PRACTICE, ...OCTOBER, page: 1, pageSize: 500 });
    expect(byPatient.total).toBe(byNhs.get(nhs));

    const failed = await search.search({ practice: PRACTICE, status: 'failed', ...OCTOBER, page: 1, pageSize: 500 });
    expect(failed.total).toBe(expected.failed);
    expect(failed.items.every((i) => i.status === 'failed')).toBe(true);

    const record = await search.search({ recordId: 'REC-5', page: 1, pageSize: 10 });
    expect(record.items.map((i) => i.recordVersion).sort()).toEqual([1, 2, 4]);

    const one = await search.search({ messageId: record.items[0]?.messageId ?? '', page: 1, pageSize: 10 });
    expect(one.items).toHaveLength(1);
  });

  it('never writes an NHS number into the ledger, and the chain verifies', async () => {
    const raw = JSON.stringify(await redis.xrange(`${prefix}:ledger`, '-', '+'));
    for (const nhs of NHS_NUMBERS) {
      expect(raw).not.toContain(nhs);
    }
    expect(await verifyLedger(ledger, new Date())).toMatchObject({ ok: true });
  });

  it('computes version gaps as inclusive ranges', () => {
    expect(missingVersions([1, 2, 3])).toEqual([]);
    expect(missingVersions([2, 5, 6, 9])).toEqual([
      { from: 1, to: 1 },
      { from: 3, to: 4 },
      { from: 7, to: 8 },
    ]);
  });
});
