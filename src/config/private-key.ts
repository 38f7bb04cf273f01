/**
 * Loads an endpoint's private key for signed client assertions from the file or environment variable its
 * configuration names, and checks that it suits the signing algorithm. Problems are reported with the setting's
 * path and never with any part of the key.
 */
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { AssertionAlgorithm } from '../lib/client-assertion';

type Env = Readonly<Record<string, string | undefined>>;

export interface PrivateKeySetting {
  readonly privateKeyFile?: string | undefined;
  readonly privateKeyEnv?: string | undefined;
  readonly algorithm?: AssertionAlgorithm | undefined;
}

export interface LoadedPrivateKey {
  readonly privateKey: KeyObject;
  readonly algorithm: AssertionAlgorithm;
}

/** A key that cannot be used; `setting` is the configuration path to fix, e.g. endpoints[0].auth.privateKeyFile. */
export class PrivateKeyError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
    this.name = 'PrivateKeyError';
  }
}

/** The algorithm a key is meant for: RSA keys sign RS384, P-384 keys ES384. */
function algorithmFor(key: KeyObject): { algorithm: AssertionAlgorithm } | { unsuitable: string } {
  if (key.asymmetricKeyType === 'rsa') {
    return { algorithm: 'RS384' };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec') {
    return curve === 'secp384r1'
      ? { algorithm: 'ES384' }
      : { unsuitable: `an EC key on ${curve ?? 'an unknown curve'} (ES384 needs P-384)` };
  }
  return { unsuitable: `a ${key.asymmetricKeyType ?? 'non-asymmetric'} key (RS384 needs RSA, ES384 needs EC P-384)` };
}

/**
 * @param path where the auth settings sit in the configuration, for messages (e.g. "endpoints[0].auth")
 * @throws PrivateKeyError naming the setting when the key is missing, unreadable, not a private key, too weak,
 *   or of the wrong type for the algorithm
 */
export function loadPrivateKey(setting: PrivateKeySetting, path: string, env: Env): LoadedPrivateKey {
  let pem: string;
  let where: string;
  if (setting.privateKeyFile !== undefined) {
    where = `${path}.privateKeyFile`;
    try {
      pem = readFileSync(setting.privateKeyFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new PrivateKeyError(where, `cannot read ${setting.privateKeyFile} (${code})`);
    }
  } else if (setting.privateKeyEnv !== undefined) {
    where = `${path}.privateKeyEnv`;
    const value = env[setting.privateKeyEnv];
    if (value === undefined || value.trim() === '') {
      throw new PrivateKeyError(where, `the environment variable ${setting.privateKeyEnv} is not set`);
    }
    pem = value;
  } else {
    throw new PrivateKeyError(`${path}.privateKeyFile`, 'a private key file or privateKeyEnv is required');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // The parser's message can quote the input; say only what was expected.
    throw new PrivateKeyError(where, 'does not hold a PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted)');
  }
  const fit = algorithmFor(privateKey);
  if ('unsuitable' in fit) {
    throw new PrivateKeyError(where, `holds ${fit.unsuitable}`);
  }
  const suited = fit.algorithm;
  const bits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (suited === 'RS384' && bits !== undefined && bits < 2048) {
    throw new PrivateKeyError(where, `holds a ${bits}-bit RSA key; at least 2048 bits are required`);
  }
  const algorithm = setting.algorithm ?? suited;
  if (algorithm !== suited) {
    throw new PrivateKeyError(`${path}.algorithm`, `is ${algorithm}, but the key is for ${suited}`);
  }
  return { privateKey, algorithm };
}

/**
 * The private keys configuration loading read, each found by the auth settings object that names it, so the
 * delivery layer signs with a key read once at start-up and never reads files or the environment itself.
 */
export class SigningKeys {
  readonly #byAuth = new WeakMap<object, LoadedPrivateKey>();

  /** Records the key loaded for `auth` (the validated settings object, as the configuration holds it). */
  add(auth: object, key: LoadedPrivateKey): void {
    this.#byAuth.set(auth, key);
  }

  /** The key loaded for these auth settings, or undefined when none was (no private_key_jwt there). */
  for(auth: object): LoadedPrivateKey | undefined {
    return this.#byAuth.get(auth);
  }
}
