// Where an episode document's ledger entries leave its latest version: the state, the sends of that version, the
// acknowledgement codes, the replays and the last reason, including acknowledgements recorded before their send
// (the practice answered at once) or without one (the worker died waiting for MESH's answer).
import { documentFateOf } from '../../../src/audit/reconcile';
import type { LedgerEvent } from '../../../src/store/ledger-events';
import type { LedgerEntry } from '../../../src/store/ledger';

const DOC = { messageId: 'doc-1', endpoint: 'gp', practice: 'A81001' };
let seq = 0;

function entry(event: LedgerEvent): LedgerEntry {
  seq += 1;
  return { id: `${String(seq)}-0`, seq, prev: '', hash: '', type: event.type, event, fields: {}, pairs: [] };
}

const at = (minute: number): string => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const requested = (version: number, minute: number): LedgerEntry =>
  entry({
    type: 'document-requested',
    ...DOC,
    version,
    milestone: 'closure',
    trigger: 'msg-1',
    sourceSystem: 'https://casebook.example.org',
    recordId: 'REF-1',
    at: at(minute),
  });
const sent = (version: number, minute: number, adopted = false): LedgerEntry =>
  entry({
    type: 'document-sent',
    ...DOC,
    version,
    attempt: 1,
    itkMessageId: 'itk-1',
    meshMessageId: `mesh-${String(minute)}`,
    localId: `doc-1.v${String(version)}.s1`,
    adopted: adopted ? 'true' : 'false',
    at: at(minute),
  });
const acknowledged = (kind: 'infrastructure' | 'business', code: string, minute: number): LedgerEntry =>
  entry({
    type: 'document-acknowledged',
    ...DOC,
    version: 1,
    kind,
    code,
    positive: code === '20013' || code === '30001' ? 'true' : 'false',
    meshMessageId: `ack-${String(minute)}`,
    at: at(minute),
  });
const delivered = (minute: number): LedgerEntry =>
  entry({ type: 'document-delivered', ...DOC, version: 1, code: '30001', at: at(minute) });
const failed = (reason: string, minute: number): LedgerEntry =>
  entry({ type: 'document-failed', ...DOC, version: 1, reason, at: at(minute) });
const replayed = (minute: number): LedgerEntry =>
  entry({ type: 'document-replayed', ...DOC, version: 1, by: 'practice-it', previousError: 'x', at: at(minute) });

test('a document sent once and acknowledged is delivered, with its codes and one send', () => {
  const fate = documentFateOf([
    requested(1, 0),
    sent(1, 1),
    acknowledged('infrastructure', '20013', 2),
    acknowledged('business', '30001', 3),
    delivered(3),
  ]);
  expect(fate).toMatchObject({
    documentId: 'doc-1',
    recordId: 'REF-1',
    version: 1,
    state: 'delivered',
    sends: 1,
    replayed: 0,
    infrastructureAck: '20013',
    businessAck: '30001',
    deliveredAt: at(3),
  });
  expect(fate?.timeline.map((s) => s.detail)).toEqual([
    'closure',
    'MESH mesh-1',
    'infrastructure 20013',
    'business 30001',
    '30001',
  ]);
});

test('a refused document is failed with the practice’s reason; its replay goes back to pending, then sends again', () => {
  const refused = [
    requested(1, 0),
    sent(1, 1),
    acknowledged('infrastructure', '20013', 2),
    acknowledged('business', '30002', 3),
    failed('the practice answered 30002', 3),
  ];
  expect(documentFateOf(refused)).toMatchObject({ state: 'failed', sends: 1, reason: 'the practice answered 30002' });
  const again = [...refused, replayed(4), sent(1, 5)];
  expect(documentFateOf(again)).toMatchObject({ state: 'awaiting-ack', sends: 2, replayed: 1 });
  expect(documentFateOf(again)?.timeline.at(-2)).toMatchObject({ type: 'document-replayed', detail: 'by practice-it' });
});

test('an acknowledgement recorded before its send counts that send once', () => {
  const fate = documentFateOf([
    requested(1, 0),
    acknowledged('infrastructure', '20013', 1),
    acknowledged('business', '30001', 1),
    delivered(1),
    sent(1, 2),
  ]);
  expect(fate).toMatchObject({ state: 'delivered', sends: 1 });
});

test('an acknowledgement with no send recorded at all (its worker died) still counts the send', () => {
  const fate = documentFateOf([
    requested(1, 0),
    acknowledged('infrastructure', '20013', 1),
    acknowledged('business', '30001', 1),
    delivered(1),
  ]);
  expect(fate).toMatchObject({ state: 'delivered', sends: 1 });
});

test('a new version starts again from pending, and entries of the older one no longer change it', () => {
  const fate = documentFateOf([requested(1, 0), sent(1, 1), requested(2, 2), acknowledged('business', '30001', 3)]);
  expect(fate).toMatchObject({ version: 2, state: 'pending', sends: 0 });
  expect(fate?.businessAck).toBeUndefined();
});

test('a timeline with no request is no document', () => {
  expect(documentFateOf([])).toBeUndefined();
});
