/**
 * What a receiving practice sends back for a consultation report: an infrastructure acknowledgement (the message
 * arrived and could be read) and a business acknowledgement (the practice took it into its workflow, or refused it).
 *
 * The bodies are a PROVISIONAL JSON placeholder (shape in docs/mesh.md). GP Connect Send Document answers with
 * ITK3 response bundles (FHIR STU3); when those are built, a producer making them replaces `placeholderAcks` through
 * the sandbox's `ackProducer` option, and nothing else changes.
 */

export const CONSULT_REPORT_WORKFLOW = 'GPFED_CONSULT_REPORT';
export const CONSULT_REPORT_ACK_WORKFLOW = 'GPFED_CONSULT_REPORT_ACK';

/** Marks placeholder bodies so nobody mistakes them for the real ITK3 response. */
export const PLACEHOLDER_ACK_FORMAT = 'sp-fhir-adapter/mesh-sandbox-ack/provisional-1';

export interface RejectionReason {
  readonly code: string;
  readonly text: string;
}

export type PracticeDecision =
  { readonly outcome: 'accepted' } | { readonly outcome: 'rejected'; readonly reason: RejectionReason };

/** The report the practice received, as far as the acknowledgements need to refer to it. */
export interface ReceivedReport {
  readonly messageId: string;
  readonly from: string;
  readonly practice: string;
  readonly workflowId: string;
  readonly localId?: string;
  /**
   * The report's bytes as uploaded, chunks joined (still compressed when `contentEncoding` says so): an ITK3
   * response names the original MessageHeader and SenderReference.
   */
  readonly body: Buffer;
  readonly contentEncoding?: string;
}

/** One acknowledgement, ready to be posted from the practice's mailbox into the sender's inbox. */
export interface AckMessage {
  readonly workflowId: string;
  readonly subject: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly body: Buffer;
}

export type AckProducer = (report: ReceivedReport, decision: PracticeDecision, at: Date) => readonly AckMessage[];

export type PlaceholderAckKind = 'infrastructure' | 'business';

/** The provisional body, as JSON. */
export interface PlaceholderAckBody {
  readonly format: typeof PLACEHOLDER_ACK_FORMAT;
  readonly kind: PlaceholderAckKind;
  readonly outcome: 'accepted' | 'rejected';
  readonly inResponseTo: { readonly messageId: string; readonly workflowId: string; readonly localId?: string };
  readonly practice: string;
  readonly at: string;
  readonly reason?: RejectionReason;
}

/**
 * The infrastructure acknowledgement is always positive here (the sandbox read the message); the business one
 * carries the practice's decision. That is the ITK3 "full acknowledgement" order: infrastructure first, then business.
 */
export const placeholderAcks: AckProducer = (report, decision, at) => [
  placeholderAck(report, 'infrastructure', { outcome: 'accepted' }, at),
  placeholderAck(report, 'business', decision, at),
];

function placeholderAck(
  report: ReceivedReport,
  kind: PlaceholderAckKind,
  decision: PracticeDecision,
  at: Date,
): AckMessage {
  const body: PlaceholderAckBody = {
    format: PLACEHOLDER_ACK_FORMAT,
    kind,
    outcome: decision.outcome,
    inResponseTo: {
      messageId: report.messageId,
      workflowId: report.workflowId,
      ...(report.localId !== undefined ? { localId: report.localId } : {}),
    },
    practice: report.practice,
    at: at.toISOString(),
    ...(decision.outcome === 'rejected' ? { reason: decision.reason } : {}),
  };
  return {
    workflowId: CONSULT_REPORT_ACK_WORKFLOW,
    subject: `${kind} acknowledgement`,
    fileName: `${kind}-ack-${report.messageId}.json`,
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify(body)),
  };
}
