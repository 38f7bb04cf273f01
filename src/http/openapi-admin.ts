/**
 * The admin routes' part of the OpenAPI description: listing and replaying failed messages and episode documents.
 * Query parameters and bodies are generated from the zod schemas the routes validate with; the answers are
 * described here, next to the error codes each can carry (docs/errors.md).
 */
import type { JsonObject } from './openapi-parts';
import { body, errorResponse, idParameter, jsonResponse, queryParameters } from './openapi-parts';
import { ADMIN_DOCUMENT_REQUESTS } from './routes/admin-documents';
import { ADMIN_MESSAGE_REQUESTS } from './routes/admin-messages';

/** Answers every admin route can give besides its own. */
const COMMON = {
  '400': errorResponse('A query parameter or body field is wrong: each problem is named (field-*)'),
  '401': errorResponse('No API key, or an unknown one (key-required)'),
  '403': errorResponse('A key without the admin role (key-wrong-role)'),
  '429': errorResponse('Too many admin calls from this client (rate-limited)'),
  '503': errorResponse('The message store is unavailable (store-unavailable)'),
};

const ids = (name: string): JsonObject => ({
  type: 'array',
  items: { type: 'string', format: 'uuid' },
  description: name,
});

const messagesPage = {
  type: 'object',
  required: ['messages'],
  properties: {
    messages: {
      type: 'array',
      description: 'Each message as GET /v1/messages/{id} shows it: status, attempts, last error, OperationOutcome',
      items: { type: 'object' },
    },
    nextCursor: { type: 'integer', description: 'Pass as `cursor` for the next page; absent on the last' },
  },
};

const documentsPage = {
  type: 'object',
  required: ['documents'],
  properties: {
    documents: {
      type: 'array',
      description: 'Each episode document: id, status, version, sendNo, acknowledgements, lastError, practice',
      items: { type: 'object' },
    },
    nextCursor: { type: 'integer', description: 'Pass as `cursor` for the next page; absent on the last' },
  },
};

const admin = [{ apiKey: [] }];

export function adminPaths(): JsonObject {
  const messages = ADMIN_MESSAGE_REQUESTS;
  const documents = ADMIN_DOCUMENT_REQUESTS;
  return {
    '/v1/admin/messages': {
      get: {
        summary: "List messages of one status (failed by default) of the admin's practices, with their reasons",
        security: admin,
        parameters: queryParameters(messages.listQuery),
        responses: { '200': jsonResponse('One page of messages, oldest first', messagesPage), ...COMMON },
      },
    },
    '/v1/admin/messages/replay': {
      post: {
        summary: 'Replay every failed message the filter matches (send {} for all the admin may see), up to max',
        security: admin,
        requestBody: body(messages.replayBody, true),
        responses: {
          '202': jsonResponse('Put back on their queues', {
            type: 'object',
            required: ['replayed', 'messageIds', 'more'],
            properties: {
              replayed: { type: 'integer' },
              messageIds: ids('The messages replayed'),
              more: { type: 'boolean', description: 'More matched than max' },
            },
          }),
          ...COMMON,
          '400': errorResponse('No filter body (field-missing), or a wrong field (field-*)'),
          '415': errorResponse('The filter is not declared as JSON (media-type-unsupported)'),
        },
      },
    },
    '/v1/admin/messages/{id}/replay': {
      post: {
        summary:
          'Replay one failed message; with delivered=true (query or body) and a reason, send a delivered one again',
        security: admin,
        parameters: [
          idParameter('The messageId'),
          { name: 'delivered', in: 'query', required: false, schema: { type: 'string', enum: ['true'] } },
        ],
        requestBody: body(
          messages.deliveredReplayBody,
          false,
          'Only to send a delivered message again (delivered=true): the reason, recorded in the ledger',
        ),
        responses: {
          '202': jsonResponse('Put back on its queue', {
            type: 'object',
            required: ['messageId', 'status', 'replayedBy'],
            properties: {
              messageId: { type: 'string', format: 'uuid' },
              status: { type: 'string', enum: ['queued'] },
              replayedBy: { type: 'string' },
              reason: { type: 'string', description: 'With delivered=true: the reason given' },
            },
          }),
          ...COMMON,
          '404': errorResponse('No such message among those of the admin’s practices (message-not-found)'),
          '409': errorResponse(
            'Not failed (replay-not-failed), not delivered with delivered=true (replay-not-delivered), or its body purged (replay-body-purged)',
          ),
        },
      },
    },
    '/v1/admin/documents': {
      get: {
        summary: "List episode documents of one status (failed by default) of the admin's practices",
        security: admin,
        parameters: queryParameters(documents.listQuery),
        responses: { '200': jsonResponse('One page of episode documents', documentsPage), ...COMMON },
      },
    },
    '/v1/admin/documents/replay': {
      post: {
        summary: 'Send again every failed episode document the filter matches, or with dryRun only count them',
        security: admin,
        requestBody: body(documents.replayBody, true),
        responses: {
          '200': jsonResponse('dryRun: what would be replayed; nothing is', {
            type: 'object',
            required: ['dryRun', 'count', 'documentIds', 'more'],
            properties: {
              dryRun: { type: 'boolean', enum: [true] },
              count: { type: 'integer' },
              documentIds: ids('The documents that would be replayed'),
              more: { type: 'boolean' },
            },
          }),
          '202': jsonResponse('Put back to be sent again', {
            type: 'object',
            required: ['replayed', 'documentIds', 'more'],
            properties: {
              replayed: { type: 'integer' },
              documentIds: ids('The documents replayed'),
              more: { type: 'boolean', description: 'More matched than max' },
            },
          }),
          ...COMMON,
          '400': errorResponse('No filter body (field-missing), or a wrong field (field-*)'),
          '415': errorResponse('The filter is not declared as JSON (media-type-unsupported)'),
        },
      },
    },
    '/v1/admin/documents/{id}/replay': {
      post: {
        summary: 'Send one failed episode document again (same version, next send number)',
        security: admin,
        parameters: [idParameter('The documentId (GET /v1/admin/documents, or the message status)')],
        responses: {
          '202': jsonResponse('Put back to be sent again', {
            type: 'object',
            required: ['documentId', 'status', 'version', 'sendNo', 'replayedBy'],
            properties: {
              documentId: { type: 'string', format: 'uuid' },
              status: { type: 'string', enum: ['pending'] },
              version: { type: 'integer' },
              sendNo: { type: 'integer' },
              replayedBy: { type: 'string' },
            },
          }),
          ...COMMON,
          '404': errorResponse('No such document among those of the admin’s practices (document-not-found)'),
          '409': errorResponse('Not failed: still being sent, or delivered (replay-document-not-failed)'),
        },
      },
    },
  };
}
