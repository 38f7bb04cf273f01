/**
 * Signed JWT client assertions (RFC 7523 §2.2, SMART Backend Services): the adapter proves who it is to an EHR's
 * token endpoint with a short-lived JWT signed by its private key instead of a shared secret. A fresh assertion,
 * with its own jti, is made for every token request so a server that remembers jtis never sees one twice.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The algorithms SMART Backend Services requires every server to accept. */
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'] as const;
export type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];

/**
 * Lifetime of one assertion. SMART allows at most five minutes; a little less keeps an assertion valid for a
 * server whose clock runs slightly behind ours.
 */
export const ASSERTION_LIFETIME_S = 240;

export interface ClientAssertionKey {
  /** The private key; it is only ever used to sign, never serialised. */
  readonly privateKey: KeyObject;
  /** The `kid` the EHR knows the matching public key by (in the JWKS registered with it). */
  readonly keyId: string;
  readonly algorithm: AssertionAlgorithm;
}

/** Signs one assertion for `clientId` addressed to `tokenUrl`, valid from `nowMs` for ASSERTION_LIFETIME_S. */
export async function signClientAssertion(
  key: ClientAssertionKey,
  clientId: string,
  tokenUrl: string,
  nowMs: number,
): Promise<string> {
  const issuedAt = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: key.algorithm, kid: key.keyId, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ASSERTION_LIFETIME_S)
    .sign(key.privateKey);
}
