/**
 * The one error vocabulary at the HTTP edge: every error response is an OperationOutcome with an HTTP status,
 * whether it comes from validation, the body parser, a missing route, an unavailable store or a defect.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ErrorRequestHandler, Response } from 'express';
import { StoreUnavailableError } from '../app/intake';
import type { Logger } from '../observability/logger';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
  ) {
    super(outcome.issue[0]?.details?.text ?? `HTTP ${status}`);
    this.name = 'HttpError';
  }
}

export function outcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function issue(
  code: OperationOutcomeIssue['code'],
  text: string,
  expression?: string,
  severity: OperationOutcomeIssue['severity'] = 'error',
): OperationOutcomeIssue {
  return { severity, code, details: { text }, ...(expression !== undefined ? { expression: [expression] } : {}) };
}

export function httpError(
  status: number,
  code: OperationOutcomeIssue['code'],
  text: string,
  expression?: string,
): HttpError {
  return new HttpError(status, outcome([issue(code, text, expression)]));
}

export function sendOutcome(res: Response, status: number, body: OperationOutcome): void {
  res.status(status).type('application/fhir+json').send(JSON.stringify(body));
}

interface BodyParserError {
  readonly type?: string;
  readonly status?: number;
}

/** Maps anything thrown in a route to an OperationOutcome response. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof HttpError) {
      sendOutcome(res, error.status, error.outcome);
      return;
    }
    if (error instanceof StoreUnavailableError) {
      logger.error({ err: error }, 'message store unavailable');
      res.setHeader('Retry-After', '5');
      sendOutcome(
        res,
        503,
        outcome([issue('transient', 'The message could not be stored durably; nothing was accepted. Retry later.')]),
      );
      return;
    }
    const parserType = (error as BodyParserError).type ?? 'none';
    switch (parserType) {
      case 'entity.too.large':
        sendOutcome(res, 413, outcome([issue('too-long', 'The request body is larger than the limit', '$this')]));
        return;
      case 'entity.parse.failed':
        sendOutcome(res, 400, outcome([issue('structure', 'The request body is not valid JSON', '$this')]));
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        sendOutcome(res, 415, outcome([issue('not-supported', 'Unsupported body encoding or charset')]));
        return;
      default:
        logger.error({ err: error }, 'unhandled error in request');
        sendOutcome(res, 500, outcome([issue('exception', 'Internal error')]));
    }
  };
}
