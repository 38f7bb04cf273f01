/**
 * docs/audit.md describes every ledger event type the adapter writes, and no type it does not: its ledger table
 * is checked against the event union.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LEDGER_EVENT_TYPES } from '../../../src/store/ledger-events';

const doc = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'audit.md'), 'utf8');

/** The back-quoted names in the first column of the table under "## The ledger". */
function documentedTypes(): string[] {
  const section = doc.split('\n## ')[1] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([a-z-]+)`/g)].map((match) => match[1] ?? ''));
}

describe('docs/audit.md', () => {
  it('lists every ledger event type in its ledger table, and only those', () => {
    expect(documentedTypes().sort()).toEqual([...LEDGER_EVENT_TYPES].sort());
  });
});
