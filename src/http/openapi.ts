/**
 * The OpenAPI 3 description served at /openapi.json. Request schemas are generated from the same zod schemas the
 * API validates with, so the published contract cannot drift from what is enforced.
 */
import { z } from 'zod';
import { ERROR_CODE_SYSTEM, catalogue } from '../lib/error-catalogue';
import {
  connectionSchema,
  goalSchema,
  outcomeNoteSchema,
  referralSchema,
  supportPlanSchema,
} from '../messages/schemas';
import { adminPaths } from './openapi-admin';
import { auditPaths } from './openapi-audit';
import { INGEST_PATHS } from './routes/ingest';

type JsonObject = Record<string, unknown>;

const operationOutcome: JsonObject = {
  type: 'object',
  description: 'FHIR R4 OperationOutcome: one issue per problem, each naming the JSON path in `expression`.',
  required: ['resourceType', 'issue'],
  properties: {
    resourceType: { const: 'OperationOutcome' },
    issue: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          severity: { type: 'string' },
          code: { type: 'string' },
          details: {
            type: 'object',
            properties: {
              coding: {
                type: 'array',
                description: 'The error code (docs/errors.md), in the system given here.',
                items: {
                  type: 'object',
                  properties: {
                    system: { const: ERROR_CODE_SYSTEM },
                    code: { enum: catalogue().flatMap(([code, entry]) => (entry.surface === 'api' ? [code] : [])) },
                  },
                },
              },
              text: { type: 'string' },
            },
          },
          expression: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

function schemaOf(schema: z.ZodType): JsonObject {
  return z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' });
}

function ingestOperation(summary: string, ref: string): JsonObject {
  const errorResponse = (description: string): JsonObject => ({
    description,
    content: { 'application/fhir+json': { schema: { $ref: '#/components/schemas/OperationOutcome' } } },
  });
  return {
    post: {
      summary,
      security: [{ apiKey: [] }, {}],
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            "Optional client-chosen key, checked as well as the identity (the client's source.system + recordId + " +
            'recordVersion): it never lets a different body in for a version already accepted.',
          schema: { type: 'string', maxLength: 255 },
        },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: ref } } } },
      responses: {
        '202': {
          description: 'Stored durably and queued for delivery (also returned for an identical repeat)',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } },
        },
        '400': errorResponse('Invalid: every problem is listed with its JSON path'),
        '401': errorResponse('Missing or wrong API key'),
        '403': errorResponse('A source.system or GP practice outside the client, or a key without the ingest role'),
        '409': errorResponse(
          'Same identity as an accepted message but different content (identity-conflict), or the person withdrew ' +
            'consent to share with the GP in an accepted version of the referral (consent-withdrawn)',
        ),
        '413': errorResponse('Body larger than the limit'),
        '415': errorResponse('Body is not JSON'),
        '422': errorResponse('No EHR endpoint serves this GP practice'),
        '503': errorResponse('Could not be stored durably; nothing was accepted, retry later'),
      },
    },
  };
}

export function openApiDocument(version: string): JsonObject {
  return {
    openapi: '3.0.3',
    info: {
      title: 'sp-fhir-adapter',
      version,
      description:
        'Accepts social prescribing referrals, goals and outcome notes from link-worker systems and delivers them ' +
        'to the GP practice EHR as FHIR R4 (ServiceRequest, Goal, Observation).',
    },
    paths: {
      [INGEST_PATHS.referral]: ingestOperation('Submit a social prescribing referral', '#/components/schemas/Referral'),
      [INGEST_PATHS.goal]: ingestOperation(
        'Submit a goal from the personalised care and support plan',
        '#/components/schemas/Goal',
      ),
      [INGEST_PATHS['outcome-note']]: ingestOperation(
        'Submit an outcome note for one contact',
        '#/components/schemas/OutcomeNote',
      ),
      [INGEST_PATHS['support-plan']]: ingestOperation(
        'Submit the personalised care and support plan (needs, goals, actions)',
        '#/components/schemas/SupportPlan',
      ),
      [INGEST_PATHS.connection]: ingestOperation(
        'Submit an onward referral or signposting to a community organisation',
        '#/components/schemas/Connection',
      ),
      '/v1/messages/{id}': {
        get: {
          summary: 'Delivery status of an accepted message',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            '200': {
              description:
                'Status, attempts, timestamps and the FHIR resources written; for a referral sent as an episode document over MESH, its episodeDocument (status, version, sendNo, acknowledgements, lastError)',
            },
            '404': { description: 'No such message among those this client sent' },
          },
        },
      },
      ...adminPaths(),
      ...auditPaths(),
      '/openapi.json': {
        get: { summary: 'This description', responses: { '200': { description: 'OpenAPI 3.0 JSON' } } },
      },
      '/health/live': { get: { summary: 'Liveness', responses: { '200': { description: 'The process is up' } } } },
      '/health/ready': {
        get: {
          summary: 'Readiness: Redis reachable and able to take writes (not loading, read-only or out of memory)',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (needs a metrics or admin credential unless the API listens on loopback)',
          security: [{ apiKey: [] }, {}],
          responses: { '200': { description: 'text/plain exposition' }, '401': { description: 'No credential' } },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: "The client's API key (sp-fhir-adapter keys create) or a JWT of the configured issuer",
        },
        basicKey: {
          type: 'http',
          scheme: 'basic',
          description: 'HTTP Basic with the API key as the password, any user name (the audit routes and pages only)',
        },
      },
      schemas: {
        Referral: schemaOf(referralSchema),
        Goal: schemaOf(goalSchema),
        OutcomeNote: schemaOf(outcomeNoteSchema),
        SupportPlan: schemaOf(supportPlanSchema),
        Connection: schemaOf(connectionSchema),
        Accepted: {
          type: 'object',
          required: ['messageId', 'status', 'statusUrl'],
          properties: {
            messageId: { type: 'string', format: 'uuid' },
            status: { type: 'string', enum: ['queued', 'delivering', 'delivered', 'failed', 'superseded'] },
            statusUrl: { type: 'string', format: 'uri' },
            outcome: {
              // OpenAPI 3.0 ignores siblings of a $ref, so the reference is wrapped to keep the description.
              allOf: [{ $ref: '#/components/schemas/OperationOutcome' }],
              description:
                'Present only with warnings (severity warning): what PRSB requires that the message or its episode ' +
                'lacks, e.g. `risks` (code incomplete) when no record of the episode has recorded them. The ' +
                'message is accepted all the same.',
            },
          },
        },
        OperationOutcome: operationOutcome,
      },
    },
  };
}
