/**
 * POST /v1/referrals, /v1/goals, /v1/outcome-notes, /v1/support-plans and /v1/connections: the link-worker
 * systems' way in. The route only translates HTTP to the intake function and its result back to HTTP.
 */
import type { Request, Response, Router } from 'express';
import express from 'express';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { AuditLedger } from '../../store/ledger';
import type { RejectionStatus } from '../../app/rejections';
import { recordRejection } from '../../app/rejections';
import type { IntakeDeps } from '../../app/intake';
import { acceptMessage } from '../../app/intake';
import type { MessageKind } from '../../messages/schemas';
import type { Metrics } from '../../observability/metrics';
import { operationOutcome } from '../../lib/outcome';
import { requestPrincipal } from '../auth';
import { httpError, sendOutcome } from '../errors';

export const INGEST_PATHS: Readonly<Record<MessageKind, string>> = {
  referral: '/v1/referrals',
  goal: '/v1/goals',
  'outcome-note': '/v1/outcome-notes',
  'support-plan': '/v1/support-plans',
  connection: '/v1/connections',
};

const JSON_TYPES = ['application/json', 'application/fhir+json'];

export interface IngestRouteDeps extends IntakeDeps {
  readonly metrics: Metrics;
  readonly bodyLimitBytes: number;
  readonly statusUrl: (req: Request, messageId: string) => string;
  /** Refused submissions are recorded here as `rejected` entries (paths and issue codes, no values). */
  readonly ledger: AuditLedger;
}

/**
 * The request's X-Request-Id (set or echoed by the app), when it is one printable token of at most 128 characters:
 * a client-chosen value goes into the ledger only if it cannot carry free text.
 */
function requestIdOf(res: Response): string | undefined {
  const value = res.getHeader('x-request-id');
  return typeof value === 'string' && /^[\x21-\x7e]{1,128}$/.test(value) ? value : undefined;
}

export function ingestRouter(deps: IngestRouteDeps): Router {
  const router = express.Router();
  const parseJson = express.json({ limit: deps.bodyLimitBytes, type: JSON_TYPES, strict: false });
  for (const [kind, path] of Object.entries(INGEST_PATHS) as [MessageKind, string][]) {
    router.post(
      path,
      (req, _res, next) => {
        if (req.is(JSON_TYPES) === false || req.get('content-type') === undefined) {
          next(httpError('media-type-unsupported', { text: 'The body must be JSON (Content-Type: application/json)' }));
          return;
        }
        next();
      },
      parseJson,
      async (req: Request, res: Response) => {
        const header = req.get('idempotency-key');
        if (header !== undefined && (header.length === 0 || header.length > 255)) {
          throw httpError('idempotency-key-invalid', {
            text: 'Idempotency-Key must be 1 to 255 characters',
            expression: 'Idempotency-Key',
          });
        }
        const principal = requestPrincipal(res);
        const clientId = principal.clientId;
        const requestId = requestIdOf(res);
        // A rejection that cannot be recorded (Redis down) is logged; the client still gets its answer.
        const rejected = async (
          httpStatus: RejectionStatus,
          issues: OperationOutcomeIssue[],
          conflictWith?: string,
        ): Promise<void> => {
          const at = deps.now();
          const body: unknown = req.body;
          await recordRejection(deps.ledger, {
            kind,
            client: clientId,
            httpStatus,
            body,
            issues,
            at,
            ...(conflictWith !== undefined ? { conflictWith } : {}),
            ...(requestId !== undefined ? { requestId } : {}),
          }).catch((error: unknown) => {
            deps.logger.warn({ err: error, kind, httpStatus }, 'rejection not recorded in the audit ledger');
          });
        };
        const result = await acceptMessage(
          kind,
          req.body,
          {
            clientId,
            scope: principal,
            ...(header !== undefined ? { idempotencyKey: header } : {}),
            ...(requestId !== undefined ? { requestId } : {}),
          },
          deps,
        );
        switch (result.kind) {
          case 'invalid':
            deps.metrics.messagesRejected.inc({ kind, reason: 'invalid' });
            await rejected(400, result.issues);
            sendOutcome(res, 400, operationOutcome(result.issues));
            return;
          case 'forbidden':
            // Recorded, so the practice's auditors see attempts on records that are not the client's.
            deps.metrics.messagesRejected.inc({ kind, reason: 'forbidden' });
            await rejected(403, result.issues);
            sendOutcome(res, 403, operationOutcome(result.issues));
            return;
          case 'consent-withdrawn':
            deps.metrics.messagesRejected.inc({ kind, reason: 'consent-withdrawn' });
            await rejected(409, result.issues);
            sendOutcome(res, 409, operationOutcome(result.issues));
            return;
          case 'no-endpoint': {
            deps.metrics.messagesRejected.inc({ kind, reason: 'no-endpoint' });
            const answer = httpError('practice-without-endpoint', {
              text: `No EHR endpoint is configured for GP practice ${result.practice}`,
              expression: 'gpPractice.odsCode',
            });
            await rejected(422, answer.outcome.issue);
            throw answer;
          }
          case 'conflict': {
            deps.metrics.messagesRejected.inc({ kind, reason: 'conflict' });
            const answer = httpError('identity-conflict', {
              // Identities are the client's own, so the message quoted is always one this client sent.
              text: `A different message was already accepted with this identity (message ${result.id}); send a new source record version or a new Idempotency-Key`,
              expression: 'source',
            });
            await rejected(409, answer.outcome.issue, result.id);
            throw answer;
          }
          case 'accepted': {
            deps.metrics.messagesAccepted.inc({ kind, duplicate: String(result.duplicate) });
            const record = result.duplicate ? await deps.store.get(result.id) : undefined;
            const statusUrl = deps.statusUrl(req, result.id);
            res.setHeader('Location', statusUrl);
            if (result.duplicate) {
              res.setHeader('Idempotent-Replayed', 'true');
            }
            res.status(202).json({
              messageId: result.id,
              status: record?.status ?? 'queued',
              statusUrl,
              // Warnings only: the message is accepted, and the sender learns what PRSB still expects of it.
              ...(result.warnings.length > 0 ? { outcome: operationOutcome(result.warnings) } : {}),
            });
          }
        }
      },
    );
  }
  return router;
}
