/**
 * The CSV columns a bulk import file may have (docs/import.md), and turning one row of them into the JSON body the
 * API takes for its kind. Only the flat kinds have a CSV form: referral, goal and outcome note (one reason per
 * referral row, no measures); anything richer goes in NDJSON. Values are not judged here: an empty cell is an
 * absent field, numbers are read as numbers when they look like one, and the intake's own validation names
 * whatever is wrong by its path in the body.
 */
import type { MessageKind } from '../messages/schemas';

export const CSV_KINDS = ['referral', 'goal', 'outcome-note'] as const satisfies readonly MessageKind[];
export type CsvKind = (typeof CSV_KINDS)[number];

type Cells = Readonly<Record<string, string>>;

/** Where each column goes in the body: a dotted path, and whether it holds a number. */
interface Column {
  readonly path: string;
  readonly number?: boolean;
}

const ENVELOPE: Readonly<Record<string, Column>> = {
  source_system: { path: 'source.system' },
  record_id: { path: 'source.recordId' },
  record_version: { path: 'source.recordVersion', number: true },
  sent_at: { path: 'source.sentAt' },
  nhs_number: { path: 'patient.nhsNumber' },
  gp_practice: { path: 'gpPractice.odsCode' },
  link_worker_name: { path: 'linkWorker.name' },
  link_worker_org: { path: 'linkWorker.organisation.odsCode' },
  link_worker_org_name: { path: 'linkWorker.organisation.name' },
};

const KIND_COLUMNS: Readonly<Record<CsvKind, Readonly<Record<string, Column>>>> = {
  referral: {
    status: { path: 'status' },
    referred_at: { path: 'referredAt' },
    referrer_name: { path: 'referrer.name' },
    referrer_org: { path: 'referrer.organisation.odsCode' },
    method: { path: 'method' },
    reason_snomed: { path: 'reasons.0.snomed' },
    reason_text: { path: 'reasons.0.text' },
    urgency: { path: 'urgency' },
    note: { path: 'note' },
  },
  goal: {
    referral_id: { path: 'referralId' },
    description: { path: 'description' },
    status: { path: 'status' },
    importance: { path: 'importance', number: true },
    agreed_at: { path: 'agreedAt' },
    target_date: { path: 'targetDate' },
  },
  'outcome-note': {
    referral_id: { path: 'referralId' },
    contact_date: { path: 'contact.date' },
    contact_mode: { path: 'contact.mode' },
    duration_minutes: { path: 'contact.durationMinutes', number: true },
    note: { path: 'note' },
  },
};

/** Every column a CSV import file may have, `kind` first. */
export const CSV_COLUMNS: readonly string[] = [
  ...new Set(['kind', ...Object.keys(ENVELOPE), ...Object.values(KIND_COLUMNS).flatMap((c) => Object.keys(c))]),
];

export function isCsvKind(kind: string): kind is CsvKind {
  return (CSV_KINDS as readonly string[]).includes(kind);
}

/** The header's columns no kind knows (empty when the header is usable); `kind` is required. */
export function unknownColumns(header: readonly string[]): string[] {
  const known = new Set(CSV_COLUMNS);
  return header.filter((name) => !known.has(name));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: Record<string, unknown> | unknown[] = target;
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const key: string | number = /^\d+$/.test(part) ? Number(part) : part;
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    const nextIsIndex = /^\d+$/.test(parts[i + 1] ?? '');
    container[key] ??= nextIsIndex ? [] : {};
    node = container[key] as Record<string, unknown> | unknown[];
  }
}

/**
 * The body a row describes for its kind. Cells of columns the kind does not use must be empty: a value there is
 * most likely meant for another kind, so it is reported rather than dropped.
 */
export function csvRowBody(
  kind: CsvKind,
  cells: Cells,
): { readonly body: Record<string, unknown>; readonly stray: readonly string[] } {
  const columns = { ...ENVELOPE, ...KIND_COLUMNS[kind] };
  const body: Record<string, unknown> = {};
  const stray: string[] = [];
  for (const [name, raw] of Object.entries(cells)) {
    const value = raw.trim();
    if (name === 'kind' || value === '') {
      continue;
    }
    const column = columns[name];
    if (column === undefined) {
      stray.push(name);
      continue;
    }
    setPath(body, column.path, column.number === true && /^-?\d+$/.test(value) ? Number(value) : value);
  }
  return { body, stray };
}
