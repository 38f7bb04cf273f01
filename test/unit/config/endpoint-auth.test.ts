/**
 * A wrong endpoint auth configuration stops start-up with one line naming the setting to fix: missing token URL,
 * secret, key or key id; unreadable or unsuitable private keys; settings that belong to another method; and the
 * environment-variable shortcut naming its variables. No part of a key ever appears in a message.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig, parseConfig } from '../../../src/config/load';

let dir: string;
let rsaPem: string;
let rsaFile: string;
let p384File: string;
let p256File: string;
let garbageFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spfa-config-'));
  const pem = (key: { export: (options: { type: 'pkcs8'; format: 'pem' }) => string | Buffer }): string =>
    String(key.export({ type: 'pkcs8', format: 'pem' }));
  rsaPem = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  rsaFile = join(dir, 'rsa.pem');
  writeFileSync(rsaFile, rsaPem);
  p384File = join(dir, 'p384.pem');
  writeFileSync(p384File, pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey));
  p256File = join(dir, 'p256.pem');
  writeFileSync(p256File, pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));
  garbageFile = join(dir, 'garbage.pem');
  writeFileSync(garbageFile, 'this-is-not-a-key-SENTINEL');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function withAuth(auth: Record<string, unknown>): unknown {
  return { endpoints: [{ id: 'ehr', baseUrl: 'https://ehr.example.org/fhir', practices: ['*'], auth }] };
}

const keyAuth = {
  type: 'client-credentials',
  tokenUrl: 'https://ehr.example.org/auth/token',
  clientId: 'sp-adapter',
  clientAuthentication: 'private_key_jwt',
  keyId: 'key-1',
};

/** The message a configuration fails with; the test fails if it does not fail. */
function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('the configuration was accepted');
}

test('private_key_jwt without a key fails with one line naming privateKeyFile', () => {
  const message = failure(() => parseConfig(withAuth(keyAuth)));
  expect(message).toBe(
    'Invalid configuration: endpoints[0].auth.privateKeyFile: private_key_jwt needs privateKeyFile (or privateKeyEnv)',
  );
});

test('private_key_jwt without a key id names keyId', () => {
  const message = failure(() => parseConfig(withAuth({ ...keyAuth, keyId: undefined, privateKeyFile: rsaFile })));
  expect(message).not.toContain('\n');
  expect(message).toContain('endpoints[0].auth.keyId: private_key_jwt needs keyId');
});

test('client credentials without tokenUrl names tokenUrl', () => {
  const message = failure(() =>
    parseConfig(withAuth({ type: 'client-credentials', clientId: 'sp-adapter', clientSecret: 'a-secret' })),
  );
  expect(message).not.toContain('\n');
  expect(message).toBe('Invalid configuration: endpoints[0].auth.tokenUrl: is required');
});

test('a secret method without clientSecret names clientSecret', () => {
  const message = failure(() =>
    parseConfig(
      withAuth({ type: 'client-credentials', tokenUrl: 'https://ehr.example.org/token', clientId: 'sp-adapter' }),
    ),
  );
  expect(message).toBe(
    'Invalid configuration: endpoints[0].auth.clientSecret: client_secret_basic needs clientSecret (or set clientAuthentication to private_key_jwt)',
  );
});

test('key settings with a secret method, and a secret with private_key_jwt, are named', () => {
  const message = failure(() =>
    parseConfig(
      withAuth({
        type: 'client-credentials',
        tokenUrl: 'https://ehr.example.org/token',
        clientId: 'sp-adapter',
        clientSecret: 'a-secret',
        privateKeyFile: rsaFile,
      }),
    ),
  );
  expect(message).toContain(
    'endpoints[0].auth.privateKeyFile: is only used with clientAuthentication private_key_jwt, not client_secret_basic',
  );
  expect(failure(() => parseConfig(withAuth({ ...keyAuth, privateKeyFile: rsaFile, clientSecret: 'x' })))).toContain(
    'endpoints[0].auth.clientSecret: is not used with private_key_jwt',
  );
});

test('a misspelt clientAuthentication names the setting and the accepted values', () => {
  const message = failure(() =>
    parseConfig(withAuth({ ...keyAuth, clientAuthentication: 'private-key-jwt', privateKeyFile: rsaFile })),
  );
  expect(message).toMatch(/^Invalid configuration: endpoints\[0\]\.auth\.clientAuthentication: .*private_key_jwt/);
});

