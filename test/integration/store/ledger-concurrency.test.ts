/**
 * The ledger stays one verifiable chain when many processes write at once: eight writers on their own Redis
 * connections interleave every kind of ledger event through the real store (message creates, lifecycle
 * transitions, replays, purges, plain and at-most-once appends, an episode document's send, acknowledgement,
 * failure and replay), and the whole chain verifies afterwards with sequence numbers 1..N and no gaps.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { verifyLedger } from '../../../src/audit/verify';
import { validateInbound } from '../../../src/messages/validate';
import type { DocumentStep } from '../../../src/store/episode-documents';
import { EpisodeDocumentStore } from '../../../src/store/episode-documents';
import { messageKeys } from '../../../src/store/keys';
import type { MessageKeys } from '../../../src/store/keys';
import { AuditLedger } from '../../../src/store/ledger';
import type { LedgerEventType } from '../../../src/store/ledger-events';
import { LEDGER_EVENT_TYPES } from '../../../src/store/ledger-events';
import type { AttemptFacts } from '../../../src/store/message-lifecycle';
import { createMessageLifecycle } from '../../../src/store/message-lifecycle';
import { MessageStore } from '../../../src/store/message-store';
import { referralDoc } from '../../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const WRITERS = 8;
const ROUNDS = 6;
const now = new Date('2026-03-04T05:06:07.089Z');

/** One writer's round: a message's whole life plus the entries that come with no state change, in one order. */
async function writeRound(redis: Redis, keys: MessageKeys, writer: number, round: number): Promise<void> {
  const store = new MessageStore(redis, keys);
  const ledger = new AuditLedger(redis, keys);
  const lifecycle = createMessageLifecycle(store);
  const client = `writer-${String(writer)}`;
  const at = now.toISOString();
  const validation = validateInbound('referral', referralDoc(), new Date());
  if (!validation.ok) {
    throw new Error('fixture is invalid');
  }
  const id = randomUUID();
  await store.create({
    id,
    message: validation.message,
    contentHash: id,
    idempotencyKey: id,
    clientId: client,
    endpointId: 'sandbox',
    now,
  });
  await ledger.append({ type: 'audit-access', at, who: client, action: 'search', channel: 'api', query: `n=${id}` });

  async function claim(): Promise<AttemptFacts> {
    const claimed = await lifecycle.claim(id, now);
    if (!claimed.ok) {
      throw new Error(`claim of ${id} failed`);
    }
    return {
      messageId: id,
      attempt: claimed.attempt,
      requestId: `${id}.${String(claimed.attempt)}`,
      endpointId: 'sandbox',
      practice: claimed.record.practice,
      startedAt: now,
      at: now,
    };
  }

  await lifecycle.retryLater(await claim(), { reason: 'EHR returned 503', httpStatus: 503, retryInMs: 1 });
  await ledger.append({
    type: 'rejected',
    at,
    kind: 'referral',
    client,
    httpStatus: 400,
    reasons: [{ path: 'practice', code: 'required' }],
  });
  const failed = await claim();
  await lifecycle.failed(failed, { reason: 'EHR refused', httpStatus: 422, handOff: true });
  await ledger.recordForward({
    type: 'audit-forward-failed',
    messageId: id,
    endpoint: 'sandbox',
    attempt: failed.attempt,
    target: 'repository',
    targetUrl: 'https://audit.example',
    reason: 'HTTP 401',
    at,
  });
  await store.transition(id, {
    status: 'queued',
    from: ['failed'],
    changes: { replayedAt: at, lastError: null },
    event: {
      type: 'replayed',
      at,
      messageId: id,
      practice: failed.practice,
      endpoint: 'sandbox',
      by: client,
      previousError: '',
    },
    now,
  });
  const last = await claim();
  if (round % 2 === 0) {
    await lifecycle.delivered(last, { resources: [], patientRef: 'Patient/1', httpStatus: 200, handOff: true });
    await ledger.recordForward({
      type: 'audit-forwarded',
      messageId: id,
      endpoint: 'sandbox',
      attempt: last.attempt,
      target: 'ehr',
      targetUrl: 'https://ehr.example',
      auditEvents: 'AuditEvent/a',
      httpStatus: '201',
      at,
    });
    // A retried forwarding job finishing a second time records nothing.
    await ledger.recordForward({
      type: 'audit-forwarded',
      messageId: id,
      endpoint: 'sandbox',
      attempt: last.attempt,
      target: 'ehr',
      targetUrl: 'https://ehr.example',
      auditEvents: 'AuditEvent/a',
      httpStatus: '201',
      at,
    });
  } else {
    await lifecycle.superseded(last, { reason: 'newer in EHR', ehrVersion: 4 });
  }
  const purged = await ledger.retention.purge(
    {
      type: 'purged',
      at,
      messageId: id,
      practice: last.practice,
      endpoint: 'sandbox',
      status: round % 2 === 0 ? 'delivered' : 'superseded',
      by: client,
      retentionDays: 30,
      cutoff: at,
    },
    ['delivered', 'superseded'],
    '{"purged":true}',
  );
  if (purged.kind !== 'purged') {
    throw new Error(`purge of ${id} gave ${purged.kind}`);
  }
  await writeDocumentLife(redis, keys, client, round);
}

