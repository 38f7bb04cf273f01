/**
 * Names of the ledger's search indexes, and which of them one entry is written to. Each index is a sorted set of
 * message ids scored by the time the message was received, except the rejection indexes, which hold ledger entry
 * ids scored by the time of the refusal, the document indexes, which hold episode document ids scored by the time
 * their latest version was asked for, and the timelines, lists of each message's (or document's) entry ids. The append script
 * writes exactly the keys computed here (append-ledger.lua), so every key a script touches is passed to it.
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
  /** Episode document ids of a practice, by the time their latest version was asked for. */
  documents(odsCode: string): string;
  /** A short-lived key for intersecting indexes in a search. */
  scratch(token: string): string;
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
    documents: (odsCode) => `${base}documents:${odsCode}`,
    scratch: (token) => `${base}tmp:${token}`,
  };
}

/** The index writes of one entry, in the three runs the append script expects. */
export interface LedgerIndexWrites {
  /** Lists that get the entry id. */
  readonly lists: readonly string[];
  /** Sorted sets that get `messageId`, scored by the event time. */
  readonly messageSets: readonly string[];
  /** Sorted sets that get the entry id, scored by the event time. */
  readonly entrySets: readonly string[];
  readonly messageId: string;
}

/**
 * Where an entry with these fields is indexed. Without an event time (`scored` false) only the timeline is
 * written: the sorted sets need a score.
 */
export function ledgerIndexWrites(
  index: LedgerIndexKeys,
  fields: Readonly<Record<string, string>>,
  scored: boolean,
): LedgerIndexWrites {
  const { messageId, type, practice } = fields;
  const lists = messageId === undefined ? [] : [index.timeline(messageId)];
  const messageSets: string[] = [];
  const entrySets: string[] = [];
  if (scored && type === 'received' && messageId !== undefined) {
    messageSets.push(index.received, index.retained);
    if (practice !== undefined) messageSets.push(index.practice(practice));
    if (fields.endpoint !== undefined) messageSets.push(index.endpoint(fields.endpoint));
    if (fields.recordId !== undefined) messageSets.push(index.record(fields.recordId));
    if (fields.patientKey !== undefined) messageSets.push(index.patient(fields.patientKey));
  }
  if (scored && type === 'document-requested' && messageId !== undefined && practice !== undefined) {
    messageSets.push(index.documents(practice));
  }
  if (scored && type === 'rejected') {
    entrySets.push(index.rejected);
    if (practice !== undefined) entrySets.push(index.rejectedAt(practice));
  }
  return { lists, messageSets, entrySets, messageId: messageId ?? '' };
}
