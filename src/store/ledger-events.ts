/**
 * The events the audit ledger records, as one discriminated union, with the one encoder that turns an event into
 * the stored field/value pairs and the one decoder that reads them back. The chain hash covers the encoded names,
 * values and their order, so each type's field order below is fixed for good: changing it would make new entries
 * differ from the ones already written (old ledgers would still verify, but exports would change shape).
 */
import { z } from 'zod';
import { MESSAGE_STATUSES } from '../messages/record';

/** A number (a count, a status code, milliseconds), stored as its decimal text. */
const count = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .transform(Number);

/** One reason a submission was refused, as a `rejected` entry records it: where, and what kind of problem. */
const rejectionReason = z.object({
  /** JSON path of the offending field (`$this` for the whole body). */
  path: z.string(),
  /** FHIR issue type code, e.g. invalid, required, duplicate, not-supported. */
  code: z.string(),
  /**
   * How many problems this one reason stands for: unknown fields collapsed into one, or the reasons left out
   * beyond the cap. Absent on a reason for one field (and on every entry written before it existed).
   */
  count: z.int().min(1).optional(),
});

export type RejectionReason = z.output<typeof rejectionReason>;

/** A JSON list of reasons, stored as its text. */
const rejectionReasons = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'reasons is not JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.array(rejectionReason));

export const AUDIT_ACTIONS = ['search', 'view', 'reconcile', 'export', 'verify'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What every delivery attempt's entry carries, in this order after `type`. */
const attemptFields = {
  messageId: z.string(),
  endpoint: z.string(),
  practice: z.string(),
  attempt: count,
  /** `<messageId>.<attempt>`, the X-Request-Id the attempt sent to the EHR. */
  requestId: z.string(),
  latencyMs: count,
  at: z.string(),
};

/** What every AuditEvent forwarding entry carries, in this order after `type`. */
const forwardFields = {
  messageId: z.string(),
  endpoint: z.string(),
  attempt: count,
  target: z.enum(['ehr', 'repository']),
  targetUrl: z.string(),
};

/**
 * What every episode document entry carries, in this order after `type`. `messageId` is the document's own id
 * (one per endpoint and referral), so each document has its own timeline; `version` is the document version.
 */
const documentFields = {
  messageId: z.string(),
  endpoint: z.string(),
  practice: z.string(),
  version: count,
};

/**
 * Each event type with its fields in stored order (zod keeps the order of a shape, and the encoder walks it).
 * Optional fields are left out of the entry when absent.
 */
const ledgerEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('received'),
    at: z.string(),
    messageId: z.string(),
    kind: z.string(),
    practice: z.string(),
    endpoint: z.string(),
    client: z.string(),
    requestId: z.string().optional(),
    sourceSystem: z.string(),
    recordId: z.string(),
    recordVersion: count,
    contentHash: z.string(),
    /** Keyed hash of the NHS number (patient-key.ts), never the number. */
    patientKey: z.string().optional(),
  }),
  z.object({
    type: z.literal('rejected'),
    at: z.string(),
    kind: z.string(),
    client: z.string(),
    requestId: z.string().optional(),
    httpStatus: count,
    practice: z.string().optional(),
    sourceSystem: z.string().optional(),
    recordId: z.string().optional(),
    recordVersion: count.optional(),
    conflictWith: z.string().optional(),
    reasons: rejectionReasons,
  }),
  z.object({
    type: z.literal('attempt-failed'),
    ...attemptFields,
    httpStatus: count.optional(),
    reason: z.string(),
    retryInMs: count,
  }),
  z.object({
    type: z.literal('delivered'),
    ...attemptFields,
    /** The EHR's answer to the transaction; absent when no FHIR request was made (route mesh-send-document). */
    httpStatus: count.optional(),
    /** `Patient/<id>` in the EHR; absent when no FHIR request was made. */
    patient: z.string().optional(),
    /** The written references with their versions, space separated. */
    resources: z.string(),
    /** Those of them written as entered-in-error (a retraction, or parts a newer version dropped), likewise. */
    retracted: z.string().optional(),
    /**
     * "mesh-send-document" when the endpoint has no FHIR route: the message was handed to the Send Document route,
     * whose episode document carries it to the practice; absent for a FHIR delivery.
     */
    route: z.literal('mesh-send-document').optional(),
  }),
  z.object({
    type: z.literal('failed'),
    ...attemptFields,
    httpStatus: count.optional(),
    patient: z.string().optional(),
    reason: z.string(),
    /** A summary of the EHR's OperationOutcome. */
    outcome: z.string(),
  }),
  z.object({
    type: z.literal('superseded'),
    ...attemptFields,
    reason: z.string(),
    ehrVersion: count,
  }),
  z.object({
    type: z.literal('replayed'),
    at: z.string(),
    messageId: z.string(),
    practice: z.string(),
    endpoint: z.string(),
    by: z.string(),
    previousError: z.string(),
    /** Why a delivered message was sent again (e.g. after the EHR was restored); absent for failed ones. */
    reason: z.string().optional(),
  }),
  z.object({
    type: z.literal('purged'),
    at: z.string(),
    messageId: z.string(),
    practice: z.string(),
    endpoint: z.string(),
    status: z.enum(MESSAGE_STATUSES),
    by: z.string(),
    retentionDays: count,
    cutoff: z.string(),
  }),
  z.object({
    type: z.literal('audit-access'),
    at: z.string(),
    who: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    channel: z.string(),
    /** The query's parameters, form-encoded (an NHS number as its keyed hash). */
    query: z.string(),
  }),
  z.object({
    type: z.literal('audit-forwarded'),
    ...forwardFields,
    /** `AuditEvent/<id>` of each event written, space separated. */
    auditEvents: z.string(),
    /** The HTTP status of each write, space separated. */
    httpStatus: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('audit-forward-failed'),
    ...forwardFields,
    /** The events written before the failure, space separated. */
    written: z.string().optional(),
    reason: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('document-requested'),
    ...documentFields,
    /** The referral milestone that asked for this version: acceptance, in-progress or closure. */
    milestone: z.string(),
    /** The stored referral message that reached the milestone. */
    trigger: z.string(),
    sourceSystem: z.string(),
    /** The referral's record id in the source system. */
    recordId: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('document-sent'),
    ...documentFields,
    attempt: count,
    /** The ITK3 MessageHeader id the acknowledgements answer. */
    itkMessageId: z.string(),
    meshMessageId: z.string(),
    /** The MESH local id (`<document>.v<version>.s<send>`), by which a resend after a crash finds the first send. */
    localId: z.string(),
    /** True when a resend after a crash found the message already in MESH and took its id instead of sending again. */
    adopted: z.enum(['true', 'false']),
    at: z.string(),
  }),
  z.object({
    type: z.literal('document-attempt-failed'),
    ...documentFields,
    attempt: count,
    httpStatus: count.optional(),
    reason: z.string(),
    retryInMs: count,
    at: z.string(),
  }),
  z.object({
    type: z.literal('document-acknowledged'),
    ...documentFields,
    kind: z.enum(['infrastructure', 'business']),
    /** The ITK3 response code(s), space separated, e.g. 20013 or 30001. */
    code: z.string(),
    positive: z.enum(['true', 'false']),
    /** The MESH message id of the acknowledgement. */
    meshMessageId: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('document-delivered'),
    ...documentFields,
    code: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('document-failed'),
    ...documentFields,
    /** The ITK3 response code of a negative acknowledgement; absent for a timeout or a refused send. */
    code: z.string().optional(),
    reason: z.string(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('document-replayed'),
    ...documentFields,
    by: z.string(),
    previousError: z.string(),
    at: z.string(),
  }),
]);

