/**
 * The one error vocabulary at the HTTP edge: every error response is an OperationOutcome with an HTTP status,
 * whether it comes from validation, the body parser, a missing route, an unavailable store or a defect. Each
 * issue carries its error catalogue code (docs/errors.md), and the status comes from the same catalogue entry.
 */
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ErrorRequestHandler, Response } from 'express';
import { StoreUnavailableError } from '../app/intake';
import type { ApiErrorCode } from '../lib/error-catalogue';
import { apiError } from '../lib/error-catalogue';
import type { ErrorIssueOptions } from '../lib/outcome';
import { errorIssue, operationOutcome } from '../lib/outcome';
import type { Logger } from '../observability/logger';

/** Thrown in a route to answer with this status and OperationOutcome. */
export class HttpError extends OperationOutcomeError {
  constructor(
    readonly status: number,
    outcome: OperationOutcome,
  ) {
    super(outcome);
    this.name = 'HttpError';
  }
}

/** An answer of one catalogued error, with the catalogue's HTTP status. */
export function httpError(error: ApiErrorCode, details: ErrorIssueOptions): HttpError {
  return new HttpError(apiError(error).httpStatus, operationOutcome([errorIssue(error, details)]));
}

/** A 400 listing every problem with the request (field problems, typically from the zod translator). */
export function badRequest(issues: readonly OperationOutcomeIssue[]): HttpError {
  return new HttpError(400, operationOutcome(issues));
}

export function sendOutcome(res: Response, status: number, body: OperationOutcome): void {
  res.status(status).type('application/fhir+json').send(JSON.stringify(body));
}

function sendError(res: Response, error: ApiErrorCode, details: ErrorIssueOptions): void {
  sendOutcome(res, apiError(error).httpStatus, operationOutcome([errorIssue(error, details)]));
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
      sendError(res, 'store-unavailable', {
        text: 'The message could not be stored durably; nothing was accepted. Retry later.',
      });
      return;
    }
    const parserType = (error as BodyParserError).type ?? 'none';
    switch (parserType) {
      case 'entity.too.large':
        sendError(res, 'body-too-large', { text: 'The request body is larger than the limit', expression: '$this' });
        return;
      case 'entity.parse.failed':
        sendError(res, 'body-not-json', { text: 'The request body is not valid JSON', expression: '$this' });
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        sendError(res, 'encoding-unsupported', { text: 'Unsupported body encoding or charset' });
        return;
      default:
        logger.error({ err: error }, 'unhandled error in request');
        sendError(res, 'internal-error', { text: 'Internal error' });
    }
  };
}
