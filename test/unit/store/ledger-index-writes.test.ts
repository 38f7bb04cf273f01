/**
 * Which index keys one ledger entry is written to (ledger-keys.ts computes them; the append script writes exactly
 * those): the timeline of its message, the search indexes of a received message, the rejection indexes, and
 * nothing scored when the entry has no event time.
 */
import { ledgerIndexKeys, ledgerIndexWrites } from '../../../src/store/ledger-keys';

const index = ledgerIndexKeys('p:ledger');

describe('ledgerIndexWrites', () => {
  it.each<{ name: string; fields: Record<string, string>; scored: boolean; expected: object }>([
    {
      name: 'a received message with every search field',
      fields: { type: 'received', messageId: 'm', practice: 'A1', endpoint: 'e', recordId: 'r', patientKey: 'k' },
      scored: true,
      expected: {
        lists: ['p:ledger:idx:msg:m'],
        messageSets: [
          'p:ledger:idx:received',
          'p:ledger:idx:retained',
          'p:ledger:idx:practice:A1',
          'p:ledger:idx:endpoint:e',
          'p:ledger:idx:record:r',
          'p:ledger:idx:patient:k',
        ],
        entrySets: [],
        messageId: 'm',
      },
    },
    {
      name: 'a received message without a patient key',
      fields: { type: 'received', messageId: 'm', practice: 'A1', endpoint: 'e', recordId: 'r' },
      scored: true,
      expected: { messageSets: expect.not.arrayContaining(['p:ledger:idx:patient:k']) as unknown },
    },
    {
      name: 'a received message with no event time',
      fields: { type: 'received', messageId: 'm', practice: 'A1' },
      scored: false,
      expected: { lists: ['p:ledger:idx:msg:m'], messageSets: [], entrySets: [] },
    },
    {
      name: 'a rejection naming a practice',
      fields: { type: 'rejected', practice: 'A1' },
      scored: true,
      expected: { lists: [], messageSets: [], entrySets: ['p:ledger:idx:rejected', 'p:ledger:idx:rejected:A1'] },
    },
    {
      name: 'a rejection naming none',
      fields: { type: 'rejected' },
      scored: true,
      expected: { lists: [], entrySets: ['p:ledger:idx:rejected'], messageId: '' },
    },
    {
      name: 'a delivery outcome',
      fields: { type: 'delivered', messageId: 'm', practice: 'A1' },
      scored: true,
      expected: { lists: ['p:ledger:idx:msg:m'], messageSets: [], entrySets: [] },
    },
    {
      name: 'an audit access',
      fields: { type: 'audit-access', who: 'ann' },
      scored: true,
      expected: { lists: [], messageSets: [], entrySets: [], messageId: '' },
    },
  ])('$name', ({ fields, scored, expected }) => {
    expect(ledgerIndexWrites(index, fields, scored)).toMatchObject(expected);
  });
});
