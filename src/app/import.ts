/**
 * Bulk import: reads an NDJSON or CSV file of messages as a stream (one row at a time, so memory stays flat
 * whatever the file's size) and passes each row through the same intake as the API (acceptMessage), a bounded
 * number at once; reading waits while that many are in flight. A row accepted before (the same source record
 * version) is a no-op that counts as already accepted, so running an interrupted import again
 * resumes it. Refused rows go to a report with their line number and OperationOutcome issues, and into the ledger
 * as `rejected` entries, as the API records them.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { parse } from 'csv-parse';
import { errorIssue, outcomeIssue } from '../lib/outcome';
import type { MessageKind } from '../messages/schemas';
import { MESSAGE_KINDS } from '../messages/schemas';
import type { AuditLedger } from '../store/ledger';
import { CSV_KINDS, csvRowBody, isCsvKind, unknownColumns } from './import-csv';
import type { IntakeDeps, IntakeMeta } from './intake';
import { acceptMessage } from './intake';
import type { RejectionStatus } from './rejections';
import { recordRejection } from './rejections';

export type ImportFormat = 'ndjson' | 'csv';

/** One row of an import file: a message to accept, or the problems that stop it being one. */
export type ImportRow =
  | { readonly line: number; readonly kind: MessageKind; readonly body: unknown }
  | { readonly line: number; readonly issues: readonly OperationOutcomeIssue[] };

/** A refused row, as the report file holds it. */
export interface RejectedRow {
  readonly line: number;
  readonly kind?: string;
  readonly recordId?: string;
  readonly issues: readonly OperationOutcomeIssue[];
}

export interface ImportCounts {
  readonly rows: number;
  readonly accepted: number;
  readonly alreadyAccepted: number;
  readonly rejected: number;
}

export interface ImportSummary extends ImportCounts {
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
  /** True when the import stopped early (interrupted); running it again resumes it. */
  readonly interrupted: boolean;
}

/** The scope of an import run by the operator under a name that is not a configured client. */
const OPERATOR_SCOPE: IntakeMeta['scope'] = { practices: '*', sourceSystems: '*' };

export interface ImportDeps extends IntakeDeps {
  readonly ledger: AuditLedger;
}

export interface ImportOptions {
  /** The client the messages are recorded as accepted for. */
  readonly clientId: string;
  /**
   * What that client may submit. A configured client keeps its own source systems and practices; an import under
   * a name no client has is the operator's own and may load any (the default).
   */
  readonly scope?: IntakeMeta['scope'];
  /** How many rows are in the intake at once. */
  readonly concurrency: number;
  /** Stops reading new rows; rows in flight finish. */
  readonly signal?: AbortSignal;
  readonly onRejected: (row: RejectedRow) => Promise<void>;
  /** Called after every row with the counts so far. */
  readonly onProgress?: (counts: ImportCounts) => void;
}

export function importFormatOf(path: string): ImportFormat | undefined {
  if (/\.(ndjson|jsonl)$/i.test(path)) {
    return 'ndjson';
  }
  return /\.csv$/i.test(path) ? 'csv' : undefined;
}

function rowProblem(line: number, text: string, expression?: string): ImportRow {
  return { line, issues: [outcomeIssue({ code: 'structure', text, expression })] };
}

function isMessageKind(kind: unknown): kind is MessageKind {
  return typeof kind === 'string' && (MESSAGE_KINDS as readonly string[]).includes(kind);
}

/** The row one NDJSON line holds: `{ "kind": ..., "body": {...} }`. */
function ndjsonRow(line: number, text: string): ImportRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return rowProblem(line, 'the line is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rowProblem(line, 'the line must be a JSON object with kind and body');
  }
  const { kind, body } = value as { kind?: unknown; body?: unknown };
  if (!isMessageKind(kind)) {
    return rowProblem(line, `kind must be one of ${MESSAGE_KINDS.join(', ')}`, 'kind');
  }
  return { line, kind, body };
}

/** Rows of an NDJSON file, one per line; blank lines are skipped. */
export async function* ndjsonRows(input: Readable): AsyncGenerator<ImportRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() !== '') {
        yield ndjsonRow(line, text);
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** Checks the header row: only documented columns (import-csv.ts), `kind` among them. */
function checkCsvHeader(header: readonly string[]): void {
  const unknown = unknownColumns(header);
  if (unknown.length > 0) {
    throw new Error(`the CSV header has columns no kind knows: ${unknown.join(', ')} (see docs/import.md)`);
  }
  if (!header.includes('kind')) {
    throw new Error('the CSV header needs a kind column (see docs/import.md)');
  }
}

/** The row one CSV record holds, under the header's column names. */
function csvRow(line: number, header: readonly string[], record: readonly string[]): ImportRow {
  const cells: Record<string, string> = {};
  header.forEach((name, i) => {
    cells[name] = record[i] ?? '';
  });
  const kind = (cells.kind ?? '').trim();
  if (!isCsvKind(kind)) {
    return rowProblem(line, `kind must be one of ${CSV_KINDS.join(', ')} in a CSV file`, 'kind');
  }
  const { body, stray } = csvRowBody(kind, cells);
  if (stray.length > 0) {
    return {
      line,
      issues: stray.map((name) =>
        outcomeIssue({ code: 'structure', text: `column ${name} is not used by a ${kind} row`, expression: name }),
      ),
    };
  }
  return { line, kind, body };
}

/** Rows of a CSV file with a header row; a row's line is where its record ends, counting the header. */
export async function* csvRows(input: Readable): AsyncGenerator<ImportRow> {
  const parser = input.pipe(parse({ skip_empty_lines: true, bom: true, info: true }));
  let header: string[] | undefined;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (header === undefined) {
        header = item.record.map((name) => name.trim());
        checkCsvHeader(header);
      } else {
        yield csvRow(item.info.lines, header, item.record);
      }
    }
  } finally {
    parser.destroy();
    input.destroy();
  }
}

