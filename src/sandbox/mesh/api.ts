/**
 * The MESH API v2 routes under /messageexchange: handshake, send (single and chunked), inbox, download (whole or by
 * chunk), acknowledge and outbox tracking. Every request must carry a valid NHSMESH Authorization header for the
 * mailbox in its path and ask for `application/vnd.mesh.v2+json`; response shapes follow the v2 specification.
 */
import express from 'express';
import type { Request, Response } from 'express';
import { sendError, sendValidationError, setDownloadHeaders, trackingOf } from './api-answers';
import {
  MAX_MAX_RESULTS,
  MESH_V2_MEDIA_TYPE,
  MIN_MAX_RESULTS,
  acceptsV2,
  decodeCursor,
  encodeCursor,
  param,
  parseFirstChunkRange,
  parseMaxResults,
  readBody,
  readEnvelope,
} from './api-requests';
import type { MeshAuthVerifier } from './auth';
import { checksumMatches } from './checksum';
import type { DeliveryFailure, MeshMailStore, StoredMessage } from './mail-store';
import type { RegisteredPatient } from './routing';
import { ROUTING_TAG, routeRecipient } from './routing';

export { MESH_V2_MEDIA_TYPE } from './api-requests';
export const MESH_BASE_PATH = '/messageexchange';

const HANDSHAKE_HEADERS = ['mex-clientversion', 'mex-osname', 'mex-osversion'] as const;

export interface MeshApiOptions {
  readonly store: MeshMailStore;
  readonly auth: MeshAuthVerifier;
  /** Largest request body accepted, in bytes; MESH's own limit is 100 MB per request. */
  readonly maxRequestBytes: number;
  /** Patients GPPROVIDER routing values resolve to, by NHS number. */
  readonly patients: ReadonlyMap<string, RegisteredPatient>;
}

type Handler = (req: Request, res: Response, mailbox: string) => Promise<void> | void;

