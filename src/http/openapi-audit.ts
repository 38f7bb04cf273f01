/**
 * The audit routes' part of the OpenAPI description: message search, a message's timeline, the reconciliation
 * report, the ledger export, AuditEvents and the ledger's verification, each for a client with the auditor role.
 * Query parameters are generated from the zod schemas the routes validate with; the answers are described here,
 * next to the error codes each can carry (docs/errors.md).
 */
import type { JsonObject } from './openapi-parts';
import { errorResponse, idParameter, jsonResponse, queryParameters } from './openapi-parts';
import { AUDIT_REQUESTS } from './routes/audit';

/** Answers every audit route can give besides its own. */
const COMMON = {
  '400': errorResponse('A query parameter is wrong or not one of the route (field-*): each problem is named'),
  '401': errorResponse('No API key, or an unknown one (key-required)'),
  '403': errorResponse(
    "A key without the auditor role (key-wrong-role), or a practice outside the auditor's client (client-not-permitted)",
  ),
  '429': errorResponse('Too many audit calls from this client (rate-limited)'),
};

/** The key as a bearer token, or as the password of HTTP Basic (the dashboard's pages share these credentials). */
const auditor = [{ apiKey: [] }, { basicKey: [] }];

const formatParameter: JsonObject = {
  name: 'format',
  in: 'query',
  required: false,
  description: 'json (default), csv or ndjson; csv and ndjson come as an attachment',
  schema: { type: 'string', enum: ['json', 'csv', 'ndjson'], default: 'json' },
};

/** A JSON answer that can also be asked for as CSV or NDJSON. */
function tabular(description: string, schema: JsonObject): JsonObject {
  return {
    description,
    content: {
      'application/json': { schema },
      'text/csv': { schema: { type: 'string' } },
      'application/x-ndjson': { schema: { type: 'string' } },
    },
  };
}

const summary = {
  type: 'object',
  description:
    'A message as the ledger knows it: ids, kind, status, practice, endpoint, client, source record and version, ' +
    'times, attempts and last error (no clinical content)',
};

function operation(summaryText: string, parameters: JsonObject[], responses: JsonObject): JsonObject {
  return {
    get: {
      summary: `${summaryText}; recorded in the ledger as audit-access, with who asked`,
      security: auditor,
      parameters,
      responses: { ...responses, ...COMMON },
    },
  };
}

export function auditPaths(): JsonObject {
  const requests = AUDIT_REQUESTS;
  return {
    '/v1/audit/messages': operation(
      'Search messages by id, source record, NHS number, practice, endpoint, status or receive time',
      queryParameters(requests.searchQuery, 'input'),
      {
        '200': jsonResponse('One page of matching messages, newest first', {
          type: 'object',
          required: ['total', 'page', 'pageSize', 'items'],
          properties: {
            total: { type: 'integer' },
            page: { type: 'integer' },
            pageSize: { type: 'integer' },
            items: { type: 'array', items: summary },
          },
        }),
      },
    ),
    '/v1/audit/messages/{id}': operation(
      'One message and its timeline of ledger entries',
      [idParameter('The messageId')],
      {
        '200': jsonResponse('The message and every ledger entry about it, oldest first', {
          type: 'object',
          required: ['message', 'timeline'],
          properties: {
            message: summary,
            timeline: {
              type: 'array',
              items: {
                type: 'object',
                description: "A ledger entry: seq, id, type, the event's fields, prev and hash",
              },
            },
          },
        }),
        '404': errorResponse('No such message among those of the auditor’s practices (message-not-found)'),
      },
    ),
    '/v1/audit/reconciliation': operation(
      "A practice's reconciliation for a period: counts, undelivered and refused messages, version gaps, documents",
      [...queryParameters(requests.reconciliationQuery, 'input'), formatParameter],
      {
        '200': tabular('The report (as CSV or NDJSON, its rows)', {
          type: 'object',
          required: ['practice', 'from', 'to', 'generatedAt', 'counts', 'undelivered', 'rejected', 'gaps', 'documents'],
        }),
      },
    ),
    '/v1/audit/ledger': operation(
      'The ledger entries of a period, of one type or all (at most 100,000)',
      [...queryParameters(requests.ledgerQuery, 'input'), formatParameter],
      {
        '200': tabular('The entries, oldest first (as CSV or NDJSON, one per row)', {
          type: 'object',
          required: ['entries'],
          properties: { entries: { type: 'array', items: { type: 'object' } } },
        }),
      },
    ),
    '/v1/audit/audit-events': operation(
      'The deliveries of a period as IHE BALP AuditEvents (at most 100,000 ledger entries)',
      queryParameters(requests.auditEventQuery, 'input'),
      {
        '200': {
          description: 'A FHIR R4 Bundle (type collection) of AuditEvents',
          content: { 'application/fhir+json': { schema: { type: 'object', required: ['resourceType', 'type'] } } },
        },
      },
    ),
    '/v1/audit/verify': operation('Verify the ledger’s hash chain from its first entry', [], {
      '200': jsonResponse('Whether the chain verifies, how far, and the first broken link if any', {
        type: 'object',
        required: ['ok', 'checkedAt', 'entries', 'headSeq', 'lastGoodSeq', 'rule1Entries'],
        properties: {
          ok: { type: 'boolean' },
          entries: { type: 'integer' },
          headSeq: { type: 'integer' },
          lastGoodSeq: { type: 'integer' },
          firstBroken: { type: 'object' },
        },
      }),
    }),
  };
}
