/**
 * Access to audit data is itself audited: every search, view, export and verification appends an `audit-access`
 * entry naming who did what, when. An NHS number in a query is recorded as its keyed hash, never as the number.
 */
import type { AuditLedger } from '../store/ledger';
import type { PatientKeyer } from '../store/patient-key';
import type { AuditAction } from '../store/ledger-events';

export type { AuditAction };

export interface AuditAccess {
  readonly who: string;
  readonly action: AuditAction;
  /** What was looked at: a message id, or the query's parameters. */
  readonly target: Readonly<Record<string, string>>;
  /** How it was reached: api, dashboard or cli. */
  readonly channel: string;
  readonly at: Date;
}

export async function recordAccess(ledger: AuditLedger, patientKey: PatientKeyer, access: AuditAccess): Promise<void> {
  const target: Record<string, string> = {};
  for (const [name, value] of Object.entries(access.target)) {
    if (name === 'nhsNumber') {
      target.patientKey = await patientKey(value);
    } else {
      target[name] = value;
    }
  }
  await ledger.append({
    type: 'audit-access',
    at: access.at.toISOString(),
    who: access.who,
    action: access.action,
    channel: access.channel,
    query: new URLSearchParams(target).toString(),
  });
}
