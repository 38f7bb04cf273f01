/**
 * Practice IT's view of undelivered work: GET /v1/admin/messages lists messages by status (failed by default),
 * practice, endpoint and time with their reasons; POST /v1/admin/messages/{id}/replay and
 * POST /v1/admin/messages/replay put one failed message, or all matching a filter, back on their queue, recording
 * the client that asked. The routes only translate HTTP to the replay module and back.
 */
import type { Router } from 'express';
import express from 'express';
import { z } from 'zod';
import { StoreUnavailableError } from '../../app/intake';
import { MESSAGE_STATUSES } from '../../messages/record';
import type { MessageFilter, ReplayDeps } from '../../app/replay';
import { findMessages, replayMatching, replayMessage } from '../../app/replay';
import { HttpError, httpError, issue, outcome } from '../errors';
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

function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'query' | 'body'): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new HttpError(
      400,
      outcome(
        result.error.issues.map((problem) =>
          issue('invalid', problem.message, problem.path.length > 0 ? problem.path.join('.') : where),
        ),
      ),
    );
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
async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw error instanceof HttpError ? error : new StoreUnavailableError(error);
  }
}

const MESSAGE_ID = /^[0-9a-f-]{36}$/;

export function adminMessagesRouter(deps: ReplayDeps): Router {
  const router = express.Router();
  const parseJson = express.json({ limit: '16kb', type: ['application/json', 'application/fhir+json'] });

  router.get('/v1/admin/messages', async (req, res) => {
    const query = parse(listQuery, req.query, 'query');
    const page = await guarded(async () => findMessages(deps.store, toFilter(query), query.cursor, query.limit));
    res.json({
      messages: page.records.map(messageView),
      ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
    });
  });

  router.post('/v1/admin/messages/replay', parseJson, async (req, res) => {
    const body = parse(replayBody, req.body, 'body');
    const by = String(res.locals.clientId);
    const result = await guarded(async () => replayMatching(toFilter(body), by, body.max, deps));
    res.status(202).json({ replayed: result.replayed.length, messageIds: result.replayed, more: result.more });
  });

  router.post('/v1/admin/messages/:id/replay', async (req, res) => {
    const id = req.params.id;
    if (!MESSAGE_ID.test(id)) {
      throw httpError(404, 'not-found', `No message with id ${id}`, 'id');
    }
    const by = String(res.locals.clientId);
    const result = await guarded(async () => replayMessage(id, by, deps));
    switch (result.kind) {
      case 'missing':
        throw httpError(404, 'not-found', `No message with id ${id}`, 'id');
      case 'not-failed':
        throw httpError(
          409,
          'business-rule',
          `Only failed messages can be replayed; this one is ${result.status}`,
          'id',
        );
      case 'purged':
        throw httpError(
          409,
          'business-rule',
          `This message cannot be replayed: its body (patient data) was purged under the retention policy at ${result.purgedAt}; ask the sending system to send the record again`,
          'id',
        );
      case 'replayed':
        res.status(202).json({ messageId: id, status: 'queued', replayedBy: by });
    }
  });
  return router;
}
