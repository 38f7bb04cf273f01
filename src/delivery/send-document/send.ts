/**
 * One send of an episode document version over MESH: claim it, build the episode from the stored messages, render
 * the PDF, build the ITK3 Send Document message (the same ids for the same version, whenever it is built), send it
 * with workflow GPFED_CONSULT_REPORT to the patient's registered practice by MESH automated routing, and record it
 * as awaiting the practice's acknowledgement. A send resumed after its worker died first asks MESH whether the
 * message already went (tracking by local id), so a crash never sends the same document twice.
 */
import type { MessageRecord } from '../../messages/record';
import type { ReferralMessage } from '../../messages/schemas';
import { summariseOutcome } from '../../lib/outcome-summary';
import type { EpisodeDocumentRecord } from '../../store/episode-documents';
import {
  EPISODE_DOCUMENT_TITLE,
  buildEpisodeDocument,
  episodeFromMessages,
  renderEpisodePdf,
} from '../../mapping/episode-document';
import { buildSendDocumentMessage, sendDocumentSubject } from '../../mapping/itk3';
import { MeshError } from '../mesh/errors';
import { retryDelayMs } from '../retry-policy';
import type { MeshRoute, SendDocumentDeps } from './deps';
import { patientMessages } from './episode-messages';

export const CONSULT_REPORT_WORKFLOW = 'GPFED_CONSULT_REPORT';

export type SendDecision =
  | { readonly kind: 'sent'; readonly meshMessageId: string; readonly adopted: boolean }
  /** Put back to pending; the sweeper enqueues it again once `retryAt` has passed. */
  | { readonly kind: 'retry-later'; readonly reason: string; readonly retryAt: Date }
  | { readonly kind: 'failed'; readonly reason: string }
  /** Nothing to do: the document moved on, or another worker holds it. */
  | { readonly kind: 'skipped'; readonly why: string };

/** The local id of one send of one version: a resend after a crash finds its first try by it. */
export function documentLocalId(document: Pick<EpisodeDocumentRecord, 'id' | 'version' | 'sendNo'>): string {
  return `${document.id}.v${String(document.version)}.s${String(document.sendNo)}`;
}

/** MESH automated routing to the patient's registered practice: GPPROVIDER_<NHS number>_<date of birth>_<surname>. */
export function gpProviderAddress(referral: ReferralMessage): string | undefined {
  const { nhsNumber, birthDate, name } = referral.patient;
  if (birthDate === undefined || name === undefined) {
    return undefined;
  }
  // Accented letters keep their base letter (Ó Súilleabháin → OSUILLEABHAIN) rather than vanishing from the surname.
  const surname = name.family
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
  return `GPPROVIDER_${nhsNumber}_${birthDate.replace(/-/g, '')}_${surname}`;
}

type Built =
  | {
      readonly ok: true;
      readonly body: Buffer;
      readonly itkMessageId: string;
      readonly to: string;
      readonly subject?: string;
    }
  | { readonly ok: false; readonly reason: string };

async function buildMessage(deps: SendDocumentDeps, route: MeshRoute, document: EpisodeDocumentRecord): Promise<Built> {
  const trigger: MessageRecord | undefined = await deps.messages.get(document.trigger);
  if (trigger?.message.kind !== 'referral' || trigger.purgedAt !== undefined) {
    return { ok: false, reason: 'the referral message that asked for the document is no longer held' };
  }
  const messages = await patientMessages(deps, document.endpoint, trigger.message.body.patient.nhsNumber);
  const episode = episodeFromMessages(messages, document.referralId);
  if (episode === undefined) {
    return { ok: false, reason: 'the referral of the document is no longer held' };
  }
  const pdf = await renderEpisodePdf(buildEpisodeDocument(episode));
  const input = {
    referral: episode.referral,
    pdf,
    documentTitle: EPISODE_DOCUMENT_TITLE,
    version: document.version,
    senderMailbox: route.settings.mailbox,
    // The time the version was asked for, so every send of this version is the same message.
    generatedAt: new Date(document.requestedAt),
    ...(route.settings.senderTelephone !== undefined ? { senderTelephone: route.settings.senderTelephone } : {}),
  };
  const built = buildSendDocumentMessage(input);
  if (!built.ok) {
    return { ok: false, reason: `the document cannot be built: ${summariseOutcome(built.outcome)}` };
  }
  const to = gpProviderAddress(episode.referral);
  if (to === undefined) {
    return { ok: false, reason: 'MESH routing needs the patient’s date of birth and surname' };
  }
  const subject = sendDocumentSubject(input);
  return {
    ok: true,
    body: Buffer.from(JSON.stringify(built.message)),
    itkMessageId: built.ids.messageHeaderId,
    to,
    ...(subject !== undefined ? { subject } : {}),
  };
}

/** The MESH message of an earlier try of this send, if MESH has one (404 means none). */
async function earlierSend(route: MeshRoute, localId: string): Promise<string | undefined> {
  try {
    return (await route.client.trackByLocalId(localId)).message_id;
  } catch (error) {
    if (error instanceof MeshError && error.status === 404) {
      return undefined;
    }
    throw error;
  }
}