/** The rows of the file at `path`, read as a stream. */
export function importRows(path: string, format: ImportFormat): AsyncGenerator<ImportRow> {
  const input = createReadStream(path);
  return format === 'csv' ? csvRows(input) : ndjsonRows(input);
}

function recordIdOf(body: unknown): string | undefined {
  const source = typeof body === 'object' && body !== null ? (body as { source?: unknown }).source : undefined;
  const recordId = typeof source === 'object' && source !== null ? (source as { recordId?: unknown }).recordId : '';
  return typeof recordId === 'string' && recordId !== '' ? recordId : undefined;
}

type RowResult =
  | { readonly outcome: 'accepted' | 'already-accepted' }
  | {
      readonly outcome: 'rejected';
      readonly status?: RejectionStatus;
      readonly issues: readonly OperationOutcomeIssue[];
      readonly conflictWith?: string;
    };

async function acceptRow(
  row: Extract<ImportRow, { kind: MessageKind }>,
  deps: ImportDeps,
  clientId: string,
  scope: IntakeMeta['scope'],
): Promise<RowResult> {
  const result = await acceptMessage(row.kind, row.body, { clientId, scope }, deps);
  switch (result.kind) {
    case 'accepted':
      return { outcome: result.duplicate ? 'already-accepted' : 'accepted' };
    case 'invalid':
      return { outcome: 'rejected', status: 400, issues: result.issues };
    case 'no-endpoint':
      return {
        outcome: 'rejected',
        status: 422,
        issues: [
          errorIssue('practice-without-endpoint', {
            text: `No EHR endpoint is configured for GP practice ${result.practice}`,
            expression: 'gpPractice.odsCode',
          }),
        ],
      };
    case 'forbidden':
      return { outcome: 'rejected', status: 403, issues: result.issues };
    case 'consent-withdrawn':
      return { outcome: 'rejected', status: 409, issues: result.issues };
    case 'conflict':
      return {
        outcome: 'rejected',
        status: 409,
        conflictWith: result.id,
        issues: [
          errorIssue('identity-conflict', {
            text: `A different message was already accepted with this identity (message ${result.id}); send a new source record version`,
            expression: 'source',
          }),
        ],
      };
  }
}

/**
 * Imports every row, at most `concurrency` at once, and returns the counts. A row that cannot be read is rejected
 * like one the intake refuses; a store failure ends the import (what was accepted stays accepted).
 */
export async function runImport(
  rows: AsyncIterable<ImportRow>,
  deps: ImportDeps,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  const counts = { rows: 0, accepted: 0, alreadyAccepted: 0, rejected: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;

  async function reject(
    line: number,
    kind: MessageKind | undefined,
    body: unknown,
    result: Extract<RowResult, { outcome: 'rejected' }>,
  ): Promise<void> {
    const recordId = recordIdOf(body);
    await options.onRejected({
      line,
      ...(kind !== undefined ? { kind } : {}),
      ...(recordId !== undefined ? { recordId } : {}),
      issues: result.issues,
    });
    if (kind !== undefined && result.status !== undefined) {
      await recordRejection(deps.ledger, {
        kind,
        client: options.clientId,
        httpStatus: result.status,
        body,
        issues: result.issues,
        at: deps.now(),
        ...(result.conflictWith !== undefined ? { conflictWith: result.conflictWith } : {}),
      });
    }
  }

  async function handle(row: ImportRow): Promise<void> {
    const kind = 'kind' in row ? row.kind : undefined;
    const body = 'kind' in row ? row.body : undefined;
    const result: RowResult =
      'kind' in row
        ? await acceptRow(row, deps, options.clientId, options.scope ?? OPERATOR_SCOPE)
        : { outcome: 'rejected', issues: row.issues };
    counts.rows += 1;
    if (result.outcome === 'rejected') {
      counts.rejected += 1;
      await reject(row.line, kind, body, result);
    } else if (result.outcome === 'accepted') {
      counts.accepted += 1;
    } else {
      counts.alreadyAccepted += 1;
    }
    options.onProgress?.({ ...counts });
  }

  let stoppedEarly = false;
  try {
    for await (const row of rows) {
      if (options.signal?.aborted === true || failure !== undefined) {
        stoppedEarly = true;
        break;
      }
      const task = handle(row).catch((error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error));
      });
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= options.concurrency) {
        // Back-pressure: the next row is read only when a slot is free.
        await Promise.race(inFlight);
      }
    }
  } finally {
    // Rows already handed to the intake finish whatever stopped the reading.
    await Promise.all(inFlight);
  }
  if (failure !== undefined) {
    throw failure;
  }
  const elapsedMs = performance.now() - started;
  return {
    ...counts,
    elapsedMs: Math.round(elapsedMs),
    rowsPerSecond: elapsedMs > 0 ? Math.round((counts.rows / elapsedMs) * 1000) : 0,
    interrupted: stoppedEarly,
  };
}
