/**
 * The practice's answers to a sent episode document, and the silence when none comes. An ITK3 acknowledgement from
 * the inbox (workflow GPFED_CONSULT_REPORT_ACK) is parsed with the ITK3 parser and matched to the document version
 * by the MessageHeader id it answers: the infrastructure acknowledgement is recorded, a positive business one
 * delivers the document, a negative one of either kind fails it with the practice's reason. A document with no
 * business acknowledgement by its deadline is sent again (same version, same ITK3 ids) while resends remain, then
 * fails with that reason; a failed document can be replayed.
 */
import type { DownloadedMeshMessage } from '../mesh/client';
import { parseItk3Acknowledgement } from '../../mapping/itk3';
import { summariseOutcome } from '../../lib/outcome-summary';
import type { StepOutcome } from '../../store/episode-documents';
import type { SendDocumentDeps } from './deps';

export const CONSULT_REPORT_ACK_WORKFLOW = 'GPFED_CONSULT_REPORT_ACK';

export type AckOutcome =
  | { readonly kind: 'recorded'; readonly documentId: string; readonly status: string }
  /** Not an acknowledgement of a document this adapter holds (another workflow, an old version, unreadable). */
  | { readonly kind: 'ignored'; readonly why: string };

/**
 * Handles one inbox message. It resolves only once what it says is stored, so the poller acknowledges the MESH
 * message only then; handled twice (the MESH acknowledgement was lost) it changes nothing the second time.
 */
export async function receiveAcknowledgement(
  deps: SendDocumentDeps,
  message: DownloadedMeshMessage,
): Promise<AckOutcome> {
  if (message.metadata.workflowId !== CONSULT_REPORT_ACK_WORKFLOW) {
    return { kind: 'ignored', why: `workflow ${message.metadata.workflowId ?? '(none)'}` };
  }
  const parsed = parseItk3Acknowledgement(message.body);
  if (!parsed.ok) {
    return { kind: 'ignored', why: `not an ITK3 response: ${summariseOutcome(parsed.outcome)}` };
  }
  const ack = parsed.acknowledgement;
  const owner = await deps.documents.ownerOfItkMessage(ack.inResponseTo);
  if (owner === undefined) {
    return { kind: 'ignored', why: 'answers no document this adapter sent' };
  }
  const document = await deps.documents.get(owner.documentId);
  if (document?.version !== owner.version) {
    return { kind: 'ignored', why: 'answers a version a later one replaced' };
  }
  const at = deps.now();
  const base = {
    messageId: document.id,
    endpoint: document.endpoint,
    practice: document.practice,
    version: document.version,
  };
  const code = ack.codes.map((c) => c.code).join(' ');
  const reason = ack.codes
    .map((c) => [c.code, c.display, c.diagnostics].filter((part) => part !== undefined).join(': '))
    .join('; ');
  const acknowledged = {
    type: 'document-acknowledged' as const,
    ...base,
    kind: ack.kind,
    code,
    positive: ack.positive ? ('true' as const) : ('false' as const),
    meshMessageId: message.metadata.messageId,
    at: at.toISOString(),
  };
  const field = ack.kind === 'infrastructure' ? 'infrastructureAck' : 'businessAck';
  // An acknowledgement may overtake the worker's own record of the send, so `sending` is accepted too.
  const open = ['awaiting-ack', 'sending'] as const;
  if (!open.some((status) => status === document.status)) {
    return { kind: 'ignored', why: `the document is already ${document.status}` };
  }
  if (ack.kind === 'infrastructure' && ack.positive) {
    const step = await deps.documents.step(document.id, {
      version: document.version,
      from: open,
      now: at,
      fields: { [field]: code },
      event: acknowledged,
    });
    return settled(step, document.id);
  }
  // The acknowledgement's own entry first, then the step that settles the document with its entry, so a crash
  // between them leaves the document open (handled again next poll), never settled without its entry.
  await deps.ledger.append(acknowledged, at);
  const step = ack.positive
    ? await deps.documents.step(document.id, {
        version: document.version,
        from: open,
        status: 'delivered',
        now: at,
        deadline: null,
        fields: { [field]: code, deliveredAt: at.toISOString(), lastError: '' },
        event: { type: 'document-delivered', ...base, code, at: at.toISOString() },
      })
    : await deps.documents.step(document.id, {
        version: document.version,
        from: open,
        status: 'failed',
        now: at,
        deadline: null,
        fields: { [field]: code, lastError: `the practice answered ${reason}` },
        event: {
          type: 'document-failed',
          ...base,
          code,
          reason: `the practice answered ${reason}`,
          at: at.toISOString(),
        },
      });
  return settled(step, document.id);
}

function settled(step: StepOutcome, documentId: string): AckOutcome {
  return step.ok
    ? { kind: 'recorded', documentId, status: step.record.status }
    : {
        kind: 'ignored',
        why: step.reason === 'missing' ? 'no such document' : `the document is already ${step.status}`,
      };
}

/**
 * Documents past their acknowledgement deadline: each is put back to be sent again with the next send number
 * while resends remain, else failed with the reason. Returns the ids sent again.
 */
export async function handleOverdue(deps: SendDocumentDeps): Promise<{ resent: string[]; failed: string[] }> {
  const now = deps.now();
  const resent: string[] = [];
  const failed: string[] = [];
  for (const id of await deps.documents.overdue(now)) {
    const document = await deps.documents.get(id);
    const route = document === undefined ? undefined : deps.meshRoute(document.endpoint);
    if (document === undefined || route === undefined) {
      continue;
    }
    const waited = `no business acknowledgement within ${String(route.settings.ackTimeoutMs)} ms of sending`;
    const base = { messageId: id, endpoint: document.endpoint, practice: document.practice, version: document.version };
    if (document.sendNo <= route.settings.ackTimeoutResends) {
      const step = await deps.documents.step(id, {
        version: document.version,
        from: ['awaiting-ack'],
        status: 'pending',
        now,
        deadline: null,
        fields: { sendNo: String(document.sendNo + 1), lastError: waited },
        event: {
          type: 'document-attempt-failed',
          ...base,
          attempt: document.attempts,
          reason: `${waited}; sending again`,
          retryInMs: 0,
          at: now.toISOString(),
        },
      });
      if (step.ok) resent.push(id);
      continue;
    }
    const step = await deps.documents.step(id, {
      version: document.version,
      from: ['awaiting-ack'],
      status: 'failed',
      now,
      deadline: null,
      fields: { lastError: waited },
      event: { type: 'document-failed', ...base, reason: waited, at: now.toISOString() },
    });
    if (step.ok) failed.push(id);
  }
  return { resent, failed };
}