export async function sendEpisodeDocument(deps: SendDocumentDeps, documentId: string): Promise<SendDecision> {
  const now = deps.now();
  const current = await deps.documents.get(documentId);
  if (current === undefined) {
    return { kind: 'skipped', why: 'no such document' };
  }
  const route = deps.meshRoute(current.endpoint);
  if (route === undefined) {
    return { kind: 'skipped', why: `endpoint ${current.endpoint} does not use the mesh-send-document route` };
  }
  const claim = await deps.documents.step(documentId, {
    version: current.version,
    from: ['pending'],
    staleClaimBefore: new Date(now.getTime() - deps.staleClaimMs),
    status: 'sending',
    now,
    incrementAttempts: true,
    fields: { claimedAtMs: String(now.getTime()) },
  });
  if (!claim.ok) {
    return {
      kind: 'skipped',
      why: claim.reason === 'missing' ? 'no such document' : `the document is ${claim.status}`,
    };
  }
  const document = claim.record;
  const base = {
    messageId: document.id,
    endpoint: document.endpoint,
    practice: document.practice,
    version: document.version,
  };
  const localId = documentLocalId(document);
  const built = await buildMessage(deps, route, document);
  if (!built.ok) {
    return fail(deps, document, built.reason);
  }
  // The practice may answer before this worker records the send (or after it died sending): its acknowledgement
  // must already find the version it answers, or it would be read, found to answer nothing, and lost.
  const owned = await deps.documents.step(document.id, {
    version: document.version,
    from: ['sending'],
    now: deps.now(),
    itkMessageId: built.itkMessageId,
    fields: { itkMessageId: built.itkMessageId },
  });
  if (!owned.ok) {
    return {
      kind: 'skipped',
      why: owned.reason === 'missing' ? 'no such document' : `the document is ${owned.status}`,
    };
  }
  let meshMessageId: string | undefined;
  let adopted = false;
  try {
    // Only a send that may have reached MESH before its worker died needs the look-up.
    meshMessageId = document.attempts > 1 ? await earlierSend(route, localId) : undefined;
    adopted = meshMessageId !== undefined;
    meshMessageId ??= (
      await route.client.send({
        to: built.to,
        workflowId: CONSULT_REPORT_WORKFLOW,
        body: built.body,
        localId,
        fileName: `${document.id}-v${String(document.version)}.json`,
        contentType: 'application/fhir+json',
        ...(built.subject !== undefined ? { subject: built.subject } : {}),
      })
    ).messageId;
  } catch (error) {
    if (!(error instanceof MeshError)) {
      throw error;
    }
    if (error.verdict === 'reject') {
      return fail(deps, document, error.message);
    }
    const delay = retryDelayMs(document.attempts, route.retry, (deps.random ?? Math.random)(), {
      waitMs: error.retryAfterMs,
    });
    const at = deps.now();
    const retryAt = new Date(at.getTime() + delay);
    await deps.documents.step(document.id, {
      version: document.version,
      from: ['sending'],
      status: 'pending',
      now: at,
      fields: { claimedAtMs: '', lastError: error.message, nextAttemptAt: retryAt.toISOString() },
      event: {
        type: 'document-attempt-failed',
        ...base,
        attempt: document.attempts,
        ...(error.status !== undefined ? { httpStatus: error.status } : {}),
        reason: error.message,
        retryInMs: delay,
        at: at.toISOString(),
      },
    });
    return { kind: 'retry-later', reason: error.message, retryAt };
  }
  const at = deps.now();
  const deadline = new Date(at.getTime() + route.settings.ackTimeoutMs);
  const sent = {
    type: 'document-sent' as const,
    ...base,
    attempt: document.attempts,
    itkMessageId: built.itkMessageId,
    meshMessageId,
    localId,
    adopted: adopted ? ('true' as const) : ('false' as const),
    at: at.toISOString(),
  };
  const recorded = await deps.documents.step(document.id, {
    version: document.version,
    from: ['sending'],
    status: 'awaiting-ack',
    now: at,
    deadline,
    itkMessageId: built.itkMessageId,
    fields: {
      claimedAtMs: '',
      nextAttemptAt: '',
      lastError: '',
      meshMessageId,
      localId,
      itkMessageId: built.itkMessageId,
      sentAt: at.toISOString(),
      deadlineAt: deadline.toISOString(),
    },
    event: sent,
  });
  if (!recorded.ok && recorded.reason === 'conflict' && recorded.version === document.version) {
    // The practice's acknowledgement settled this version while the send was being recorded: the send still
    // happened, and the ledger says so.
    await deps.ledger.append(sent, at);
  }
  return { kind: 'sent', meshMessageId, adopted };
}

async function fail(deps: SendDocumentDeps, document: EpisodeDocumentRecord, reason: string): Promise<SendDecision> {
  const at = deps.now();
  await deps.documents.step(document.id, {
    version: document.version,
    from: ['sending'],
    status: 'failed',
    now: at,
    deadline: null,
    fields: { claimedAtMs: '', lastError: reason },
    event: {
      type: 'document-failed',
      messageId: document.id,
      endpoint: document.endpoint,
      practice: document.practice,
      version: document.version,
      reason,
      at: at.toISOString(),
    },
  });
  return { kind: 'failed', reason };
}
