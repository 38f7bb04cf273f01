/**
 * Every error the API and the command line can report, each with a stable code that clients may branch on, the
 * HTTP status (or exit status) it comes with, what it means and what to do about it. docs/errors.md lists the
 * same entries; test/unit/lib/error-catalogue.test.ts fails when the two disagree.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/** The CodeSystem of the codes below, as carried in an OperationOutcome issue's `details.coding`. */
export const ERROR_CODE_SYSTEM = 'https://sp-fhir-adapter.org/fhir/CodeSystem/error';

interface ApiError {
  /** A few words naming the error: the display of its code in the CodeSystem. */
  readonly title: string;
  /** The HTTP status of a response carrying this error. */
  readonly httpStatus: number;
  /** The FHIR issue type (`issue.code`) of an issue carrying this error. */
  readonly issueType: OperationOutcomeIssue['code'];
  readonly meaning: string;
  readonly action: string;
}

interface CliError {
  readonly title: string;
  /** The process exit status of a command stopped by this error. */
  readonly exitStatus: number;
  readonly meaning: string;
  readonly action: string;
}

const API_ERRORS = {
  'field-missing': {
    title: 'Required field missing',
    httpStatus: 400,
    issueType: 'required',
    meaning: 'A required field or query parameter is absent, or the value of another field makes this one required.',
    action: 'Send the field named in `expression`.',
  },
  'field-wrong-type': {
    title: 'Field of the wrong type',
    httpStatus: 400,
    issueType: 'structure',
    meaning: 'A field or query parameter is present but of the wrong JSON type; the text says what was expected.',
    action: 'Send the field named in `expression` with the expected type.',
  },
  'field-unknown': {
    title: 'Unknown field',
    httpStatus: 400,
    issueType: 'structure',
    meaning: 'A field or query parameter that the API does not define was sent.',
    action: 'Remove it, or check its spelling against the OpenAPI description.',
  },
  'field-invalid': {
    title: 'Invalid value',
    httpStatus: 400,
    issueType: 'value',
    meaning:
      'A value fails a check: format, length, range, allowed values, a date in the future or out of order, a duplicate or dangling key.',
    action: 'Correct the value named in `expression`; the text says which check failed.',
  },
  'rule-violated': {
    title: 'Rule about the record broken',
    httpStatus: 400,
    issueType: 'business-rule',
    meaning:
      'The message breaks a rule about the history of the record, e.g. a status that cannot follow the latest one.',
    action: 'Send a status that can follow the previous one, or a new record; the text gives the reason.',
  },
  'body-not-json': {
    title: 'Body is not JSON',
    httpStatus: 400,
    issueType: 'structure',
    meaning: 'The request body is not valid JSON.',
    action: 'Send a well-formed JSON document.',
  },
  'idempotency-key-invalid': {
    title: 'Invalid Idempotency-Key',
    httpStatus: 400,
    issueType: 'invalid',
    meaning: 'The `Idempotency-Key` header is empty or longer than 255 characters.',
    action: 'Send a key of 1 to 255 characters, or no header.',
  },
  'request-malformed': {
    title: 'Request cannot be read',
    httpStatus: 400,
    issueType: 'invalid',
    meaning:
      'The request cannot be read: a path with malformed percent-encoding, a compressed body that does not decompress, or a similar fault in the request itself. A conditional or range request that cannot be met carries this code with its own 4xx status.',
    action: 'Fix the request; the text says which part could not be read.',
  },
  'too-many-problems': {
    title: 'More problems than listed',
    httpStatus: 400,
    issueType: 'informational',
    meaning:
      'The request has more problems than one answer lists (100); this last issue says how many more were left out.',
    action: 'Fix the problems listed and send the request again to see the rest.',
  },
  'key-required': {
    title: 'API key required',
    httpStatus: 401,
    issueType: 'login',
    meaning: 'No API key, or an unknown one, was presented.',
    action: 'Send a valid key of the role the endpoint needs (`Authorization: Bearer <key>` or `X-API-Key`).',
  },
  'key-wrong-role': {
    title: 'API key of another role',
    httpStatus: 403,
    issueType: 'forbidden',
    meaning: 'The key is valid but belongs to another role (ingest, admin or auditor).',
    action: 'Use a key of the role named in the text.',
  },
  'client-not-permitted': {
    title: "Outside the client's scope",
    httpStatus: 403,
    issueType: 'forbidden',
    meaning: 'The client may not submit under this `source.system`, or for or about this GP practice.',
    action:
      "Submit only under your own source systems and for your practices; ask the operator to change the client's configuration.",
  },
  'request-forbidden': {
    title: 'Path never served',
    httpStatus: 403,
    issueType: 'forbidden',
    meaning:
      "The path asks for something that is never served, such as a hidden file or a path outside the dashboard's assets.",
    action: 'Request only the paths the API and the dashboard link to.',
  },
  'message-not-found': {
    title: 'No such message',
    httpStatus: 404,
    issueType: 'not-found',
    meaning: 'No message has the id in the path.',
    action: 'Check the id: it is the `messageId` returned when the message was accepted.',
  },
  'document-not-found': {
    title: 'No such episode document',
    httpStatus: 404,
    issueType: 'not-found',
    meaning: 'No episode document has the id in the path, or it belongs to a GP practice this client may not see.',
    action: 'Check the id: it is the `documentId` that `GET /v1/admin/documents` and the message status give.',
  },
  'route-not-found': {
    title: 'No such route',
    httpStatus: 404,
    issueType: 'not-found',
    meaning: 'No API route exists for this method and path.',
    action: 'Check the method and path against the OpenAPI description at `/openapi.json`.',
  },
  'method-not-allowed': {
    title: 'Method not allowed',
    httpStatus: 405,
    issueType: 'not-supported',
    meaning: 'The path exists, but not for this HTTP method (e.g. a POST to a dashboard asset).',
    action: 'Use the method the OpenAPI description gives for the path.',
  },
  'identity-conflict': {
    title: 'Identity already used',
    httpStatus: 409,
    issueType: 'duplicate',
    meaning:
      'A different message was already accepted with the same identity (source record version or `Idempotency-Key`).',
    action: 'Send a new source record version, or a new `Idempotency-Key`.',
  },
  'consent-withdrawn': {
    title: 'Consent to share withdrawn',
    httpStatus: 409,
    issueType: 'business-rule',
    meaning:
      'The person withdrew consent to share with their GP practice in an accepted version of the referral, so no later record of the episode may reach the GP record.',
    action:
      'Do not send the episode to the GP; if the person agrees to share again, send a newer referral version with `consent.gpPractice` "given" first.',
  },
  'replay-not-failed': {
    title: 'Message not failed',
    httpStatus: 409,
    issueType: 'business-rule',
    meaning: 'Only failed messages can be replayed; this one is in another status.',
    action: 'None needed for a queued or delivered message; check its status with `GET /v1/messages/{id}`.',
  },
  'replay-document-not-failed': {
    title: 'Episode document not failed',
    httpStatus: 409,
    issueType: 'business-rule',
    meaning: 'Only failed episode documents can be replayed; this one is still on its way or delivered.',
    action:
      'None needed: a pending or awaiting-ack document is still being sent; check it with `GET /v1/admin/documents`.',
  },
  'replay-not-delivered': {
    title: 'Message not delivered',
    httpStatus: 409,
    issueType: 'business-rule',
    meaning: 'A replay with `delivered=true` sends a delivered message again; this one is in another status.',
    action: 'Replay a failed one without `delivered=true`; check its status with `GET /v1/messages/{id}`.',
  },
  'replay-body-purged': {
    title: 'Message body purged',
    httpStatus: 409,
    issueType: 'business-rule',
    meaning: 'The message body (patient data) was purged under the retention policy, so it cannot be replayed.',
    action: 'Ask the sending system to send the record again.',
  },
  'body-too-large': {
    title: 'Body too large',
    httpStatus: 413,
    issueType: 'too-long',
    meaning: 'The request body is larger than the configured limit.',
    action: 'Send a smaller body; free-text fields have their own length limits.',
  },
  'media-type-unsupported': {
    title: 'Body not declared as JSON',
    httpStatus: 415,
    issueType: 'not-supported',
    meaning: 'The body is not declared as JSON.',
    action: 'Send `Content-Type: application/json` (or `application/fhir+json`).',
  },
  'encoding-unsupported': {
    title: 'Unsupported encoding or charset',
    httpStatus: 415,
    issueType: 'not-supported',
    meaning: 'The content encoding or charset of the body is not supported.',
    action: 'Send the body in UTF-8, uncompressed or with gzip, deflate or br content encoding.',
  },
  'practice-without-endpoint': {
    title: 'No endpoint for the practice',
    httpStatus: 422,
    issueType: 'not-supported',
    meaning: 'No EHR endpoint is configured for the GP practice of the message.',
    action: 'Check the ODS code; if it is right, ask the operator to configure an endpoint for the practice.',
  },
  'rate-limited': {
    title: 'Too many requests',
    httpStatus: 429,
    issueType: 'throttled',
    meaning:
      'Too many requests in the configured window: from this client for ingest, admin and audit calls, or failed authentications from this address.',
    action:
      'Wait for the `Retry-After` interval (seconds) and send again; if the volume is expected, ask the operator to raise `http.rateLimits`.',
  },
  'internal-error': {
    title: 'Internal error',
    httpStatus: 500,
    issueType: 'exception',
    meaning: 'An unexpected failure inside the service; nothing about it is echoed back.',
    action: 'Retry later; if it persists, give the operator the `X-Request-Id` of the response.',
  },
  'store-unavailable': {
    title: 'Message store unavailable',
    httpStatus: 503,
    issueType: 'transient',
    meaning: 'The message store could not take the write durably; nothing was accepted.',
    action: 'Retry after the `Retry-After` interval, with the same body and `Idempotency-Key`.',
  },
  'credentials-unverifiable': {
    title: 'Credentials cannot be checked',
    httpStatus: 503,
    issueType: 'transient',
    meaning: "The bearer token could not be checked because the issuer's signing keys (JWKS) could not be fetched.",
    action:
      'Retry after the `Retry-After` interval with the same token; if it persists, ask the operator to check `http.oauth.jwksUrl`.',
  },
} as const satisfies Record<string, ApiError>;

