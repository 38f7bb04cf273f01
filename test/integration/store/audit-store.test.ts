/**
 * The audit side's repository methods on real Redis, built with createStore as the adapter builds them: index
 * searches and ranges, message summaries and written resources, the AuditEvent hand-off set and its once-only
 * records, and the retention purge's reads and outcomes.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { InboundMessage } from '../../../src/messages/schemas';
import { validateInbound } from '../../../src/messages/validate';
import type { Store } from '../../../src/store/create-store';
import { createStore } from '../../../src/store/create-store';
import type { MessageIndexFilter, ReceivedPeriod } from '../../../src/store/ledger';
import { referralDoc } from '../../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const prefix = uniquePrefix('audit-store');
const T0 = Date.UTC(2026, 0, 10);
const minutes = (n: number): Date => new Date(T0 + n * 60_000);

function message(practice: string, recordId: string, nhsNumber: string): InboundMessage {
  const doc = referralDoc();
  const validation = validateInbound(
    'referral',
    {
      ...doc,
      source: { ...doc.source, recordId },
      gpPractice: { odsCode: practice },
      patient: { ...doc.patient, nhsNumber },
    },
    new Date(),
  );
  if (!validation.ok) {
    throw new Error(`fixture is invalid: ${JSON.stringify(validation.issues)}`);
  }
  return validation.message;
}

describe('the audit store', () => {
  let redis: Redis;
  let store: Store;
  const ids = { a1: randomUUID(), a2: randomUUID(), b1: randomUUID() };

  async function receive(id: string, practice: string, recordId: string, nhs: string, at: Date): Promise<void> {
    await store.messages.create({
      id,
      message: message(practice, recordId, nhs),
      contentHash: id,
      idempotencyKey: id,
      clientId: 'casebook',
      endpointId: practice === 'A81001' ? 'ep-a' : 'ep-b',
      now: at,
    });
  }

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    store = createStore(redis, prefix, { patientKeySecret: 'a-test-secret-of-at-least-32-characters!' });
    await receive(ids.a1, 'A81001', 'rec-1', '9434765919', minutes(0));
    await receive(ids.a2, 'A81001', 'rec-2', '9434765870', minutes(10));
    await receive(ids.b1, 'B82002', 'rec-1', '9434765919', minutes(20));
  });

  afterAll(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  it.each<{ name: string; filter: MessageIndexFilter; period: ReceivedPeriod; expected: (keyof typeof ids)[] }>([
    { name: 'no filter, newest first', filter: {}, period: {}, expected: ['b1', 'a2', 'a1'] },
    { name: 'a practice', filter: { practice: 'A81001' }, period: {}, expected: ['a2', 'a1'] },
    { name: 'an endpoint', filter: { endpoint: 'ep-b' }, period: {}, expected: ['b1'] },
    { name: 'a source record', filter: { recordId: 'rec-1' }, period: {}, expected: ['b1', 'a1'] },
    { name: 'a status', filter: { status: 'queued' }, period: { from: minutes(5) }, expected: ['b1', 'a2'] },
    {
      name: 'a practice and a record in a period',
      filter: { practice: 'A81001', recordId: 'rec-1' },
      period: { from: minutes(0), to: minutes(1) },
      expected: ['a1'],
    },
    { name: 'a period that ends before anything', filter: {}, period: { to: minutes(0) }, expected: [] },
  ])('finds messages by $name', async ({ filter, period, expected }) => {
    const found = await store.ledger.findMessageIds(filter, period, 0, 10);
    expect(found).toEqual({ total: expected.length, ids: expected.map((name) => ids[name]) });
  });

  it('finds messages by the keyed hash of an NHS number, a page at a time', async () => {
    const patientKey = await store.patientKey('943 476 5919');
    expect(await store.ledger.findMessageIds({ patientKey }, {}, 0, 1)).toEqual({ total: 2, ids: [ids.b1] });
    expect(await store.ledger.findMessageIds({ patientKey }, {}, 1, 1)).toEqual({ total: 2, ids: [ids.a1] });
  });

  it('reads the ranges reconciliation needs', async () => {
    expect(await store.ledger.messageIdsOfPractice('A81001', minutes(0), minutes(10))).toEqual([ids.a1]);
    const byRecord = await store.ledger.messageIdsOfRecords(['rec-1', 'rec-none']);
    expect(byRecord.get('rec-1')).toEqual([ids.a1, ids.b1]);
    expect(byRecord.get('rec-none')).toEqual([]);
    await store.ledger.append(
      { type: 'rejected', at: minutes(30).toISOString(), kind: 'referral', client: 'c', httpStatus: 400, reasons: [] },
      minutes(30),
    );
    const rejectedId = await store.ledger.append(
      {
        type: 'rejected',
        at: minutes(31).toISOString(),
        kind: 'referral',
        client: 'c',
        httpStatus: 422,
        practice: 'A81001',
        reasons: [{ path: 'gpPractice.odsCode', code: 'not-found' }],
      },
      minutes(31),
    );
    expect(await store.ledger.rejectionIdsOfPractice('A81001', minutes(0), minutes(60))).toEqual([rejectedId]);
  });

  it('summarises existing messages only, and reads their endpoint and written resources', async () => {
    const summaries = await store.ledger.messages.summaries([ids.a1, 'no-such-message']);
    expect(summaries).toEqual([
      expect.objectContaining({ messageId: ids.a1, practice: 'A81001', endpoint: 'ep-a', status: 'queued' }),
    ]);
    expect(await store.ledger.messages.endpointOf(ids.b1)).toBe('ep-b');
    expect(await store.ledger.messages.endpointOf('no-such-message')).toBeUndefined();

    const resources = [
      { resourceType: 'ServiceRequest', reference: 'ServiceRequest/1', versionId: '1', status: '201' },
    ];
    await store.messages.transition(ids.a1, { status: 'delivered', now: minutes(40), changes: { resources } });
    const lists = await store.ledger.messages.resourceLists([ids.a1, ids.a2]);
    expect(lists.get(ids.a1)).toEqual(resources);
    expect(lists.get(ids.a2)).toBeUndefined();
  });

  it('hands deliveries off to forwarding and records each forwarding once', async () => {
    const { forwardOutbox } = store.ledger;
    expect(await forwardOutbox.due(minutes(60), 10)).toEqual([]);
    const claim = await store.lifecycle.claim(ids.b1, minutes(41));
    expect(claim).toMatchObject({ ok: true, attempt: 1, record: { id: ids.b1, status: 'delivering', attempts: 1 } });
    await store.lifecycle.delivered(
      {
        messageId: ids.b1,
        attempt: 1,
        requestId: `${ids.b1}.1`,
        endpointId: 'ep-b',
        practice: 'B82002',
        startedAt: minutes(41),
        at: minutes(42),
      },
      { resources: [], patientRef: 'Patient/1', httpStatus: 200, handOff: true },
    );
    expect(await forwardOutbox.due(minutes(41), 10)).toEqual([]);
    expect(await forwardOutbox.due(minutes(42), 10)).toEqual([`${ids.b1}.1`]);
    await forwardOutbox.remove(`${ids.b1}.1`);
    expect(await forwardOutbox.due(minutes(60), 10)).toEqual([]);

    const forwarded = {
      type: 'audit-forwarded',
      messageId: ids.b1,
      endpoint: 'ep-b',
      attempt: 1,
      target: 'ehr',
      targetUrl: 'https://ehr.example/fhir',
      auditEvents: 'AuditEvent/x',
      httpStatus: '201',
      at: minutes(43).toISOString(),
    } as const;
    expect(await store.ledger.recordForward(forwarded)).toMatch(/^\d+-\d+$/);
    expect(await store.ledger.recordForward({ ...forwarded, at: minutes(44).toISOString() })).toBeUndefined();
    const timeline = await store.ledger.timeline(ids.b1);
    expect(timeline.filter((entry) => entry.event?.type === 'audit-forwarded')).toHaveLength(1);
  });

  it('lists, reads and purges retained bodies', async () => {
    const { retention } = store.ledger;
    expect(await retention.receivedBefore(minutes(15), 0, 10)).toEqual([ids.a1, ids.a2]);
    expect(await retention.read(ids.a1)).toMatchObject({ status: 'delivered', practice: 'A81001', endpoint: 'ep-a' });
    expect(await retention.read('no-such-message')).toBeUndefined();

    const purge = (id: string) =>
      retention.purge(
        {
          type: 'purged',
          at: minutes(50).toISOString(),
          messageId: id,
          practice: 'A81001',
          endpoint: 'ep-a',
          status: 'delivered',
          by: 'test',
          retentionDays: 30,
          cutoff: minutes(15).toISOString(),
        },
        ['delivered', 'superseded'],
        '{"purged":true}',
      );
    expect(await purge(ids.a1)).toEqual({ kind: 'purged' });
    expect(await purge(ids.a1)).toEqual({ kind: 'already' });
    expect(await purge(ids.a2)).toEqual({ kind: 'kept', status: 'queued' });
    expect(await retention.receivedBefore(minutes(15), 0, 10)).toEqual([ids.a2]);
    await retention.forget(ids.a2);
    expect(await retention.receivedBefore(minutes(15), 0, 10)).toEqual([]);
    expect((await store.ledger.timeline(ids.a1)).at(-1)?.event?.type).toBe('purged');
  });
});
