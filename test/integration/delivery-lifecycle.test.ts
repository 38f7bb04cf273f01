/**
 * The message lifecycle's named transitions on the real message store and real Redis: which states each accepts,
 * what it changes on the record, the exact ledger entry it appends (names, order and values, which the hash chain
 * and the audit exports depend on) and the audit hand-off. The in-memory lifecycle the fast delivery tests use
 * follows the same from-states.
 */
import { Redis } from 'ioredis';
import { auditForwardOutboxKey } from '../../src/store/forward-keys';
import { messageKeys } from '../../src/store/keys';
import { AuditLedger } from '../../src/store/ledger';
import type { AttemptFacts, MessageLifecycle } from '../../src/store/message-lifecycle';
import { createMessageLifecycle } from '../../src/store/message-lifecycle';
import { MessageStore } from '../../src/store/message-store';
import { referralDoc } from '../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../support/redis';

const ENDPOINT = 'practice-ehr';
const CLAIMED_AT = new Date('2026-01-01T10:00:00.000Z');
const ENDED_AT = new Date('2026-01-01T10:00:00.250Z');

describe('message lifecycle on Redis', () => {
  let redis: Redis;
  let prefix: string;
  let store: MessageStore;
  let ledger: AuditLedger;
  let lifecycle: MessageLifecycle;
  let count = 0;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    prefix = uniquePrefix('lifecycle');
    const keys = messageKeys(prefix);
    store = new MessageStore(redis, keys);
    ledger = new AuditLedger(redis, keys);
    lifecycle = createMessageLifecycle(store);
  });

  afterAll(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  async function accepted(): Promise<string> {
    count += 1;
    const id = `msg-${count}`;
    await store.create({
      id,
      message: { kind: 'referral', body: referralDoc() },
      contentHash: `hash-${count}`,
      idempotencyKey: `key-${count}`,
      clientId: 'test-client',
      endpointId: ENDPOINT,
      now: new Date('2026-01-01T09:00:00.000Z'),
    });
    return id;
  }

  /** Claims the message and returns the facts of the attempt, as delivery builds them. */
  async function claimed(id: string): Promise<AttemptFacts> {
    const claim = await lifecycle.claim(id, CLAIMED_AT);
    if (!claim.ok) {
      throw new Error(`claim of ${id} failed: ${claim.reason}`);
    }
    return {
      messageId: id,
      attempt: claim.attempt,
      requestId: `${id}.${claim.attempt}`,
      endpointId: claim.record.endpointId,
      practice: claim.record.practice,
      startedAt: CLAIMED_AT,
      at: ENDED_AT,
    };
  }

  /** The message's last ledger entry as ordered name/value pairs, without the chain's own seq and prev. */
  async function lastEntry(id: string): Promise<[string, string][]> {
    const entries = await ledger.timeline(id);
    const pairs = entries.at(-1)?.pairs ?? [];
    const named: [string, string][] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const name = pairs[i] ?? '';
      if (name !== 'seq' && name !== 'prev') {
        named.push([name, pairs[i + 1] ?? '']);
      }
    }
    return named;
  }

  function attemptPairs(type: string, facts: AttemptFacts): [string, string][] {
    return [
      ['type', type],
      ['messageId', facts.messageId],
      ['endpoint', ENDPOINT],
      ['practice', facts.practice],
      ['attempt', String(facts.attempt)],
      ['requestId', facts.requestId],
      ['latencyMs', '250'],
      ['at', ENDED_AT.toISOString()],
    ];
  }

  async function handedOff(): Promise<string[]> {
    return redis.zrange(auditForwardOutboxKey(prefix), '0', '-1');
  }

  test('a claim moves a queued message to delivering, counts the attempt and returns the record', async () => {
    const id = await accepted();

    const first = await lifecycle.claim(id, CLAIMED_AT);
    const again = await lifecycle.claim(id, CLAIMED_AT);

    expect(first).toMatchObject({ ok: true, attempt: 1, record: { id, status: 'delivering', attempts: 1 } });
    // A message left delivering by a crashed attempt is claimed again.
    expect(again).toMatchObject({ ok: true, attempt: 2, record: { status: 'delivering', attempts: 2 } });
  });

  test('a claim of a missing message or of a settled one says so', async () => {
    const id = await accepted();
    await lifecycle.delivered(await claimed(id), {
      resources: [],
      patientRef: 'Patient/1',
      httpStatus: 200,
      handOff: false,
    });

    expect(await lifecycle.claim('no-such-message', CLAIMED_AT)).toEqual({ ok: false, reason: 'missing' });
    expect(await lifecycle.claim(id, CLAIMED_AT)).toEqual({ ok: false, reason: 'conflict', status: 'delivered' });
  });

  test('delivered records the resources and patient, appends the delivered entry and hands off the attempt', async () => {
    const id = await accepted();
    const facts = await claimed(id);
    const resources = [
      { resourceType: 'ServiceRequest', reference: 'ServiceRequest/7', versionId: '2', status: '200 OK' },
      { resourceType: 'Provenance', reference: 'Provenance/9', status: '201 Created' },
    ];

    expect(
      await lifecycle.delivered(facts, { resources, patientRef: 'Patient/42', httpStatus: 200, handOff: true }),
    ).toBe(true);

    expect(await store.get(id)).toMatchObject({
      status: 'delivered',
      deliveredAt: ENDED_AT.toISOString(),
      resources,
      patientRef: 'Patient/42',
    });
    expect(await lastEntry(id)).toEqual([
      ...attemptPairs('delivered', facts),
      ['httpStatus', '200'],
      ['patient', 'Patient/42'],
      ['resources', 'ServiceRequest/7/_history/2 Provenance/9'],
    ]);
    expect(await handedOff()).toContain(`${id}.1`);
  });

  test('retryLater puts the message back in the queue with the time of the next attempt', async () => {
    const id = await accepted();
    const facts = await claimed(id);

    expect(
      await lifecycle.retryLater(facts, { reason: 'transaction: HTTP 503', httpStatus: 503, retryInMs: 1500 }),
    ).toBe(true);

    expect(await store.get(id)).toMatchObject({
      status: 'queued',
      lastError: 'transaction: HTTP 503',
      nextAttemptAt: new Date(ENDED_AT.getTime() + 1500).toISOString(),
    });
    expect(await lastEntry(id)).toEqual([
      ...attemptPairs('attempt-failed', facts),
      ['httpStatus', '503'],
      ['reason', 'transaction: HTTP 503'],
      ['retryInMs', '1500'],
    ]);
  });

  test('retryLater without an HTTP status leaves the field out of the entry', async () => {
    const id = await accepted();
    const facts = await claimed(id);

    await lifecycle.retryLater(facts, { reason: 'could not reach the EHR (ECONNREFUSED)', retryInMs: 750 });

    expect((await lastEntry(id)).map(([name]) => name)).not.toContain('httpStatus');
  });

  test('failed keeps the reason, the OperationOutcome and the patient, and hands off when asked', async () => {
    const id = await accepted();
    const facts = await claimed(id);
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'required', diagnostics: 'requester is required' }],
    } as const;

    const recorded = await lifecycle.failed(facts, {
      reason: 'transaction: HTTP 422 (requester is required)',
      outcome: { ...outcome, issue: [...outcome.issue] },
      httpStatus: 422,
      patientRef: 'Patient/42',
      handOff: true,
    });

    expect(recorded).toBe(true);
    expect(await store.get(id)).toMatchObject({
      status: 'failed',
      lastError: 'transaction: HTTP 422 (requester is required)',
      outcome,
      patientRef: 'Patient/42',
    });
    expect(await lastEntry(id)).toEqual([
      ...attemptPairs('failed', facts),
      ['httpStatus', '422'],
      ['patient', 'Patient/42'],
      ['reason', 'transaction: HTTP 422 (requester is required)'],
      ['outcome', 'requester is required'],
    ]);
    expect(await handedOff()).toContain(`${id}.1`);
  });

  test('failed without a hand-off leaves the forwarding set alone', async () => {
    const id = await accepted();

    await lifecycle.failed(await claimed(id), { reason: 'endpoint "x" is no longer configured', handOff: false });

    expect(await handedOff()).not.toContain(`${id}.1`);
    expect((await lastEntry(id)).at(-1)).toEqual(['outcome', '']);
  });

  test('superseded records the version the EHR holds', async () => {
    const id = await accepted();
    const facts = await claimed(id);

    expect(await lifecycle.superseded(facts, { reason: 'the EHR already holds version 3', ehrVersion: 3 })).toBe(true);

    expect(await store.get(id)).toMatchObject({ status: 'superseded', lastError: 'the EHR already holds version 3' });
    expect(await lastEntry(id)).toEqual([
      ...attemptPairs('superseded', facts),
      ['reason', 'the EHR already holds version 3'],
      ['ehrVersion', '3'],
    ]);
  });

  test('a result is refused, with no ledger entry, once the message has left delivering', async () => {
    const id = await accepted();
    const facts = await claimed(id);
    await lifecycle.retryLater(facts, { reason: 'first', retryInMs: 10 });
    const entries = (await ledger.timeline(id)).length;

    const late = await lifecycle.delivered(facts, {
      resources: [],
      patientRef: 'Patient/1',
      httpStatus: 200,
      handOff: true,
    });

    expect(late).toBe(false);
    expect((await store.get(id))?.status).toBe('queued');
    expect(await ledger.timeline(id)).toHaveLength(entries);
    expect(await handedOff()).not.toContain(`${id}.1`);
  });
});
