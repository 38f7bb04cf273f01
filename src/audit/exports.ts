/**
 * Ledger entries and reconciliation reports as CSV (RFC 4180 via csv-stringify) and NDJSON, for auditors'
 * spreadsheets and tools. CSV columns are fixed so files from different periods line up.
 */
import { stringify } from 'csv-stringify/sync';
import type { LedgerEntry } from '../store/ledger';
import type { ReconciliationReport, RejectedSubmission } from './reconcile';

export const LEDGER_CSV_COLUMNS = [
  'seq',
  'id',
  'type',
  'at',
  'messageId',
  'practice',
  'endpoint',
  'client',
  'sourceSystem',
  'recordId',
  'recordVersion',
  'attempt',
  'httpStatus',
  'latencyMs',
  'reason',
  'resources',
  'by',
  'who',
  'action',
  'query',
  'issues',
  'prev',
  'hash',
] as const;

function ledgerRow(entry: LedgerEntry): Record<string, string> {
  return { ...entry.fields, seq: String(entry.seq), id: entry.id, prev: entry.prev, hash: entry.hash };
}

/** `header: false` continues a file written in batches. */
export function ledgerCsv(entries: readonly LedgerEntry[], header = true): string {
  return stringify(entries.map(ledgerRow), { header, columns: [...LEDGER_CSV_COLUMNS] });
}

/** One JSON object per line with every stored field, so a reader can recompute the chain from the export. */
export function ledgerNdjson(entries: readonly LedgerEntry[]): string {
  return entries.map((entry) => `${JSON.stringify({ ...ledgerRow(entry), pairs: entry.pairs })}\n`).join('');
}

export const RECONCILIATION_CSV_COLUMNS = [
  'messageId',
  'state',
  'kind',
  'sourceSystem',
  'recordId',
  'recordVersion',
  'receivedAt',
  'attempts',
  'reason',
] as const;

/** `HTTP 400: source.recordVersion (invalid); patient.nhsNumber (invalid)`: the reasons without any values. */
export function rejectionReasonText(rejection: RejectedSubmission): string {
  // A reason with a count stands for several problems collapsed into one (unknown fields, or those past the cap).
  const reasons = rejection.reasons
    .map((r) => `${r.path} (${r.code}${r.count !== undefined ? ` x${String(r.count)}` : ''})`)
    .join('; ');
  return `HTTP ${String(rejection.httpStatus)}: ${reasons}`;
}

/**
 * Everything that did not reach the GP record, one row per message: the undelivered messages, then the refused
 * submissions (state `rejected`, no message id, `receivedAt` the time refused). Counts and gaps are in the JSON
 * and NDJSON forms.
 */
export function reconciliationCsv(report: ReconciliationReport): string {
  const undelivered = report.undelivered.map((u) => ({
    ...u,
    recordVersion: String(u.recordVersion),
    attempts: String(u.attempts),
  }));
  const rejected = report.rejected.map((r) => ({
    messageId: '',
    state: 'rejected',
    kind: r.kind,
    sourceSystem: r.sourceSystem ?? '',
    recordId: r.recordId ?? '',
    recordVersion: r.recordVersion === undefined ? '' : String(r.recordVersion),
    receivedAt: r.at,
    attempts: '0',
    reason: rejectionReasonText(r),
  }));
  return stringify([...undelivered, ...rejected], { header: true, columns: [...RECONCILIATION_CSV_COLUMNS] });
}

/**
 * A summary line (with the episode documents' counts), then one line per undelivered message, per refused
 * submission, per version gap and per undelivered episode document.
 */
export function reconciliationNdjson(report: ReconciliationReport): string {
  const lines: unknown[] = [
    {
      record: 'summary',
      practice: report.practice,
      from: report.from,
      to: report.to,
      counts: report.counts,
      documentCounts: report.documents.counts,
    },
    ...report.undelivered.map((u) => ({ record: 'undelivered', ...u })),
    ...report.rejected.map((r) => ({ record: 'rejected', ...r })),
    ...report.gaps.map((g) => ({ record: 'gap', ...g })),
    ...report.documents.undelivered.map((d) => ({ record: 'undelivered-document', ...d })),
  ];
  return lines.map((line) => `${JSON.stringify(line)}\n`).join('');
}