/**
 * An episode document's life in the same round: asked for, a send that fails and is put back, a send that MESH
 * takes, its infrastructure acknowledgement, then delivered (even rounds) or failed and replayed (odd rounds).
 */
async function writeDocumentLife(redis: Redis, keys: MessageKeys, client: string, round: number): Promise<void> {
  const documents = new EpisodeDocumentStore(redis, keys);
  const requested = await documents.request({
    endpoint: 'sandbox',
    practice: 'A81001',
    sourceSystem: `https://${client}.example`,
    referralId: `REF-${String(round)}`,
    trigger: randomUUID(),
    milestone: 'closure',
    now,
  });
  if (requested.kind !== 'requested') {
    throw new Error(`document request for ${client} round ${String(round)} was ${requested.kind}`);
  }
  const base = { messageId: requested.id, endpoint: 'sandbox', practice: 'A81001', version: requested.version };
  const at = now.toISOString();
  async function step(change: Omit<DocumentStep, 'version' | 'now'>): Promise<void> {
    const outcome = await documents.step(requested.id, { ...change, version: requested.version, now });
    if (!outcome.ok) {
      throw new Error(`document step to ${change.status ?? 'same status'} gave ${outcome.reason}`);
    }
  }
  await step({ from: ['pending'], status: 'sending', incrementAttempts: true });
  await step({
    from: ['sending'],
    status: 'pending',
    event: {
      type: 'document-attempt-failed',
      ...base,
      attempt: 1,
      httpStatus: 503,
      reason: 'MESH 503',
      retryInMs: 1,
      at,
    },
  });
  await step({ from: ['pending'], status: 'sending', incrementAttempts: true });
  const itkMessageId = randomUUID();
  await step({
    from: ['sending'],
    status: 'awaiting-ack',
    itkMessageId,
    event: {
      type: 'document-sent',
      ...base,
      attempt: 2,
      itkMessageId,
      meshMessageId: `MESH-${itkMessageId}`,
      localId: `${requested.id}.v1.s1`,
      adopted: 'false',
      at,
    },
  });
  await step({
    from: ['awaiting-ack'],
    event: {
      type: 'document-acknowledged',
      ...base,
      kind: 'infrastructure',
      code: '20013',
      positive: 'true',
      meshMessageId: 'MESH-ACK',
      at,
    },
  });
  if (round % 2 === 0) {
    await step({
      from: ['awaiting-ack'],
      status: 'delivered',
      event: { type: 'document-delivered', ...base, code: '20013', at },
    });
    return;
  }
  await step({
    from: ['awaiting-ack'],
    status: 'failed',
    event: { type: 'document-failed', ...base, code: '30001', reason: 'business acknowledgement 30001', at },
  });
  await step({
    from: ['failed'],
    status: 'pending',
    event: { type: 'document-replayed', ...base, by: client, previousError: 'business acknowledgement 30001', at },
  });
}

/**
 * Entries one round appends: received, access, attempt-failed, rejected, failed, forward-failed, replayed, its end
 * (delivered, then audit-forwarded once, or superseded) and purged; then the document's requested,
 * attempt-failed, sent, acknowledged and its end (delivered, or failed and replayed).
 */
function entriesOfRound(round: number): number {
  return round % 2 === 0 ? 10 + 5 : 9 + 6;
}

describe('ledger under concurrent writers', () => {
  const prefix = uniquePrefix('ledger-concurrency');
  const keys = messageKeys(prefix);
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  it('verifies as one chain after eight connections interleave every event type', async () => {
    const connections = Array.from({ length: WRITERS }, () => new Redis(TEST_REDIS_URL));
    try {
      await Promise.all(
        connections.map(async (connection, writer) => {
          for (let round = 0; round < ROUNDS; round += 1) {
            await writeRound(connection, keys, writer, round);
          }
        }),
      );
    } finally {
      await Promise.all(connections.map(async (connection) => connection.quit()));
    }

    const ledger = new AuditLedger(redis, keys);
    const total = WRITERS * Array.from({ length: ROUNDS }, (_, round) => entriesOfRound(round)).reduce((a, b) => a + b);
    const report = await verifyLedger(ledger, now);
    expect(report).toMatchObject({ ok: true, entries: total, headSeq: total, lastGoodSeq: total, rule1Entries: 0 });

    const entries = await ledger.range('-', '+', 10 * total);
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const types = new Set<LedgerEventType | undefined>(entries.map((entry) => entry.event?.type));
    expect([...types].sort()).toEqual([...LEDGER_EVENT_TYPES].sort());
    // The writers really interleaved: consecutive entries come from different connections' rounds.
    const writersOfReceived = entries.filter((e) => e.event?.type === 'received').map((e) => e.fields.client);
    expect(new Set(writersOfReceived.slice(0, WRITERS)).size).toBeGreaterThan(1);
  });
});
