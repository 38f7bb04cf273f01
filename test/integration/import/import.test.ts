/**
 * Bulk import against real Redis through the real intake: a generated file of a few thousand rows is imported
 * with the right counts (accepted, rejected with their line numbers and issues in the report, each accepted row
 * stored once with its ledger entry); an import stopped part way and run again ends with every row accepted
 * exactly once, the second run counting the first run's rows as already accepted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { RejectedRow } from '../../../src/app/import';
import { importRows, runImport } from '../../../src/app/import';
import { verifyLedger } from '../../../src/audit/verify';
import { importCommand } from '../../../src/cli/import';
import { parseConfig } from '../../../src/config/load';
import { silentLogger } from '../../../src/observability/logger';
import type { Services } from '../../../src/runtime/services';
import { createRoot } from '../../../src/runtime/root';
import { servicesOf } from '../../../src/runtime/services';
import { waitForRedis } from '../../../src/store/connection';
import { referralDoc } from '../../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const ROWS = 2000;
/** A few thousand rows through the full intake (validation, profile check, Redis) on a shared machine. */
jest.setTimeout(240_000);
/** Every 250th row names a practice no endpoint serves, every 500th (offset) has an impossible NHS number. */
const NO_ENDPOINT_EVERY = 250;
const INVALID_EVERY = 500;

function rowLine(i: number, run: string): string {
  const doc = referralDoc({});
  const body = {
    ...doc,
    source: { ...doc.source, recordId: `IMP-${run}-${String(i)}` },
    gpPractice: { odsCode: i % NO_ENDPOINT_EVERY === 0 ? 'B82002' : 'A81001' },
    patient: i % INVALID_EVERY === 7 ? { nhsNumber: '1234567890' } : doc.patient,
  };
  return JSON.stringify({ kind: 'referral', body });
}

/** The file, with one unreadable line in the middle; returns how many rows of each outcome it should give. */
function writeImportFile(path: string, run: string): { accepted: number; rejected: number; lines: number } {
  const lines: string[] = [];
  for (let i = 1; i <= ROWS; i += 1) {
    lines.push(rowLine(i, run));
    if (i === ROWS / 2) {
      lines.push('{"kind": "referral", "body": ');
    }
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  const noEndpoint = Math.floor(ROWS / NO_ENDPOINT_EVERY);
  const invalid = Array.from({ length: ROWS }, (_, i) => i + 1).filter((i) => i % INVALID_EVERY === 7).length;
  const rejected = noEndpoint + invalid + 1;
  return { accepted: ROWS - noEndpoint - invalid, rejected, lines: lines.length };
}

describe('bulk import', () => {
  let dir: string;
  let prefix: string;
  let services: Services;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spfa-import-'));
    prefix = uniquePrefix('import');
    const config = parseConfig({
      redis: { url: TEST_REDIS_URL, prefix },
      endpoints: [{ id: 'ehr', baseUrl: 'https://ehr.example.org/fhir', practices: ['A81001'] }],
      log: { level: 'silent' },
    });
    services = servicesOf(createRoot(config, silentLogger()));
    await waitForRedis(services.redis, 10_000);
  });
  afterEach(async () => {
    await services.close();
    await deleteKeys(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  async function receivedEntries(): Promise<number> {
    let count = 0;
    for await (const entry of services.ledger.scan()) {
      count += entry.event?.type === 'received' ? 1 : 0;
    }
    return count;
  }

  it('imports a generated file: counts, report of refused rows by line, one stored message per accepted row', async () => {
    const file = join(dir, 'records.ndjson');
    const expected = writeImportFile(file, prefix);
    const reportPath = join(dir, 'rejected.ndjson');
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
    });
    const { summary, exitCode } = await importCommand(services, {
      file,
      format: 'ndjson',
      clientId: 'casebook',
      concurrency: 16,
      reportPath,
      out,
      progressEveryMs: 0,
    });
    expect(summary).toMatchObject({
      rows: expected.lines,
      accepted: expected.accepted,
      alreadyAccepted: 0,
      rejected: expected.rejected,
      interrupted: false,
    });
    expect(exitCode).toBe(1);
    expect(printed).toMatch(/^\d+\/\d+ rows, \d+ rows\/s, ETA \d+ s: accepted \d+/m);
    expect(printed).toContain(
      `accepted ${String(expected.accepted)}, already accepted 0, rejected ${String(expected.rejected)}`,
    );

    const report = readFileSync(reportPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RejectedRow);
    expect(report).toHaveLength(expected.rejected);
    const byLine = new Map(report.map((row) => [row.line, row]));
    // Line 250 is row 250 (the unreadable line comes after row 1000): a practice without an endpoint.
    expect(byLine.get(250)?.issues[0]).toMatchObject({ expression: ['gpPractice.odsCode'] });
    expect(byLine.get(7)?.issues[0]).toMatchObject({ severity: 'error', expression: ['patient.nhsNumber'] });
    expect(byLine.get(ROWS / 2 + 1)?.issues[0]).toMatchObject({ code: 'structure' });

    expect(await services.store.countByStatus('queued')).toBe(expected.accepted);
    expect(await receivedEntries()).toBe(expected.accepted);
    expect(await verifyLedger(services.ledger, new Date())).toMatchObject({ ok: true });
  });

  it('resumes an interrupted import: every row accepted exactly once', async () => {
    const file = join(dir, 'records.ndjson');
    const expected = writeImportFile(file, prefix);
    const rejected: RejectedRow[] = [];
    const options = {
      clientId: 'casebook',
      concurrency: 8,
      onRejected: (row: RejectedRow): Promise<void> => {
        rejected.push(row);
        return Promise.resolve();
      },
    };
    const stop = new AbortController();
    const first = await runImport(importRows(file, 'ndjson'), services, {
      ...options,
      signal: stop.signal,
      onProgress: (counts) => {
        if (counts.rows >= 600) {
          stop.abort();
        }
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.rows).toBeLessThan(expected.lines);
    expect(first.accepted).toBeGreaterThan(0);

    const second = await runImport(importRows(file, 'ndjson'), services, options);
    expect(second).toMatchObject({ interrupted: false, rows: expected.lines, rejected: expected.rejected });
    expect(second.alreadyAccepted).toBe(first.accepted);
    expect(first.accepted + second.accepted).toBe(expected.accepted);
    expect(rejected).toHaveLength(first.rejected + second.rejected);
    expect(await services.store.countByStatus('queued')).toBe(expected.accepted);
    expect(await receivedEntries()).toBe(expected.accepted);
  });
});