export function meshApiRouter(options: MeshApiOptions): express.Router {
  const { store } = options;
  const router = express.Router();

  // Every route authenticates the mailbox named in its path before doing anything else.
  const authed =
    (handler: Handler) =>
    async (req: Request, res: Response): Promise<void> => {
      if (!acceptsV2(req)) {
        sendError(res, 406, 'ACCEPT', 'NOT_ACCEPTABLE', `this sandbox speaks only ${MESH_V2_MEDIA_TYPE}`);
        return;
      }
      const pathMailbox = param(req, 'mailbox');
      const result = options.auth.verify(req.get('authorization'), pathMailbox);
      if (!result.ok) {
        sendError(res, 403, 'AUTH', '403', `authentication failed: ${result.failure}`);
        return;
      }
      await handler(req, res, result.mailbox);
    };

  const handshake = authed((req, res) => {
    const missing = HANDSHAKE_HEADERS.filter((name) => (req.get(name) ?? '') === '');
    if (missing.length > 0) {
      sendValidationError(
        res,
        missing.map((name) => ({ loc: ['header', name], msg: 'field required' })),
      );
      return;
    }
    res.status(200).end();
  });
  router.get('/:mailbox', handshake);
  router.post('/:mailbox', handshake);

  router.post(
    '/:mailbox/outbox',
    authed(async (req, res, mailbox) => {
      const envelope = readEnvelope(req, mailbox);
      if (!envelope.ok) {
        sendValidationError(res, envelope.problems);
        return;
      }
      const totalChunks = parseFirstChunkRange(req.get('mex-chunk-range'));
      if (totalChunks === undefined) {
        sendValidationError(res, [{ loc: ['header', 'mex-chunk-range'], msg: 'must be 1:n for the first chunk' }]);
        return;
      }
      if (envelope.value.from !== mailbox) {
        sendError(res, 417, 'SEND', '07', 'Invalid From Address, the mailbox does not match the authorization header');
        return;
      }
      const routing = routeRecipient(
        envelope.value.to,
        envelope.value.workflowId,
        options.patients,
        (id) => store.mailbox(id) !== undefined,
      );
      // A routing failure is reported later, in the sender's inbox; the patient details in mex-to are not kept.
      let to: string = ROUTING_TAG;
      let failure: DeliveryFailure | undefined;
      if (routing.kind === 'failed') {
        failure = routing.failure;
      } else {
        const recipient = store.mailbox(routing.mailbox);
        if (recipient === undefined) {
          sendError(res, 417, 'SEND', '12', 'Unregistered to address');
          return;
        }
        if (recipient.receives !== undefined && !recipient.receives.includes(envelope.value.workflowId)) {
          sendError(res, 417, 'SEND', '17', 'Workflow ID not registered for mailbox');
          return;
        }
        to = recipient.id.toUpperCase();
      }
      const body = await readBody(req, options.maxRequestBytes);
      if (body === undefined) {
        sendError(res, 413, 'SEND', 'TOO_LARGE', `a request may carry at most ${options.maxRequestBytes} bytes`);
        return;
      }
      const message = store.start({ ...envelope.value, to }, totalChunks, body, failure);
      if (totalChunks === 1 && !finishIfIntact(store, message, res)) {
        return;
      }
      res
        .status(202)
        .type(MESH_V2_MEDIA_TYPE)
        .send(JSON.stringify({ message_id: message.messageId }));
    }),
  );

  router.post(
    '/:mailbox/outbox/:messageId/:chunkNo',
    authed(async (req, res, mailbox) => {
      const messageId = param(req, 'messageId');
      const chunkNo = Number(param(req, 'chunkNo'));
      const range = req.get('mex-chunk-range');
      const started = store.sent(mailbox, messageId);
      if (started === undefined) {
        sendError(res, 404, 'SEND', 'NOT_FOUND', 'message does not exist', messageId);
        return;
      }
      if (!Number.isInteger(chunkNo) || chunkNo < 2 || chunkNo > started.totalChunks) {
        sendValidationError(res, [{ loc: ['path', 'chunk_number'], msg: `must be 2 to ${started.totalChunks}` }]);
        return;
      }
      if (range !== undefined && range !== `${chunkNo}:${started.totalChunks}`) {
        sendValidationError(res, [
          { loc: ['header', 'mex-chunk-range'], msg: `must be ${chunkNo}:${started.totalChunks} for this chunk` },
        ]);
        return;
      }
      const body = await readBody(req, options.maxRequestBytes);
      if (body === undefined) {
        sendError(res, 413, 'SEND', 'TOO_LARGE', `a request may carry at most ${options.maxRequestBytes} bytes`);
        return;
      }
      const result = store.addChunk(mailbox, messageId, chunkNo, body);
      switch (result.kind) {
        case 'not-found':
          sendError(res, 404, 'SEND', 'NOT_FOUND', 'message does not exist', messageId);
          return;
        case 'finalised':
          sendError(
            res,
            423,
            'SEND',
            'FINALISED',
            'message has been finalised; no more chunks can be uploaded',
            messageId,
          );
          return;
        case 'out-of-order':
          sendValidationError(res, [
            { loc: ['path', 'chunk_number'], msg: `chunk ${result.expected} is expected next` },
          ]);
          return;
        case 'stored':
          if (result.complete && !finishIfIntact(store, result.message, res)) {
            return;
          }
          res
            .status(202)
            .type(MESH_V2_MEDIA_TYPE)
            .send(JSON.stringify({ message_id: messageId }));
      }
    }),
  );

  router.get(
    '/:mailbox/inbox',
    authed((req, res, mailbox) => {
      const maxResults = parseMaxResults(req.query.max_results);
      if (maxResults === undefined) {
        sendValidationError(res, [
          { loc: ['query', 'max_results'], msg: `must be an integer from ${MIN_MAX_RESULTS} to ${MAX_MAX_RESULTS}` },
        ]);
        return;
      }
      const all = store.inbox(mailbox);
      const continueFrom =
        typeof req.query.continue_from === 'string' ? decodeCursor(req.query.continue_from) : undefined;
      const start = continueFrom === undefined ? 0 : all.indexOf(continueFrom) + 1;
      const page = all.slice(start, start + maxResults);
      const self = `${MESH_BASE_PATH}/${mailbox}/inbox?max_results=${maxResults}`;
      const last = page.at(-1);
      const links: Record<string, string> = { self };
      if (last !== undefined && start + page.length < all.length) {
        links.next = `${self}&continue_from=${encodeURIComponent(encodeCursor(last))}`;
      }
      res
        .status(200)
        .type(MESH_V2_MEDIA_TYPE)
        .send(JSON.stringify({ messages: page, links, approx_inbox_count: all.length }));
    }),
  );

  const download = (chunkFrom: (req: Request) => number): express.RequestHandler =>
    authed((req, res, mailbox) => {
      const messageId = param(req, 'messageId');
      const message = store.delivered(mailbox, messageId);
      if (message === undefined) {
        sendError(res, 404, 'DOWNLOAD', 'NOT_FOUND', 'message does not exist', messageId);
        return;
      }
      if (message.status === 'acknowledged') {
        sendError(res, 410, 'DOWNLOAD', 'GONE', 'message has already been acknowledged', messageId);
        return;
      }
      const chunkNo = chunkFrom(req);
      const chunk = Number.isInteger(chunkNo) ? message.chunks[chunkNo - 1] : undefined;
      if (chunk === undefined) {
        sendError(res, 404, 'DOWNLOAD', 'NOT_FOUND', `message has no chunk ${param(req, 'chunkNo')}`, messageId);
        return;
      }
      setDownloadHeaders(res, message, chunkNo);
      res.status(chunkNo < message.totalChunks ? 206 : 200).send(chunk);
    });
  router.get(
    '/:mailbox/inbox/:messageId',
    download(() => 1),
  );
  router.get(
    '/:mailbox/inbox/:messageId/:chunkNo',
    download((req) => Number(param(req, 'chunkNo'))),
  );

  router.put(
    '/:mailbox/inbox/:messageId/status/acknowledged',
    authed((req, res, mailbox) => {
      const messageId = param(req, 'messageId');
      const message = store.delivered(mailbox, messageId);
      if (message === undefined) {
        sendError(res, 404, 'ACK', 'NOT_FOUND', 'message does not exist', messageId);
        return;
      }
      // Acknowledging twice is harmless: a client that lost the first answer may safely repeat it.
      store.acknowledge(mailbox, messageId);
      res.status(200).end();
    }),
  );

  router.get(
    '/:mailbox/outbox/tracking',
    authed((req, res, mailbox) => {
      const messageId = typeof req.query.messageID === 'string' ? req.query.messageID : '';
      if (messageId === '') {
        sendValidationError(res, [{ loc: ['query', 'messageID'], msg: 'field required' }]);
        return;
      }
      const message = store.sent(mailbox, messageId);
      if (message === undefined) {
        sendError(res, 404, 'TRACK', 'NOT_FOUND', 'message does not exist', messageId);
        return;
      }
      res
        .status(200)
        .type(MESH_V2_MEDIA_TYPE)
        .send(JSON.stringify(trackingOf(message, store)));
    }),
  );

  // Deprecated in the specification in favour of ?messageID=, but still served: 300 when the local id is not unique.
  router.get(
    '/:mailbox/outbox/tracking/:localId',
    authed((req, res, mailbox) => {
      const matches = store.sentWithLocalId(mailbox, param(req, 'localId'));
      const [only] = matches;
      if (only === undefined) {
        sendError(res, 404, 'TRACK', 'NOT_FOUND', 'no message has this local id');
        return;
      }
      if (matches.length > 1) {
        sendError(res, 300, 'TRACK', 'MULTIPLE', 'the local id is not unique');
        return;
      }
      res
        .status(200)
        .type(MESH_V2_MEDIA_TYPE)
        .send(JSON.stringify(trackingOf(only, store)));
    }),
  );

  return router;
}

/** Delivers a fully uploaded message unless its checksum says it arrived damaged; false when it answered. */
function finishIfIntact(store: MeshMailStore, message: StoredMessage, res: Response): boolean {
  if (message.checksum !== undefined && checksumMatches(message.checksum, Buffer.concat(message.chunks)) === false) {
    store.discard(message.messageId);
    sendError(
      res,
      417,
      'SEND',
      'CHECKSUM',
      'mex-content-checksum does not match the message content',
      message.messageId,
    );
    return false;
  }
  store.finish(message);
  return true;
}
