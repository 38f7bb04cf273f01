/**
 * Practice IT's view of undelivered work: GET /v1/admin/messages lists messages by status (failed by default),
 * practice, endpoint and time with their reasons; POST /v1/admin/messages/{id}/replay and
 * POST /v1/admin/messages/replay put one failed message, or all matching a filter, back on their queue, recording
 * the client that asked. The routes only translate HTTP to the replay module and back.
 */
import type { RequestHandler, Router } from 'express';
import express from 'express';
import { z } from 'zod';
import { StoreUnavailableError } from '../../app/intake';
import { MESSAGE_STATUSES } from '../../messages/record';
import type { MessageFilter, ReplayDeps } from '../../app/replay';
import { findMessages, replayDeliveredMessage, replayMatching, replayMessage } from '../../app/replay';
import { parseWithOutcome } from '../../lib/zod-outcome';
import type { Scope } from '../../config/client-scope';
import { requestPrincipal } from '../auth';
import { errorIssue } from '../../lib/outcome';
import { HttpError, badRequest, httpError } from '../errors';
import { messageView } from './messages';

const MAX_REPLAY_PER_CALL = 10_000;

const filterFields = {
  practice: z.string().min(1).max(20).optional(),
  endpoint: z.string().min(1).max(40).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
};

const listQuery = z.strictObject({
  ...filterFields,
  status: z.enum(MESSAGE_STATUSES).default('failed'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(0).default(0),
});

const replayBody = z.strictObject({
  ...filterFields,
  max: z.number().int().min(1).max(MAX_REPLAY_PER_CALL).default(MAX_REPLAY_PER_CALL),
});

/** Query parameters are named by their name alone (`since`), body fields by their path in the body. */
function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = parseWithOutcome(schema, value);
  if (!result.ok) {
    throw badRequest(result.issues);
  }
  return result.data;
}

function toFilter(input: {
  status?: MessageFilter['status'];
  practice?: string | undefined;
  endpoint?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}): MessageFilter {
  return {
    status: input.status ?? 'failed',
    ...(input.practice !== undefined ? { practice: input.practice } : {}),
    ...(input.endpoint !== undefined ? { endpoint: input.endpoint } : {}),
    ...(input.since !== undefined ? { since: new Date(input.since) } : {}),
    ...(input.until !== undefined ? { until: new Date(input.until) } : {}),
  };
}

/** Runs a store operation, turning a Redis failure into the API's 503. */
export async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw error instanceof HttpError ? error : new StoreUnavailableError(error);
  }
}

const MESSAGE_ID = /^[0-9a-f-]{36}$/;
export const JSON_TYPES = ['application/json', 'application/fhir+json'];

/**
 * A bulk replay acts on every practice's failed messages (or documents), so its filter must be read exactly as
 * sent: a body not declared as JSON (415), or no body at all (400), is refused rather than taken as "no filter".
 */
export const requireJsonFilter: RequestHandler = (req, _res, next) => {
  if (req.get('content-type') === undefined || req.is(JSON_TYPES) === false) {
    next(
      httpError('media-type-unsupported', {
        text: 'The replay filter must be a JSON object (Content-Type: application/json); send {} to replay everything that failed',
      }),
    );
    return;
  }
  // The JSON parser reads an empty body as {}, which would be "every failed message of every practice".
  const length = req.get('content-length');
  if (length === '0' || (length === undefined && req.get('transfer-encoding') === undefined)) {
    next(
      badRequest([
        errorIssue('field-missing', {
          text: '$this: the replay filter is required; send {} to replay everything that failed',
          expression: '$this',
        }),
      ]),
    );
    return;
  }
  next();
};

/** Sending a delivered message again is asked for explicitly and always says why. */
const deliveredReplayBody = z.strictObject({
  delivered: z.literal(true).optional(),
  reason: z.string().trim().min(1).max(500),
});

const deliveredReplayQuery = z.strictObject({ delivered: z.literal('true').optional() });

