/**
 * The MESH `Authorization` header (MESH API specification, "MESH Authorization header"):
 * `NHSMESH <mailbox>:<nonce>:<nonce_count>:<timestamp>:<hmac>`, where the HMAC-SHA256, keyed by the environment's
 * shared key, is taken over `<mailbox>:<nonce>:<nonce_count>:<mailbox password>:<timestamp>` and the timestamp is
 * UTC `yyyyMMddHHmm`. MESH accepts each header once, so every request needs a new nonce or nonce count.
 */
import { createHmac, randomUUID } from 'node:crypto';

export const MESH_AUTH_SCHEME = 'NHSMESH';

export interface MeshCredentials {
  /** The mailbox id, upper case as MESH requires. */
  readonly mailbox: string;
  readonly password: string;
  /** The environment's shared secret, issued with the mailbox. */
  readonly sharedKey: string;
}

export interface MeshAuthorizationInput extends MeshCredentials {
  readonly nonce: string;
  readonly nonceCount: number;
  readonly at: Date;
}

/** One header from fixed inputs; `createMeshAuthenticator` supplies fresh nonces and counts. */
export function meshAuthorization(input: MeshAuthorizationInput): string {
  const mailbox = input.mailbox.toUpperCase();
  const timestamp = meshAuthTimestamp(input.at);
  const hmac = createHmac('sha256', input.sharedKey)
    .update([mailbox, input.nonce, input.nonceCount, input.password, timestamp].join(':'))
    .digest('hex');
  return `${MESH_AUTH_SCHEME} ${[mailbox, input.nonce, input.nonceCount, timestamp, hmac].join(':')}`;
}

/** `yyyyMMddHHmm` in UTC: 4 May 2020 13:05 UTC is `202005041305`. */
export function meshAuthTimestamp(at: Date): string {
  return at.toISOString().replace(/\D/g, '').slice(0, 12);
}

/** Gives the header for the next request. */
export interface MeshAuthenticator {
  header(): string;
}

export interface MeshAuthenticatorOptions {
  readonly now?: () => Date;
  readonly newNonce?: () => string;
  /** After this many requests the nonce is replaced and the count starts again; keeps counts short. */
  readonly maxNonceUses?: number;
}

const DEFAULT_MAX_NONCE_USES = 10_000;

/**
 * Headers for one client: a random nonce whose count goes up by one per request, renewed after `maxNonceUses`.
 * Two processes with the same mailbox each draw their own nonce, so their headers never collide.
 */
export function createMeshAuthenticator(
  credentials: MeshCredentials,
  options: MeshAuthenticatorOptions = {},
): MeshAuthenticator {
  const now = options.now ?? (() => new Date());
  const newNonce = options.newNonce ?? randomUUID;
  const maxUses = options.maxNonceUses ?? DEFAULT_MAX_NONCE_USES;
  let nonce = newNonce();
  let count = 0;
  return {
    header() {
      if (count >= maxUses) {
        nonce = newNonce();
        count = 0;
      }
      count += 1;
      return meshAuthorization({ ...credentials, nonce, nonceCount: count, at: now() });
    },
  };
}