test('an unreadable key file is named with the reason', () => {
  const missing = join(dir, 'missing.pem');
  const message = failure(() => parseConfig(withAuth({ ...keyAuth, privateKeyFile: missing })));
  expect(message).toBe(`Invalid configuration: endpoints[0].auth.privateKeyFile: cannot read ${missing} (ENOENT)`);
});

test('a file that is not a private key is refused without quoting it', () => {
  const message = failure(() => parseConfig(withAuth({ ...keyAuth, privateKeyFile: garbageFile })));
  expect(message).toContain('endpoints[0].auth.privateKeyFile: does not hold a PEM private key');
  expect(message).not.toContain('SENTINEL');
});

test('a key that does not suit the algorithm is refused', () => {
  expect(failure(() => parseConfig(withAuth({ ...keyAuth, privateKeyFile: p256File })))).toContain(
    'endpoints[0].auth.privateKeyFile: holds an EC key on prime256v1 (ES384 needs P-384)',
  );
  expect(failure(() => parseConfig(withAuth({ ...keyAuth, privateKeyFile: rsaFile, algorithm: 'ES384' })))).toBe(
    'Invalid configuration: endpoints[0].auth.algorithm: is ES384, but the key is for RS384',
  );
});

test('privateKeyEnv naming an unset variable is refused; set, it is used', () => {
  const auth = { ...keyAuth, privateKeyEnv: 'SPFA_TEST_KEY' };
  expect(failure(() => parseConfig(withAuth(auth), {}))).toBe(
    'Invalid configuration: endpoints[0].auth.privateKeyEnv: the environment variable SPFA_TEST_KEY is not set',
  );
  const config = parseConfig(withAuth(auth), { SPFA_TEST_KEY: rsaPem });
  expect(config.endpoints[0]?.auth).toMatchObject({ clientAuthentication: 'private_key_jwt', keyId: 'key-1' });
});

test('valid RSA and P-384 keys are accepted', () => {
  expect(() => parseConfig(withAuth({ ...keyAuth, privateKeyFile: rsaFile }))).not.toThrow();
  expect(() => parseConfig(withAuth({ ...keyAuth, privateKeyFile: p384File, algorithm: 'ES384' }))).not.toThrow();
});

test('the environment shortcut names its variables, and a PEM in FHIR_CLIENT_PRIVATE_KEY selects private_key_jwt', () => {
  const env = {
    FHIR_BASE_URL: 'https://ehr.example.org/fhir',
    FHIR_TOKEN_URL: 'https://ehr.example.org/auth/token',
    FHIR_CLIENT_ID: 'sp-adapter',
    FHIR_CLIENT_PRIVATE_KEY: rsaPem,
  };
  const message = failure(() => loadConfig(env));
  expect(message).toMatch(/^Invalid configuration: FHIR_CLIENT_KEY_ID \(endpoints\[0\]\.auth\.keyId\): /);
  expect(message).not.toContain('PRIVATE KEY-----');
  const config = loadConfig({ ...env, FHIR_CLIENT_KEY_ID: 'key-1' });
  expect(config.endpoints[0]?.auth).toMatchObject({
    clientAuthentication: 'private_key_jwt',
    privateKeyEnv: 'FHIR_CLIENT_PRIVATE_KEY',
  });
  expect(failure(() => loadConfig({ FHIR_BASE_URL: env.FHIR_BASE_URL, FHIR_TOKEN_URL: env.FHIR_TOKEN_URL }))).toContain(
    'FHIR_CLIENT_ID (endpoints[0].auth.clientId): ',
  );
});

test('an audit repository whose private key cannot be read stops start-up too, naming its setting', () => {
  const message = failure(() =>
    parseConfig({
      endpoints: [
        {
          id: 'ehr',
          baseUrl: 'https://ehr.example.org/fhir',
          practices: ['*'],
          auditEvents: {
            send: 'repository',
            repositoryUrl: 'https://audit.example.org/fhir',
            auth: { ...keyAuth, privateKeyFile: join(dir, 'missing.pem') },
          },
        },
      ],
    }),
  );
  expect(message).toContain('endpoints[0].auditEvents.auth.privateKeyFile');
  expect(message).toContain('ENOENT');
});