/** `?delivered=true`, or `"delivered": true` in the body. */
function asksForDelivered(query: unknown, body: unknown): boolean {
  const flag = (value: unknown): boolean =>
    typeof value === 'object' && value !== null && (value as { delivered?: unknown }).delivered !== undefined;
  return flag(query) || flag(body);
}

/** POST /v1/admin/messages/{id}/replay?delivered=true with `{ "reason": "…" }`. */
async function replayDelivered(
  id: string,
  input: { query: unknown; body: unknown },
  by: string,
  deps: ReplayDeps,
  allowedPractices: Scope,
): Promise<{ messageId: string; status: 'queued'; replayedBy: string; reason: string }> {
  // Validated for its problems alone: `delivered=false` or another parameter is a 400 naming it.
  parse(deliveredReplayQuery, input.query);
  const body = parse(deliveredReplayBody, input.body);
  const result = await guarded(async () => replayDeliveredMessage(id, by, body.reason, deps, allowedPractices));
  switch (result.kind) {
    case 'missing':
      throw httpError('message-not-found', { text: `No message with id ${id}`, expression: 'id' });
    case 'not-delivered':
      throw httpError('replay-not-delivered', {
        text: `Only delivered messages can be replayed with delivered=true; this one is ${result.status}`,
        expression: 'id',
      });
    case 'purged':
      throw httpError('replay-body-purged', {
        text: `This message cannot be replayed: its body (patient data) was purged under the retention policy at ${result.purgedAt}; ask the sending system to send the record again`,
        expression: 'id',
      });
    case 'replayed':
      return { messageId: id, status: 'queued', replayedBy: by, reason: body.reason };
  }
}

export function adminMessagesRouter(deps: ReplayDeps): Router {
  const router = express.Router();
  const parseJson = express.json({ limit: '16kb', type: JSON_TYPES });

  router.get('/v1/admin/messages', async (req, res) => {
    const query = parse(listQuery, req.query);
    const filter = { ...toFilter(query), allowedPractices: requestPrincipal(res).practices };
    const page = await guarded(async () => findMessages(deps.store, filter, query.cursor, query.limit));
    res.json({
      messages: page.records.map(messageView),
      ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    });
  });

  router.post('/v1/admin/messages/replay', requireJsonFilter, parseJson, async (req, res) => {
    const body = parse(replayBody, req.body);
    const by = String(res.locals.clientId);
    const filter = { ...toFilter(body), allowedPractices: requestPrincipal(res).practices };
    const result = await guarded(async () => replayMatching(filter, by, body.max, deps));
    res.status(202).json({ replayed: result.replayed.length, messageIds: result.replayed, more: result.more });
  });

  router.post('/v1/admin/messages/:id/replay', parseJson, async (req, res) => {
    const id = req.params.id;
    if (!MESSAGE_ID.test(id)) {
      throw httpError('message-not-found', { text: `No message with id ${id}`, expression: 'id' });
    }
    const by = String(res.locals.clientId);
    if (asksForDelivered(req.query, req.body)) {
      res
        .status(202)
        .json(
          await replayDelivered(id, { query: req.query, body: req.body }, by, deps, requestPrincipal(res).practices),
        );
      return;
    }
    const result = await guarded(async () => replayMessage(id, by, deps, requestPrincipal(res).practices));
    switch (result.kind) {
      case 'missing':
        throw httpError('message-not-found', { text: `No message with id ${id}`, expression: 'id' });
      case 'not-failed':
        throw httpError('replay-not-failed', {
          text: `Only failed messages can be replayed; this one is ${result.status}`,
          expression: 'id',
        });
      case 'purged':
        throw httpError('replay-body-purged', {
          text: `This message cannot be replayed: its body (patient data) was purged under the retention policy at ${result.purgedAt}; ask the sending system to send the record again`,
          expression: 'id',
        });
      case 'replayed':
        res.status(202).json({ messageId: id, status: 'queued', replayedBy: by });
    }
  });
  return router;
}

/** The request shapes, for the OpenAPI description (which is generated from them, so it cannot drift). */
export const ADMIN_MESSAGE_REQUESTS = { listQuery, replayBody, deliveredReplayBody };