const CLI_ERRORS = {
  'config-invalid': {
    title: 'Invalid configuration',
    exitStatus: 1,
    meaning: 'The configuration (`CONFIG_FILE` and environment variables) is invalid; each problem names its setting.',
    action: 'Fix each setting named in the message, then start again.',
  },
} as const satisfies Record<string, CliError>;

export type ApiErrorCode = keyof typeof API_ERRORS;
export type CliErrorCode = keyof typeof CLI_ERRORS;
export type ErrorCode = ApiErrorCode | CliErrorCode;

export type CatalogueEntry = ({ readonly surface: 'api' } & ApiError) | ({ readonly surface: 'cli' } & CliError);

export function apiError(code: ApiErrorCode): ApiError {
  return API_ERRORS[code];
}

/** The whole catalogue, API errors first, in the order docs/errors.md lists them. */
export function catalogue(): readonly (readonly [ErrorCode, CatalogueEntry])[] {
  const api = Object.entries(API_ERRORS).map(([code, entry]): [ErrorCode, CatalogueEntry] => [
    code as ApiErrorCode,
    { surface: 'api', ...entry },
  ]);
  const cli = Object.entries(CLI_ERRORS).map(([code, entry]): [ErrorCode, CatalogueEntry] => [
    code as CliErrorCode,
    { surface: 'cli', ...entry },
  ]);
  return [...api, ...cli];
}