export type LedgerEvent = z.output<typeof ledgerEventSchema>;
export type LedgerEventType = LedgerEvent['type'];
export type LedgerEventOf<T extends LedgerEventType> = Extract<LedgerEvent, { readonly type: T }>;

/** Every event type, in the order above. */
export const LEDGER_EVENT_TYPES: readonly LedgerEventType[] = ledgerEventSchema.options.map(
  (option) => option.shape.type.value,
);

const schemaOf = new Map(ledgerEventSchema.options.map((option) => [option.shape.type.value, option]));

function encodeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  // The rejection reasons: a JSON list of {path, code}.
  return JSON.stringify(value);
}

/** The event's stored fields, in its type's fixed order (absent optional fields left out). */
export function encodeLedgerEvent(event: LedgerEvent): Readonly<Record<string, string>> {
  const schema = schemaOf.get(event.type);
  if (schema === undefined) {
    throw new Error(`unknown ledger event type ${event.type}`);
  }
  const values = event as Readonly<Record<string, unknown>>;
  const fields: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = values[name];
    if (value !== undefined) {
      fields[name] = encodeValue(value);
    }
  }
  return fields;
}

/** The event stored in these fields, or undefined when they are not a well-formed event of a known type. */
export function decodeLedgerEvent(fields: Readonly<Record<string, string>>): LedgerEvent | undefined {
  const parsed = ledgerEventSchema.safeParse(fields);
  return parsed.success ? parsed.data : undefined;
}
