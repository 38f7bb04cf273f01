/**
 * Reading import files into rows, without Redis: the shipped CSV and NDJSON examples give rows that pass the
 * intake's validation; each kind of unreadable row is reported with its line number and the field at fault; a CSV
 * header with an unknown column stops the import before any row.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ImportRow } from '../../../src/app/import';
import { csvRows, importFormatOf, ndjsonRows } from '../../../src/app/import';
import { CSV_COLUMNS } from '../../../src/app/import-csv';
import { validateInbound } from '../../../src/messages/validate';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

async function collect(rows: AsyncIterable<ImportRow>): Promise<ImportRow[]> {
  const out: ImportRow[] = [];
  for await (const row of rows) {
    out.push(row);
  }
  return out;
}

function expectValid(rows: readonly ImportRow[]): void {
  for (const row of rows) {
    if (!('kind' in row)) {
      throw new Error(`line ${String(row.line)} was not read: ${JSON.stringify(row.issues)}`);
    }
    const validation = validateInbound(row.kind, row.body, new Date());
    expect(validation.ok ? [] : validation.issues).toEqual([]);
  }
}

describe('import rows', () => {
  it('reads the CSV example into valid referral, goal and outcome-note bodies', async () => {
    const rows = await collect(csvRows(createReadStream(join(EXAMPLES, 'import-records.csv'))));
    expect(rows.map((row) => ('kind' in row ? row.kind : 'problem'))).toEqual(['referral', 'goal', 'outcome-note']);
    expect(rows.map((row) => row.line)).toEqual([2, 3, 4]);
    expectValid(rows);
    const [referral] = rows;
    expect(referral && 'kind' in referral ? referral.body : undefined).toMatchObject({
      source: { recordId: 'REF-5001', recordVersion: 1 },
      reasons: [{ snomed: '422650009', text: 'Recently bereaved, rarely leaves the house' }],
      referrer: { name: 'Dr Priya Shah', organisation: { odsCode: 'A81001' } },
    });
  });

  it('reads the NDJSON example into valid bodies', async () => {
    const rows = await collect(ndjsonRows(createReadStream(join(EXAMPLES, 'import-records.ndjson'))));
    expect(rows).toHaveLength(3);
    expectValid(rows);
  });

  it('reports unreadable NDJSON lines by line number and skips blank ones', async () => {
    const text = ['{"kind":"goal","body":{}}', '', 'not json', '[1]', '{"kind":"memo","body":{}}'].join('\n');
    const rows = await collect(ndjsonRows(Readable.from([text])));
    expect(rows.map((row) => [row.line, 'kind' in row ? row.kind : row.issues[0]?.expression?.[0]])).toEqual([
      [1, 'goal'],
      [3, undefined],
      [4, undefined],
      [5, 'kind'],
    ]);
  });

  it('reports a CSV cell in a column the row kind does not use, and an unknown kind', async () => {
    const text = `kind,record_id,importance\ngoal,G-1,3\nreferral,R-1,3\nmemo,M-1,\n`;
    const rows = await collect(csvRows(Readable.from([text])));
    expect(rows[0]).toMatchObject({ line: 2, kind: 'goal', body: { source: { recordId: 'G-1' }, importance: 3 } });
    expect(rows[1]).toMatchObject({ line: 3, issues: [{ expression: ['importance'] }] });
    expect(rows[2]).toMatchObject({ line: 4, issues: [{ expression: ['kind'] }] });
  });

  it('keeps a number column that is not a number as text, for validation to name', async () => {
    const rows = await collect(csvRows(Readable.from(['kind,record_version\ngoal,two\n'])));
    expect(rows[0]).toMatchObject({ kind: 'goal', body: { source: { recordVersion: 'two' } } });
  });

  it('refuses a CSV header with a column no kind knows, or without kind', async () => {
    await expect(collect(csvRows(Readable.from(['kind,colour\ngoal,red\n'])))).rejects.toThrow(/colour/);
    await expect(collect(csvRows(Readable.from(['record_id\nG-1\n'])))).rejects.toThrow(/kind column/);
  });

  it('has every CSV column it reads documented in docs/import.md, and no other', () => {
    const docs = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'import.md'), 'utf8');
    const documented = [...docs.matchAll(/^\| `([a-z_]+)` +\| (?:all|referral|goal|note)/gm)].map((match) => match[1]);
    expect(documented).toEqual([...CSV_COLUMNS]);
  });

  it('tells the format from the file name', () => {
    expect([
      importFormatOf('a.ndjson'),
      importFormatOf('a.JSONL'),
      importFormatOf('a.csv'),
      importFormatOf('a.txt'),
    ]).toEqual(['ndjson', 'ndjson', 'csv', undefined]);
  });
});
