/**
 * GET /v1/messages/{id}: where a message is in its journey (queued, delivering, delivered, failed), how many
 * attempts it took, which FHIR resources it produced in the EHR and, for a referral whose endpoint sends episode
 * documents over MESH, where its document is (status, version, acknowledgements, last error). Patient data is
 * never echoed back, and a client sees only its own messages.
 */
import type { Router } from 'express';
import { permits } from '../../config/client-scope';
import express from 'express';
import type { MessageRecord } from '../../messages/record';
import type { MessageStore } from '../../store/message-store';
import type { EpisodeDocumentStore } from '../../store/episode-documents';
import { episodeDocumentId } from '../../store/episode-documents';
import type { DocumentView } from './document-view';
import { documentView } from './document-view';
import { StoreUnavailableError } from '../../app/intake';
import { requestPrincipal } from '../auth';
import { httpError } from '../errors';

export interface MessageView {
  readonly messageId: string;
  readonly kind: MessageRecord['kind'];
  readonly status: MessageRecord['status'];
  readonly attempts: number;
  readonly practice: string;
  readonly endpoint: string;
  readonly source: { readonly system: string; readonly recordId: string; readonly recordVersion: number };
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly deliveredAt?: string;
  readonly nextAttemptAt?: string;
  readonly lastError?: string;
  readonly outcome?: MessageRecord['outcome'];
  readonly resources: MessageRecord['resources'];
  /** When the retention purge removed the message body (patient data); the rest stays. */
  readonly bodyPurgedAt?: string;
  /** The referral's episode document on the Send Document route, once one was asked for. */
  readonly episodeDocument?: DocumentView;
}

export function messageView(record: MessageRecord): MessageView {
  const source = record.message.body.source;
  return {
    messageId: record.id,
    kind: record.kind,
    status: record.status,
    attempts: record.attempts,
    practice: record.practice,
    endpoint: record.endpointId,
    source: { system: source.system, recordId: source.recordId, recordVersion: source.recordVersion },
    receivedAt: record.receivedAt,
    updatedAt: record.updatedAt,
    ...(record.deliveredAt !== undefined ? { deliveredAt: record.deliveredAt } : {}),
    ...(record.nextAttemptAt !== undefined ? { nextAttemptAt: record.nextAttemptAt } : {}),
    ...(record.lastError !== undefined ? { lastError: record.lastError } : {}),
    ...(record.outcome !== undefined ? { outcome: record.outcome } : {}),
    resources: record.resources,
    ...(record.purgedAt !== undefined ? { bodyPurgedAt: record.purgedAt } : {}),
  };
}

const MESSAGE_ID = /^[0-9a-f-]{36}$/;

/** The referral's episode document for the message's endpoint, if one was asked for; other kinds have none. */
async function documentOf(
  documents: EpisodeDocumentStore | undefined,
  record: MessageRecord,
): Promise<DocumentView | undefined> {
  if (documents === undefined || record.message.kind !== 'referral') {
    return undefined;
  }
  const { system, recordId } = record.message.body.source;
  const document = await documents.get(episodeDocumentId(record.endpointId, system, recordId));
  return document === undefined ? undefined : documentView(document);
}

export function messagesRouter(store: MessageStore, documents?: EpisodeDocumentStore): Router {
  const router = express.Router();
  router.get('/v1/messages/:id', async (req, res) => {
    const id = req.params.id;
    let record: MessageRecord | undefined;
    try {
      record = MESSAGE_ID.test(id) ? await store.get(id) : undefined;
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
    const principal = requestPrincipal(res);
    // Another client's message is answered exactly as one that does not exist.
    if (record?.clientId !== principal.clientId || !permits(principal.practices, record.practice)) {
      throw httpError('message-not-found', { text: `No message with id ${id}`, expression: 'id' });
    }
    let document: DocumentView | undefined;
    try {
      document = await documentOf(documents, record);
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
    res.json({ ...messageView(record), ...(document !== undefined ? { episodeDocument: document } : {}) });
  });
  return router;
}
