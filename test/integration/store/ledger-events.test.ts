/**
 * Every ledger event type survives the trip through real Redis: encoded, appended (chained and hashed in Lua),
 * read back and decoded, it equals what was written, and its fields are stored in the fixed order the chain hash
 * and the exports depend on (the order the writers have always used).
 */
import { Redis } from 'ioredis';
import { verifyLedger } from '../../../src/audit/verify';
import { AuditLedger } from '../../../src/store/ledger';
import type { LedgerEvent, LedgerEventType } from '../../../src/store/ledger-events';
import { LEDGER_EVENT_TYPES, decodeLedgerEvent, encodeLedgerEvent } from '../../../src/store/ledger-events';
import { messageKeys } from '../../../src/store/keys';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const at = '2026-03-04T05:06:07.089Z';
const attempt = {
  messageId: 'm-1',
  endpoint: 'ep-1',
  practice: 'A81001',
  attempt: 2,
  requestId: 'm-1.2',
  latencyMs: 314,
  at,
};
const ATTEMPT_ORDER = ['type', 'messageId', 'endpoint', 'practice', 'attempt', 'requestId', 'latencyMs', 'at'];
const forward = {
  messageId: 'm-1',
  endpoint: 'ep-1',
  attempt: 2,
  target: 'repository',
  targetUrl: 'https://a.example',
};
const FORWARD_ORDER = ['type', 'messageId', 'endpoint', 'attempt', 'target', 'targetUrl'];
const doc = { messageId: 'doc-1', endpoint: 'ep-1', practice: 'A81001', version: 2 };
const DOC_ORDER = ['type', 'messageId', 'endpoint', 'practice', 'version'];

/** Each case: an event, and the stored field names in order. */
const cases: readonly { readonly event: LedgerEvent; readonly order: readonly string[] }[] = [
  {
    event: {
      type: 'received',
      at,
      messageId: 'm-1',
      kind: 'referral',
      practice: 'A81001',
      endpoint: 'ep-1',
      client: 'casebook',
      requestId: 'req-1',
      sourceSystem: 'urn:casebook',
      recordId: 'r-1',
      recordVersion: 3,
      contentHash: 'abc',
      patientKey: 'f00d',
    },
    order: [
      ...['type', 'at', 'messageId', 'kind', 'practice', 'endpoint', 'client', 'requestId', 'sourceSystem'],
      ...['recordId', 'recordVersion', 'contentHash', 'patientKey'],
    ],
  },
  {
    event: {
      type: 'received',
      at,
      messageId: 'm-2',
      kind: 'goal',
      practice: 'A81001',
      endpoint: 'ep-1',
      client: 'casebook',
      sourceSystem: 'urn:casebook',
      recordId: 'r-2',
      recordVersion: 1,
      contentHash: 'def',
    },
    order: [
      ...['type', 'at', 'messageId', 'kind', 'practice', 'endpoint', 'client', 'sourceSystem', 'recordId'],
      ...['recordVersion', 'contentHash'],
    ],
  },
  {
    event: {
      type: 'rejected',
      at,
      kind: 'referral',
      client: 'casebook',
      requestId: 'req-2',
      httpStatus: 409,
      practice: 'A81001',
      sourceSystem: 'urn:casebook',
      recordId: 'r-1',
      recordVersion: 3,
      conflictWith: 'm-1',
      reasons: [{ path: 'source', code: 'duplicate' }],
    },
    order: [
      ...['type', 'at', 'kind', 'client', 'requestId', 'httpStatus', 'practice', 'sourceSystem', 'recordId'],
      ...['recordVersion', 'conflictWith', 'reasons'],
    ],
  },
  {
    event: { type: 'rejected', at, kind: 'referral', client: 'casebook', httpStatus: 400, reasons: [] },
    order: ['type', 'at', 'kind', 'client', 'httpStatus', 'reasons'],
  },
  {
    event: { type: 'attempt-failed', ...attempt, httpStatus: 503, reason: 'EHR returned 503', retryInMs: 2000 },
    order: [...ATTEMPT_ORDER, 'httpStatus', 'reason', 'retryInMs'],
  },
  {
    event: { type: 'attempt-failed', ...attempt, reason: 'timed out', retryInMs: 2000 },
    order: [...ATTEMPT_ORDER, 'reason', 'retryInMs'],
  },
  {
    event: {
      type: 'delivered',
      ...attempt,
      httpStatus: 200,
      patient: 'Patient/9',
      resources: 'ServiceRequest/1/_history/1 Task/2/_history/3',
    },
    order: [...ATTEMPT_ORDER, 'httpStatus', 'patient', 'resources'],
  },
  {
    event: {
      type: 'failed',
      ...attempt,
      httpStatus: 422,
      patient: 'Patient/9',
      reason: 'EHR refused',
      outcome: 'invalid: x',
    },
    order: [...ATTEMPT_ORDER, 'httpStatus', 'patient', 'reason', 'outcome'],
  },
  {
    event: { type: 'failed', ...attempt, reason: 'endpoint gone', outcome: '' },
    order: [...ATTEMPT_ORDER, 'reason', 'outcome'],
  },
  {
    event: { type: 'superseded', ...attempt, reason: 'newer in EHR', ehrVersion: 4 },
    order: [...ATTEMPT_ORDER, 'reason', 'ehrVersion'],
  },
  {
    event: {
      type: 'replayed',
      at,
      messageId: 'm-1',
      practice: 'A81001',
      endpoint: 'ep-1',
      by: 'ops',
      previousError: '',
    },
    order: ['type', 'at', 'messageId', 'practice', 'endpoint', 'by', 'previousError'],
  },
  {
    event: {
      type: 'purged',
      at,
      messageId: 'm-1',
      practice: 'A81001',
      endpoint: 'ep-1',
      status: 'delivered',
      by: 'retention',
      retentionDays: 30,
      cutoff: at,
    },
    order: ['type', 'at', 'messageId', 'practice', 'endpoint', 'status', 'by', 'retentionDays', 'cutoff'],
  },
  {
    event: { type: 'audit-access', at, who: 'ann', action: 'search', channel: 'api', query: 'practice=A81001' },
    order: ['type', 'at', 'who', 'action', 'channel', 'query'],
  },
  {
    event: {
      type: 'audit-forwarded',
      ...forward,
      target: 'ehr',
      auditEvents: 'AuditEvent/a AuditEvent/b',
      httpStatus: '201 200',
      at,
    },
    order: [...FORWARD_ORDER, 'auditEvents', 'httpStatus', 'at'],
  },
  {
    event: {
      type: 'audit-forward-failed',
      ...forward,
      target: 'repository',
      written: 'AuditEvent/a',
      reason: 'HTTP 401',
      at,
    },
    order: [...FORWARD_ORDER, 'written', 'reason', 'at'],
  },
  {
    event: { type: 'audit-forward-failed', ...forward, target: 'repository', reason: 'HTTP 401', at },
    order: [...FORWARD_ORDER, 'reason', 'at'],
  },
  {
    event: {
      type: 'document-requested',
      ...doc,
      milestone: 'closure',
      trigger: 'm-1',
      sourceSystem: 'https://lw.example',
      recordId: 'ref-1',
      at,
    },
    order: [...DOC_ORDER, 'milestone', 'trigger', 'sourceSystem', 'recordId', 'at'],
  },
  {
    event: {
      type: 'document-sent',
      ...doc,
      attempt: 1,
      itkMessageId: 'itk-1',
      meshMessageId: 'mesh-1',
      localId: 'doc-1.v2.s1',
      adopted: 'false',
      at,
    },
    order: [...DOC_ORDER, 'attempt', 'itkMessageId', 'meshMessageId', 'localId', 'adopted', 'at'],
  },
  {
    event: {
      type: 'document-attempt-failed',
      ...doc,
      attempt: 1,
      httpStatus: 503,
      reason: 'MESH 503',
      retryInMs: 2000,
      at,
    },
    order: [...DOC_ORDER, 'attempt', 'httpStatus', 'reason', 'retryInMs', 'at'],
  },
  {
    event: {
      type: 'document-acknowledged',
      ...doc,
      kind: 'business',
      code: '30001',
      positive: 'true',
      meshMessageId: 'mesh-2',
      at,
    },
    order: [...DOC_ORDER, 'kind', 'code', 'positive', 'meshMessageId', 'at'],
  },
  {
    event: { type: 'document-delivered', ...doc, code: '30001', at },
    order: [...DOC_ORDER, 'code', 'at'],
  },
  {
    event: { type: 'document-failed', ...doc, code: '30002', reason: 'refused', at },
    order: [...DOC_ORDER, 'code', 'reason', 'at'],
  },
  {
    event: { type: 'document-replayed', ...doc, by: 'admin', previousError: 'refused', at },
    order: [...DOC_ORDER, 'by', 'previousError', 'at'],
  },
];

