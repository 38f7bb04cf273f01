/**
 * What a receiving GP practice answers to a Send Document message, as ITK3 responses: first the infrastructure
 * response (20013, the message was read), then the business response (30001 when the practice takes the
 * document, or the rejection's code). A message that cannot be read gets one infrastructure response, 10009, as
 * ITK3 asks a receiver to answer whatever it can. Pure; the MESH sandbox is given it by whoever starts it.
 */
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { buildItk3Acknowledgement } from './acknowledgement';
import type { AcknowledgementKind } from './acknowledgement';
import type { Itk3ResponseCode } from './codes';
import { ITK3_RESPONSE_CODES, MESSAGE_HANDLING_EXTENSION, SEND_DOCUMENT_EVENT } from './codes';

export type PracticeAnswer =
  | { readonly outcome: 'accepted' }
  | { readonly outcome: 'rejected'; readonly reason: { readonly code: string; readonly text: string } };

export interface PracticeAcknowledgementInput {
  /** The Send Document message as received (JSON bytes). */
  readonly report: Buffer;
  /** `gzip` when the sender compressed the MESH message (Content-Encoding). */
  readonly contentEncoding?: string;
  readonly answer: PracticeAnswer;
  readonly practiceOds: string;
  readonly practiceMailbox: string;
  readonly at: Date;
}

export interface PracticeAcknowledgement {
  readonly kind: AcknowledgementKind;
  readonly code: Itk3ResponseCode;
  /** The ITK3 response as JSON. */
  readonly body: Buffer;
}

const sendDocumentSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('message'),
  entry: z.tuple(
    [
      z.looseObject({
        resource: z.looseObject({
          resourceType: z.literal('MessageHeader'),
          id: z.string().min(1),
          event: z.looseObject({ code: z.literal(SEND_DOCUMENT_EVENT.code) }),
          extension: z.array(
            z.looseObject({
              url: z.string(),
              extension: z.array(z.looseObject({ url: z.string(), valueString: z.string().optional() })).optional(),
            }),
          ),
        }),
      }),
    ],
    z.unknown(),
  ),
});

interface ReadReport {
  readonly messageHeaderId: string;
  readonly senderReference: string;
}

function readReport(report: Buffer, contentEncoding: string | undefined): ReadReport | undefined {
  let json: unknown;
  try {
    const bytes = contentEncoding?.toLowerCase() === 'gzip' ? gunzipSync(report) : report;
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = sendDocumentSchema.safeParse(json);
  if (!parsed.success) {
    return undefined;
  }
  const header = parsed.data.entry[0].resource;
  const senderReference = header.extension
    .find((e) => e.url === MESSAGE_HANDLING_EXTENSION)
    ?.extension?.find((e) => e.url === 'SenderReference')?.valueString;
  return senderReference === undefined ? undefined : { messageHeaderId: header.id, senderReference };
}

function isResponseCode(code: string): code is Itk3ResponseCode {
  return Object.hasOwn(ITK3_RESPONSE_CODES, code);
}

/** The business code of a rejection: its own code when it is a negative ITK3 code, else 30002. */
function rejectionCode(code: string): Itk3ResponseCode {
  return isResponseCode(code) && code !== '20013' && code !== '30001' ? code : '30002';
}

export function practiceAcknowledgements(input: PracticeAcknowledgementInput): PracticeAcknowledgement[] {
  const report = readReport(input.report, input.contentEncoding);
  const respond = (
    kind: AcknowledgementKind,
    code: Itk3ResponseCode,
    answering: ReadReport,
    diagnostics?: string,
  ): PracticeAcknowledgement => ({
    kind,
    code,
    body: Buffer.from(
      JSON.stringify(
        buildItk3Acknowledgement({
          inResponseTo: answering.messageHeaderId,
          senderReference: answering.senderReference,
          code,
          responderOds: input.practiceOds,
          responderMailbox: input.practiceMailbox,
          at: input.at,
          ...(diagnostics !== undefined ? { diagnostics } : {}),
        }),
      ),
    ),
  });
  if (report === undefined) {
    // Nothing of the original can be named; the response still goes back to the sending mailbox.
    const unknown = { messageHeaderId: 'unreadable', senderReference: 'unreadable' };
    return [respond('infrastructure', '10009', unknown, 'The message is not an ITK3 Send Document message')];
  }
  const infrastructure = respond('infrastructure', '20013', report);
  if (input.answer.outcome === 'accepted') {
    return [infrastructure, respond('business', '30001', report)];
  }
  const code = rejectionCode(input.answer.reason.code);
  const kind: AcknowledgementKind = code.startsWith('3') ? 'business' : 'infrastructure';
  // A negative infrastructure code replaces the positive one: no business response follows a negative one.
  return kind === 'business'
    ? [infrastructure, respond('business', code, report, input.answer.reason.text)]
    : [respond('infrastructure', code, report, input.answer.reason.text)];
}
