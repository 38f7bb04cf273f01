/**
 * SMART Backend Services client authentication (private_key_jwt) against the sandbox's token endpoint, over HTTP
 * with real Redis: the adapter signs a client assertion with its private key, gets a token and reuses it; an
 * assertion signed with an unregistered key fails the message at once with invalid_client; expired, replayed,
 * over-long and misaddressed assertions are refused; ES384 keys registered as a JWKS work as well as RS384 keys
 * registered as a PEM public key.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';

import { AccessTokenError, clientCredentialsTokenSource } from '../../src/delivery/access-token';
import { ASSERTION_LIFETIME_S, CLIENT_ASSERTION_TYPE, signClientAssertion } from '../../src/lib/client-assertion';
import type { RunningSandbox } from '../../src/sandbox';
import { TOKEN_PATH, startSandbox } from '../../src/sandbox';
import type { TestAdapter } from '../support/adapter';
import { FAST_RETRY, postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

const RSA_CLIENT = 'sp-adapter-rsa';
const EC_CLIENT = 'sp-adapter-ec';
const KEY_ID = 'adapter-2026';

let dir: string;
let rsaKey: KeyObject;
let ecKey: KeyObject;
let rsaKeyFile: string;
let wrongKeyFile: string;
let sandbox: RunningSandbox;
let adapter: TestAdapter;
let wrongKeyAdapter: TestAdapter;

function pemFile(name: string, key: KeyObject): string {
  const file = join(dir, name);
  writeFileSync(file, String(key.export({ type: 'pkcs8', format: 'pem' })));
  return file;
}

function tokenUrl(): string {
  return `http://127.0.0.1:${sandbox.port}${TOKEN_PATH}`;
}

function oauth(): NonNullable<RunningSandbox['oauth']> {
  if (sandbox.oauth === undefined) {
    throw new Error('the sandbox was started without OAuth');
  }
  return sandbox.oauth;
}

function endpointConfig(privateKeyFile: string): Record<string, unknown> {
  return {
    id: 'smart-ehr',
    baseUrl: sandbox.baseUrl,
    practices: ['*'],
    retry: FAST_RETRY,
    auth: {
      type: 'client-credentials',
      tokenUrl: tokenUrl(),
      clientId: RSA_CLIENT,
      clientAuthentication: 'private_key_jwt',
      privateKeyFile,
      keyId: KEY_ID,
      scope: 'system/Patient.read system/ServiceRequest.write',
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spfa-jwt-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  rsaKey = rsa.privateKey;
  ecKey = ec.privateKey;
  rsaKeyFile = pemFile('adapter-rsa.pem', rsaKey);
  wrongKeyFile = pemFile('other-rsa.pem', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const rsaPublicFile = join(dir, 'adapter-rsa.pub.pem');
  writeFileSync(rsaPublicFile, String(rsa.publicKey.export({ type: 'spki', format: 'pem' })));
  const jwksFile = join(dir, 'ec.jwks.json');
  const ecJwk = ec.publicKey.export({ format: 'jwk' });
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...ecJwk, kid: KEY_ID, alg: 'ES384', use: 'sig' }] }));

  sandbox = await startSandbox({
    port: 0,
    oauth: {
      clients: {},
      keyClients: {
        [RSA_CLIENT]: { publicKeyFile: rsaPublicFile, keyId: KEY_ID },
        [EC_CLIENT]: { jwksFile },
      },
      tokenLifetimeSeconds: 600,
    },
  });
  const roles = { api: true, worker: true, sandbox: false };
  adapter = await startTestAdapter({
    name: 'delivery-jwt',
    roles,
    config: { endpoints: [endpointConfig(rsaKeyFile)] },
  });
  wrongKeyAdapter = await startTestAdapter({
    name: 'delivery-jwt-wrong-key',
    roles,
    config: { endpoints: [endpointConfig(wrongKeyFile)] },
  });
});

afterAll(async () => {
  await adapter.close();
  await wrongKeyAdapter.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

async function submit(target: TestAdapter): Promise<string> {
  const response = await postJson(`${target.apiUrl}/v1/referrals`, referralDoc());
  expect(response.status).toBe(202);
  return String(response.body.messageId);
}

/** Posts a token request with `assertion` as the client assertion, as a client would. */
async function requestToken(assertion: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(tokenUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: 'system/Patient.read',
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('a signed client assertion gets a token, which is reused for later deliveries', async () => {
  const before = oauth().issued();
  const ids = [await submit(adapter), await submit(adapter), await submit(adapter)];
  for (const id of ids) {
    expect((await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'])).status).toBe('delivered');
  }
  expect(oauth().issued()).toBe(before + 1);
});

test('a revoked token is replaced using a new assertion and the message is delivered on the same attempt', async () => {
  const warm = await submit(adapter);
  await waitForStatus(adapter.apiUrl, warm, ['delivered', 'failed']);
  const before = oauth().issued();
  oauth().revokeAll();
  const id = await submit(adapter);
  const status = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed']);
  expect(status.status).toBe('delivered');
  expect(status.attempts).toBe(1);
  // The second token needed a second assertion with a new jti; a reused one would have been refused.
  expect(oauth().issued()).toBe(before + 1);
});

test('an assertion signed with a key the EHR does not know fails at once with invalid_client', async () => {
  const id = await submit(wrongKeyAdapter);
  const status = await waitForStatus(wrongKeyAdapter.apiUrl, id, ['failed', 'delivered']);
  expect(status.status).toBe('failed');
  expect(status.attempts).toBe(1);
  expect(String(status.lastError)).toMatch(
    /token endpoint .* answered HTTP 401 \(invalid_client: .*not signed by a key/,
  );
  expect(String(status.lastError)).toContain('the public key registered with the EHR');
  expect(JSON.stringify(status)).not.toContain('PRIVATE KEY');
});

test('an expired assertion is refused with invalid_client, as a permanent failure', async () => {
  const longAgo = Date.now() - (ASSERTION_LIFETIME_S + 120) * 1000;
  const tokens = clientCredentialsTokenSource(
    {
      tokenUrl: tokenUrl(),
      clientId: RSA_CLIENT,
      clientAuthentication: 'private_key_jwt',
      key: { privateKey: rsaKey, keyId: KEY_ID, algorithm: 'RS384' },
    },
    { timeoutMs: 2000, now: () => longAgo },
  );
  const failure = await tokens.token().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(AccessTokenError);
  expect((failure as AccessTokenError).permanent).toBe(true);
  expect((failure as AccessTokenError).message).toContain(
    'HTTP 401 (invalid_client: the client assertion has expired)',
  );
});

test('a replayed assertion is refused even while it is still valid', async () => {
  const key = { privateKey: rsaKey, keyId: KEY_ID, algorithm: 'RS384' as const };
  const assertion = await signClientAssertion(key, RSA_CLIENT, tokenUrl(), Date.now());
  const first = await requestToken(assertion);
  expect(first.status).toBe(200);
  expect(typeof first.body.access_token).toBe('string');
  const replay = await requestToken(assertion);
  expect(replay.status).toBe(401);
  expect(replay.body).toEqual({
    error: 'invalid_client',
    error_description: 'the client assertion was already used (jti replayed)',
  });
});

test('assertions addressed elsewhere, valid too long, or naming an unknown kid are refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  const sign = async (audience: string, lifetime: number, kid = KEY_ID): Promise<string> =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS384', kid, typ: 'JWT' })
      .setIssuer(RSA_CLIENT)
      .setSubject(RSA_CLIENT)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + lifetime)
      .sign(rsaKey);
  const misaddressed = await requestToken(await sign('https://other.example.org/token', 120));
  expect(misaddressed.status).toBe(401);
  expect(misaddressed.body.error_description).toBe("the client assertion's aud claim is wrong");
  const tooLong = await requestToken(await sign(tokenUrl(), 3600));
  expect(tooLong.status).toBe(401);
  expect(tooLong.body.error_description).toBe('the client assertion expires more than five minutes from now');
  const unknownKid = await requestToken(await sign(tokenUrl(), 120, 'retired-key'));
  expect(unknownKid.status).toBe(401);
  expect(unknownKid.body.error).toBe('invalid_client');
});

test('an ES384 key registered as a JWKS gets a token', async () => {
  const tokens = clientCredentialsTokenSource(
    {
      tokenUrl: tokenUrl(),
      clientId: EC_CLIENT,
      clientAuthentication: 'private_key_jwt',
      key: { privateKey: ecKey, keyId: KEY_ID, algorithm: 'ES384' },
    },
    { timeoutMs: 2000 },
  );
  const token = await tokens.token();
  expect(token.length).toBeGreaterThan(20);
  const fhir = await fetch(`${sandbox.baseUrl}/Patient?_count=1`, { headers: { authorization: `Bearer ${token}` } });
  expect(fhir.status).toBe(200);
});
