/**
 * Names of the ledger's search indexes, derived from the ledger stream key exactly as the append Lua derives them
 * (ledger-lua.ts). Each index is a sorted set of message ids scored by the time the message was received, except
 * the rejection indexes, which hold ledger entry ids scored by the time of the refusal.
 */

export interface LedgerIndexKeys {
  /** Every message, by time received. */
  readonly received: string;
  /** Messages whose body (patient data) is still held; the retention purge works through it. */
  readonly retained: string;
  practice(odsCode: string): string;
  endpoint(endpointId: string): string;
  record(recordId: string): string;
  patient(patientKey: string): string;
  /** A list of the message's ledger entry ids, in order. */
  timeline(messageId: string): string;
  /** Ledger entry ids of refused submissions, by time refused: all of them, or those naming a practice. */
  readonly rejected: string;
  rejectedAt(odsCode: string): string;
}

export function ledgerIndexKeys(ledgerKey: string): LedgerIndexKeys {
  const base = `${ledgerKey}:idx:`;
  return {
    received: `${base}received`,
    retained: `${base}retained`,
    practice: (odsCode) => `${base}practice:${odsCode}`,
    endpoint: (endpointId) => `${base}endpoint:${endpointId}`,
    record: (recordId) => `${base}record:${recordId}`,
    patient: (patientKey) => `${base}patient:${patientKey}`,
    timeline: (messageId) => `${base}msg:${messageId}`,
    rejected: `${base}rejected`,
    rejectedAt: (odsCode) => `${base}rejected:${odsCode}`,
  };
}