describe('ledger events', () => {
  const prefix = uniquePrefix('ledger-events');
  let redis: Redis;
  let ledger: AuditLedger;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    ledger = new AuditLedger(redis, messageKeys(prefix));
  });

  afterAll(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  it('has a case for every event type', () => {
    const covered = new Set<LedgerEventType>(cases.map((c) => c.event.type));
    expect([...LEDGER_EVENT_TYPES].sort()).toEqual([...covered].sort());
  });

  it.each(cases.map((c) => [c.event.type, c.order.length, c] as const))(
    '%s with %d fields: encode → append → read → decode gives it back, fields in the fixed order',
    async (_type, _count, { event, order }) => {
      const id = await ledger.append(event);
      const [entry] = await ledger.entriesById([id]);
      expect(entry?.event).toEqual(event);
      expect(entry?.pairs.filter((_, i) => i % 2 === 0)).toEqual(['seq', 'prev', ...order]);
      expect(entry?.fields).toEqual(encodeLedgerEvent(event));
    },
  );

  it('stores numbers as decimal text and the rejection reasons as JSON', () => {
    const rejected = cases.find((c) => c.event.type === 'rejected')?.event;
    expect(rejected && encodeLedgerEvent(rejected)).toMatchObject({
      httpStatus: '409',
      recordVersion: '3',
      reasons: '[{"path":"source","code":"duplicate"}]',
    });
  });

  it('decodes nothing from fields that are not a whole event', () => {
    expect(decodeLedgerEvent({ type: 'delivered', messageId: 'm-1' })).toBeUndefined();
    expect(decodeLedgerEvent({ type: 'no-such-type', at })).toBeUndefined();
    const received = cases.find((c) => c.event.type === 'received')?.event;
    if (received === undefined) {
      throw new Error('no received case');
    }
    expect(decodeLedgerEvent({ ...encodeLedgerEvent(received), recordVersion: 'x' })).toBeUndefined();
  });

  it('leaves a ledger that verifies', async () => {
    expect(await verifyLedger(ledger, new Date())).toMatchObject({ ok: true, entries: cases.length });
  });
});
