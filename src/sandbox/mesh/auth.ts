/**
 * Checks the MESH `Authorization: NHSMESH …` header the way the MESH API specification describes it: the mailbox
 * must be known and match the URL, the timestamp must be near the server's clock, the HMAC-SHA256 must match the
 * mailbox password and the environment's shared key, and no nonce/nonce_count pair may be used twice.
 *
 * The HMAC is computed here from the specification, not by calling the adapter's client code, so a mistake in the
 * client cannot be mirrored by the sandbox and pass unnoticed.
 */
import { createHmac } from 'node:crypto';
import { sameSecret } from '../../lib/secrets';

const SCHEME = 'NHSMESH ';
const TIMESTAMP_PATTERN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/;

export type AuthFailure =
  'missing' | 'malformed' | 'unknown-mailbox' | 'mailbox-mismatch' | 'stale-timestamp' | 'bad-hmac' | 'replayed-nonce';

export type AuthResult =
  { readonly ok: true; readonly mailbox: string } | { readonly ok: false; readonly failure: AuthFailure };

export interface MeshAuthVerifierOptions {
  readonly sharedKey: string;
  /** The password of each mailbox, by mailbox id (upper case). */
  readonly passwords: ReadonlyMap<string, string>;
  /** How far the header's timestamp may be from the server clock; the specification says two hours. */
  readonly maxClockSkewMs: number;
  readonly now: () => Date;
}

export interface MeshAuthVerifier {
  verify(header: string | undefined, pathMailbox: string): AuthResult;
}

export function createMeshAuthVerifier(options: MeshAuthVerifierOptions): MeshAuthVerifier {
  // Nonces are remembered for as long as their timestamp could still be accepted; after that the timestamp check
  // rejects a replay on its own, so the memory can be dropped.
  const seenNonces = new Map<string, number>();

  const forgetExpired = (nowMs: number): void => {
    for (const [key, expiresAt] of seenNonces) {
      if (expiresAt <= nowMs) {
        seenNonces.delete(key);
      }
    }
  };

  return {
    verify(header, pathMailbox) {
      if (header === undefined || header === '') {
        return { ok: false, failure: 'missing' };
      }
      const parsed = parseHeader(header);
      if (parsed === undefined) {
        return { ok: false, failure: 'malformed' };
      }
      const password = options.passwords.get(parsed.mailbox);
      if (password === undefined) {
        return { ok: false, failure: 'unknown-mailbox' };
      }
      if (parsed.mailbox !== pathMailbox.toUpperCase()) {
        return { ok: false, failure: 'mailbox-mismatch' };
      }
      const nowMs = options.now().getTime();
      if (Math.abs(nowMs - parsed.timestampMs) > options.maxClockSkewMs) {
        return { ok: false, failure: 'stale-timestamp' };
      }
      const expected = createHmac('sha256', options.sharedKey)
        .update([parsed.mailbox, parsed.nonce, parsed.nonceCount, password, parsed.timestamp].join(':'))
        .digest('hex');
      if (!sameSecret(expected, parsed.hash.toLowerCase())) {
        return { ok: false, failure: 'bad-hmac' };
      }
      forgetExpired(nowMs);
      const nonceKey = `${parsed.mailbox}:${parsed.nonce}:${parsed.nonceCount}`;
      if (seenNonces.has(nonceKey)) {
        return { ok: false, failure: 'replayed-nonce' };
      }
      seenNonces.set(nonceKey, parsed.timestampMs + options.maxClockSkewMs + 60_000);
      return { ok: true, mailbox: parsed.mailbox };
    },
  };
}

interface ParsedHeader {
  readonly mailbox: string;
  readonly nonce: string;
  readonly nonceCount: string;
  readonly timestamp: string;
  readonly timestampMs: number;
  readonly hash: string;
}

function parseHeader(header: string): ParsedHeader | undefined {
  if (!header.startsWith(SCHEME)) {
    return undefined;
  }
  const parts = header.slice(SCHEME.length).split(':');
  if (parts.length !== 5) {
    return undefined;
  }
  const [mailbox, nonce, nonceCount, timestamp, hash] = parts as [string, string, string, string, string];
  const timestampMs = parseTimestamp(timestamp);
  if (mailbox === '' || nonce === '' || !/^\d+$/.test(nonceCount) || timestampMs === undefined || hash === '') {
    return undefined;
  }
  // The specification requires upper-case mailbox ids in the header; a lower-case one is a malformed header.
  if (mailbox !== mailbox.toUpperCase()) {
    return undefined;
  }
  return { mailbox, nonce, nonceCount, timestamp, timestampMs, hash };
}

/** `yyyyMMddHHmm` in UTC, as milliseconds since the epoch. */
function parseTimestamp(value: string): number | undefined {
  const match = TIMESTAMP_PATTERN.exec(value);
  if (match === null) {
    return undefined;
  }
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute);
  const date = new Date(ms);
  // Date.UTC rolls 2026-02-31 over into March; a timestamp that does not survive the round trip is not a date.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59) {
    return undefined;
  }
  return ms;
}
