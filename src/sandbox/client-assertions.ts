/**
 * Checks the signed JWT client assertions (RFC 7523, SMART Backend Services) that clients registered with a
 * public key present to the sandbox's token endpoint, as a real authorisation server would: signature against the
 * client's registered keys (by kid and alg), iss = sub = client id, aud = the token endpoint, an exp no more than
 * five minutes ahead, and a jti never seen before while the assertion could still be valid.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet, JWK, JWTPayload } from 'jose';
import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from 'jose';

/** A client's registered key material: a PEM public key file (with the kid it is known by) or a JWKS file. */
export interface KeyClientRegistration {
  readonly publicKeyFile?: string | undefined;
  /** The kid given to the PEM public key; assertions must name it. */
  readonly keyId?: string | undefined;
  readonly jwksFile?: string | undefined;
}

export type AssertionCheck = { readonly clientId: string } | { readonly refused: string };

export interface ClientAssertionVerifier {
  /** Verifies `assertion` presented at `tokenUrl`; the reason in `refused` names the failed check only. */
  verify(assertion: string, tokenUrl: string): Promise<AssertionCheck>;
}

const ALGORITHMS = ['RS384', 'ES384'];
/** SMART: an assertion's exp may be at most five minutes in the future. */
const MAX_LIFETIME_S = 300;
/** Allowance for clocks that differ slightly between client and server. */
const CLOCK_TOLERANCE_S = 30;

function keySet(clientId: string, registration: KeyClientRegistration): JSONWebKeySet {
  if (registration.jwksFile !== undefined) {
    return JSON.parse(readFileSync(registration.jwksFile, 'utf8')) as JSONWebKeySet;
  }
  if (registration.publicKeyFile === undefined || registration.keyId === undefined) {
    throw new Error(`sandbox OAuth client ${clientId}: give jwksFile, or publicKeyFile with keyId`);
  }
  const jwk = createPublicKey(readFileSync(registration.publicKeyFile, 'utf8')).export({ format: 'jwk' }) as JWK;
  return { keys: [{ ...jwk, kid: registration.keyId }] };
}

export function createClientAssertionVerifier(
  registrations: Readonly<Record<string, KeyClientRegistration>>,
): ClientAssertionVerifier {
  const keySets = new Map(
    Object.entries(registrations).map(([clientId, registration]) => [
      clientId,
      createLocalJWKSet(keySet(clientId, registration)),
    ]),
  );
  /** jti → when its assertion expires; kept until then, as a replay after that fails on exp anyway. */
  const seen = new Map<string, number>();

  function forgetExpired(nowS: number): void {
    for (const [jti, exp] of seen) {
      if (exp + CLOCK_TOLERANCE_S < nowS) {
        seen.delete(jti);
      }
    }
  }

  return {
    async verify(assertion, tokenUrl) {
      let claimedClient: unknown;
      try {
        claimedClient = decodeJwt(assertion).iss;
      } catch {
        return { refused: 'the client assertion is not a JWT' };
      }
      const keys = typeof claimedClient === 'string' ? keySets.get(claimedClient) : undefined;
      if (typeof claimedClient !== 'string' || keys === undefined) {
        return { refused: 'unknown client' };
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(assertion, keys, {
          algorithms: ALGORITHMS,
          issuer: claimedClient,
          subject: claimedClient,
          audience: tokenUrl,
          requiredClaims: ['exp', 'jti'],
          clockTolerance: CLOCK_TOLERANCE_S,
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          return { refused: 'the client assertion has expired' };
        }
        if (error instanceof errors.JWTClaimValidationFailed) {
          return { refused: `the client assertion's ${error.claim} claim is wrong` };
        }
        return { refused: 'the client assertion is not signed by a key registered for this client' };
      }
      const nowS = Math.floor(Date.now() / 1000);
      const { exp, jti } = payload;
      if (exp === undefined || jti === undefined) {
        return { refused: 'the client assertion lacks exp or jti' };
      }
      if (exp > nowS + MAX_LIFETIME_S + CLOCK_TOLERANCE_S) {
        return { refused: 'the client assertion expires more than five minutes from now' };
      }
      forgetExpired(nowS);
      const key = `${claimedClient} ${jti}`;
      if (seen.has(key)) {
        return { refused: 'the client assertion was already used (jti replayed)' };
      }
      seen.set(key, exp);
      return { clientId: claimedClient };
    },
  };
}
