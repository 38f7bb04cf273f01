/**
 * Practice IT's view of episode documents sent by GP Connect Send Document: GET /v1/admin/documents lists them by
 * status (failed by default), practice and endpoint with their acknowledgements and last error;
 * POST /v1/admin/documents/{id}/replay and POST /v1/admin/documents/replay send one failed document, or every one
 * a filter matches (or with `dryRun` only count them), again, recording the client that asked. Like the message
 * replay, an admin sees and replays only the documents of its own practices.
 */
import type { Router } from 'express';
import express from 'express';
import { z } from 'zod';
import type { ReplayDocumentDeps } from '../../app/replay-document';
import { failedDocuments, findDocuments, replayDocument, replayMatchingDocuments } from '../../app/replay-document';
import { parseWithOutcome } from '../../lib/zod-outcome';
import { documentView } from './document-view';
import { DOCUMENT_STATUSES } from '../../store/document-scripts';
import { requestPrincipal } from '../auth';
import { badRequest, httpError } from '../errors';
import { JSON_TYPES, guarded, requireJsonFilter } from './admin-messages';

const MAX_REPLAY_PER_CALL = 10_000;

const listQuery = z.strictObject({
  status: z.enum(DOCUMENT_STATUSES).default('failed'),
  practice: z.string().min(1).max(20).optional(),
  endpoint: z.string().min(1).max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(0).default(0),
});

const replayBody = z.strictObject({
  practice: z.string().min(1).max(20).optional(),
  endpoint: z.string().min(1).max(40).optional(),
  max: z.number().int().min(1).max(MAX_REPLAY_PER_CALL).default(MAX_REPLAY_PER_CALL),
  /** Count and list what would be replayed, and replay nothing. */
  dryRun: z.boolean().default(false),
});

/** The request shapes, for the OpenAPI description. */
export const ADMIN_DOCUMENT_REQUESTS = { listQuery, replayBody };

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = parseWithOutcome(schema, value);
  if (!result.ok) {
    throw badRequest(result.issues);
  }
  return result.data;
}

const DOCUMENT_ID = /^[0-9a-f-]{36}$/;

export function adminDocumentsRouter(deps: ReplayDocumentDeps): Router {
  const router = express.Router();
  const parseJson = express.json({ limit: '16kb', type: JSON_TYPES });

  router.get('/v1/admin/documents', async (req, res) => {
    const query = parse(listQuery, req.query);
    const filter = {
      status: query.status,
      ...(query.practice !== undefined ? { practice: query.practice } : {}),
      ...(query.endpoint !== undefined ? { endpoint: query.endpoint } : {}),
      allowedPractices: requestPrincipal(res).practices,
    };
    const page = await guarded(async () => findDocuments(deps, filter, query.cursor, query.limit));
    res.json({
      documents: page.documents.map(documentView),
      ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    });
  });

  router.post('/v1/admin/documents/replay', requireJsonFilter, parseJson, async (req, res) => {
    const body = parse(replayBody, req.body);
    const by = String(res.locals.clientId);
    const filter = {
      ...(body.practice !== undefined ? { practice: body.practice } : {}),
      ...(body.endpoint !== undefined ? { endpoint: body.endpoint } : {}),
      allowedPractices: requestPrincipal(res).practices,
    };
    if (body.dryRun) {
      const found = await guarded(async () => failedDocuments(deps, filter, body.max));
      res.json({
        dryRun: true,
        count: found.documents.length,
        documentIds: found.documents.map((d) => d.id),
        more: found.more,
      });
      return;
    }
    const result = await guarded(async () => replayMatchingDocuments(deps, filter, by, body.max));
    res.status(202).json({ replayed: result.replayed.length, documentIds: result.replayed, more: result.more });
  });

  router.post('/v1/admin/documents/:id/replay', async (req, res) => {
    const id = req.params.id;
    const by = String(res.locals.clientId);
    const result = DOCUMENT_ID.test(id)
      ? await guarded(async () => replayDocument(deps, id, by, requestPrincipal(res).practices))
      : ({ ok: false, reason: 'not-found' } as const);
    if (result.ok) {
      res
        .status(202)
        .json({ documentId: id, status: 'pending', version: result.version, sendNo: result.sendNo, replayedBy: by });
      return;
    }
    if (result.reason === 'not-found') {
      throw httpError('document-not-found', { text: `No episode document with id ${id}`, expression: 'id' });
    }
    throw httpError('replay-document-not-failed', {
      text: `Only failed episode documents can be replayed; this one is ${result.status ?? 'not failed'}`,
      expression: 'id',
    });
  });
  return router;
}
