/**
 * The one error vocabulary at the HTTP edge: every error response is an OperationOutcome with an HTTP status,
 * whether it comes from validation, the body parser, static files, Express's own checks, a missing route, an
 * unavailable store or a defect. Each issue carries its error catalogue code (docs/errors.md), and the status
 * comes from the same catalogue entry. A client's mistake keeps its 4xx status and is logged below error level;
 * only the service's own failures are errors in the log.
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

/**
 * The issuer's key set could not be fetched, so no bearer token can be judged right now. Answered with 503 rather
 * than 401: the caller's token may well be good, and a client told "unauthorised" would drop it and stop retrying.
 */
export class CredentialsUnverifiableError extends Error {
  constructor(cause: unknown) {
    super(`the issuer's JWKS could not be fetched: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'CredentialsUnverifiableError';
  }
}

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

/** Most issues one answer lists; a body with thousands of problems would otherwise make an answer of megabytes. */
export const MAX_ISSUES_PER_ANSWER = 100;

/** The outcome with at most MAX_ISSUES_PER_ANSWER issues, plus one saying how many more were left out. */
export function cappedOutcome(body: OperationOutcome): OperationOutcome {
  const issues = body.issue;
  if (issues.length <= MAX_ISSUES_PER_ANSWER) {
    return body;
  }
  const more = issues.length - MAX_ISSUES_PER_ANSWER;
  const summary: OperationOutcomeIssue = {
    ...errorIssue('too-many-problems', { text: `and ${String(more)} more problems`, expression: '$this' }),
    severity: 'information',
  };
  return { ...body, issue: [...issues.slice(0, MAX_ISSUES_PER_ANSWER), summary] };
}

export function sendOutcome(res: Response, status: number, body: OperationOutcome): void {
  res
    .status(status)
    .type('application/fhir+json')
    .send(JSON.stringify(cappedOutcome(body)));
}

function sendError(res: Response, error: ApiErrorCode, details: ErrorIssueOptions): void {
  sendOutcome(res, apiError(error).httpStatus, operationOutcome([errorIssue(error, details)]));
}

/** What Express, body-parser, serve-static and http-errors put on the errors they raise. */
interface ClientFault {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly statusCode?: unknown;
}

/** The 4xx status a library gave the error, or undefined when it is not a client's mistake. */
function clientStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const { status, statusCode } = error as ClientFault;
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value < 500 ? value : undefined;
}

/** The catalogue code and text of a client's mistake found by the body parser or Express itself. */
function clientFault(type: string, status: number): { error: ApiErrorCode; text: string; expression?: string } {
  switch (type) {
    case 'entity.too.large':
      return { error: 'body-too-large', text: 'The request body is larger than the limit', expression: '$this' };
    case 'entity.parse.failed':
      return { error: 'body-not-json', text: 'The request body is not valid JSON', expression: '$this' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { error: 'encoding-unsupported', text: 'Unsupported body encoding or charset' };
    case 'entity.verify.failed':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return { error: 'request-malformed', text: 'The request body could not be read', expression: '$this' };
    default:
  }
  switch (status) {
    case 403:
      return { error: 'request-forbidden', text: 'This path is never served' };
    case 404:
      return { error: 'route-not-found', text: 'Nothing is served at this path' };
    case 405:
      return { error: 'method-not-allowed', text: 'This path does not take this method' };
    case 413:
      return { error: 'body-too-large', text: 'The request body is larger than the limit', expression: '$this' };
    case 415:
      return { error: 'encoding-unsupported', text: 'Unsupported body encoding or charset' };
    default:
      return {
        error: 'request-malformed',
        // Which part was unreadable, without echoing it: a path or body may hold patient data.
        text:
          type === 'none'
            ? 'The request could not be read (a malformed path, header or body)'
            : 'The request body could not be read (it may be corrupt or not match its Content-Encoding)',
      };
  }
}

/** Maps anything thrown in a route to an OperationOutcome response. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof HttpError) {
      sendOutcome(res, error.status, error.outcome);
      return;
    }
    if (error instanceof CredentialsUnverifiableError) {
      logger.warn({ err: error }, 'bearer token not verifiable: JWKS unreachable');
      res.setHeader('Retry-After', '5');
      sendError(res, 'credentials-unverifiable', {
        text: "The token issuer's signing keys could not be fetched, so the token could not be checked. Retry later.",
      });
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
    const status = clientStatus(error);
    if (status !== undefined) {
      const type = (error as ClientFault).type;
      const fault = clientFault(typeof type === 'string' ? type : 'none', status);
      // The client's mistake, not the service's: no stack, no message (it may quote the path or body).
      logger.info({ status, error: fault.error, method: req.method }, 'request refused');
      // A library's status is kept even when the catalogue entry names another (e.g. 416 for a bad range).
      sendOutcome(res, status, operationOutcome([errorIssue(fault.error, fault)]));
      return;
    }
    logger.error({ err: error }, 'unhandled error in request');
    sendError(res, 'internal-error', { text: 'Internal error' });
  };
}
