/**
 * A MESH request that did not succeed, with the delivery verdict it implies in the project's own vocabulary
 * (classify.ts): `retry` when MESH could not be reached or answered 408, 429 or 5xx; `reject` for everything that
 * repeating cannot fix, such as 403 (authentication), 417 (unknown recipient or workflow), other 4xx and
 * certificate failures.
 */
import type { Verdict } from '../classify';
import { classifyStatus, retryAfterMs } from '../classify';

export type MeshFailureVerdict = Exclude<Verdict, 'ok'>;

/** One thing wrong with what the caller asked the client to send, named by where it is. */
export interface MeshInputProblem {
  readonly path: string;
  readonly message: string;
}

export interface MeshErrorDetails {
  readonly verdict: MeshFailureVerdict;
  /** The HTTP status MESH answered with; absent when there was no answer. */
  readonly status?: number;
  /** MESH's own error code from the answer's `detail`, e.g. "12" (unregistered recipient). */
  readonly code?: string;
  readonly retryAfterMs?: number;
  readonly problems?: readonly MeshInputProblem[];
}

export class MeshError extends Error {
  readonly verdict: MeshFailureVerdict;
  readonly status?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;
  readonly problems: readonly MeshInputProblem[];

  constructor(message: string, details: MeshErrorDetails) {
    super(message);
    this.name = 'MeshError';
    this.verdict = details.verdict;
    this.status = details.status;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
    this.problems = details.problems ?? [];
  }
}

/** MESH answered with a status the operation does not expect. */
export function meshErrorFromAnswer(
  operation: string,
  status: number,
  body: Buffer,
  retryAfter: string | undefined,
  now: Date,
): MeshError {
  const verdict = classifyStatus(status);
  const { code, description } = describeErrorBody(body);
  const wait = retryAfterMs(retryAfter ?? null, now);
  return new MeshError(`MESH ${operation} answered ${status}${description !== undefined ? `: ${description}` : ''}`, {
    // A 2xx the operation does not expect (say 204 instead of 202) is a protocol mismatch, not a success.
    verdict: verdict === 'ok' ? 'reject' : verdict,
    status,
    ...(code !== undefined ? { code } : {}),
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  });
}

/** MESH could not be reached: refused or reset connection, DNS or TLS failure, or no answer before the timeout. */
export function meshUnreachable(operation: string, error: unknown): MeshError {
  if (isCertificateFailure(error)) {
    return new MeshError(`MESH ${operation} failed TLS: ${describeNoAnswer(error)}`, { verdict: 'reject' });
  }
  return new MeshError(`MESH ${operation} could not reach the server: ${describeNoAnswer(error)}`, {
    verdict: 'retry',
  });
}

/** OpenSSL's certificate verification failures, as Node reports them in `error.code`. */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A certificate or key problem that trying again cannot fix: MESH's certificate is not trusted with the CA we
 * have, our own certificate or key cannot be loaded (ERR_OSSL_*), or the server refused ours with a TLS alert
 * during the handshake (ERR_SSL_*). A server that drops the connection after a TLS 1.3 handshake instead shows only
 * as a reset, which cannot be told from a network fault and stays transient.
 */
function isCertificateFailure(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return (
    typeof code === 'string' &&
    (CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_OSSL_'))
  );
}

/**
 * Read by shape rather than with `instanceof Error` (as classify.ts's isTimeout does): node:http's errors come
 * from Node's own realm, which is not the realm of code run under Jest's module sandbox, and an aborted request
 * is an AbortError whose cause is the TimeoutError.
 */
function describeNoAnswer(error: unknown): string {
  const shaped = typeof error === 'object' && error !== null ? (error as { name?: unknown; message?: unknown }) : {};
  if (shaped.name === 'TimeoutError' || shaped.name === 'AbortError') {
    return 'no answer before the request timeout';
  }
  return typeof shaped.message === 'string' && shaped.message !== '' ? shaped.message : 'the request failed';
}

/** The caller asked for something MESH would refuse; nothing was sent. */
export function meshInputError(problems: readonly MeshInputProblem[]): MeshError {
  return new MeshError(`the MESH message is not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
    verdict: 'reject',
    problems,
  });
}

/** A 2xx answer whose body is not what the specification describes. */
export function meshProtocolError(operation: string, status: number, what: string): MeshError {
  return new MeshError(`MESH ${operation} answered ${status} with ${what}`, { verdict: 'reject', status });
}

/**
 * The gist of a MESH error body: v2 answers `{detail: [{event, code, msg}]}`, validation errors
 * `{detail: [{loc, msg}]}`, v1 `{errorCode, errorDescription}`. Anything else gives nothing.
 */
function describeErrorBody(body: Buffer): { code?: string; description?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return {};
  }
  const record = parsed as Record<string, unknown>;
  if (Array.isArray(record.detail)) {
    const details = record.detail.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null);
    const code = details.map((d) => d.code).find((c): c is string => typeof c === 'string');
    const texts = details.map((d) => {
      const where = Array.isArray(d.loc) ? `${d.loc.join('.')}: ` : '';
      return typeof d.msg === 'string' ? `${where}${d.msg}` : undefined;
    });
    const description = texts.filter((t): t is string => t !== undefined).join('; ');
    return { ...(code !== undefined ? { code } : {}), ...(description !== '' ? { description } : {}) };
  }
  return {
    ...(typeof record.errorCode === 'string' ? { code: record.errorCode } : {}),
    ...(typeof record.errorDescription === 'string' ? { description: record.errorDescription } : {}),
  };
}
