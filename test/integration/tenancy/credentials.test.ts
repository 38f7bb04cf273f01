/**
 * Credentials on the real adapter: bearer JWTs verified against the issuer's JWKS (served over HTTP by this
 * test, with keys made by jose), the `keys` commands against real Redis, the refusal to start an open API on an
 * address others can reach, and /metrics behind a key there.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CryptoKey, JWK } from 'jose';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createKeyCommand, listKeysCommand, revokeKeyCommand } from '../../../src/cli/keys';
import type { KeysCliContext } from '../../../src/cli/keys';
import { ConfigError, parseConfig } from '../../../src/config/load';
import { silentLogger } from '../../../src/observability/logger';
import { runAdapter } from '../../../src/runtime/run';
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const CASEBOOK = 'https://casebook.example.org';
const ISSUER = 'https://login.example.org';
const AUDIENCE = 'https://adapter.example.org';
const CLIENTS = [
  { id: 'casebook', sourceSystems: [CASEBOOK], practices: ['A81001'], roles: ['ingest'] },
  { id: 'it-a81001', practices: ['A81001'], roles: ['admin', 'metrics'] },
];

let jwksServer: Server;
let jwksUrl: string;
let signingKey: CryptoKey;
/** In the JWKS but of an algorithm the adapter is not configured to accept. */
let rsaKey: CryptoKey;
let adapter: TestAdapter;

beforeAll(async () => {
  const ec = await generateKeyPair('ES256');
  const rsa = await generateKeyPair('RS256');
  signingKey = ec.privateKey;
  rsaKey = rsa.privateKey;
  const jwks: { keys: JWK[] } = {
    keys: [
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    ],
  };
  jwksServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${String((jwksServer.address() as AddressInfo).port)}/jwks.json`;
  adapter = await startTestAdapter({
    name: 'credentials',
    config: {
      clients: CLIENTS,
      http: { port: 0, oauth: { issuer: ISSUER, audience: AUDIENCE, jwksUrl, algorithms: ['ES256'] } },
    },
  });
});

afterAll(async () => {
  await adapter.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

interface TokenOptions {
  readonly claims?: Record<string, unknown>;
  readonly issuer?: string;
  readonly audience?: string;
  readonly expires?: string | number;
  readonly key?: CryptoKey;
  readonly alg?: string;
  readonly kid?: string;
}

async function token(options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ client_id: 'casebook', scope: 'ingest', ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? 'ec-1' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m')
    .sign(options.key ?? signingKey);
}

async function submit(bearer: string): Promise<number> {
  const doc = referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } });
  return (await postJson(`${adapter.apiUrl}/v1/referrals`, doc, { authorization: `Bearer ${bearer}` })).status;
}

describe('bearer JWTs', () => {
  test('a token of the issuer naming a configured client with the ingest role is accepted', async () => {
    expect(await submit(await token())).toBe(202);
  });

  test.each<[string, TokenOptions]>([
    ['expired', { expires: Math.floor(Date.now() / 1000) - 600 }],
    ['of another issuer', { issuer: 'https://elsewhere.example.org' }],
    ['for another audience', { audience: 'https://other-service.example.org' }],
    ['signed with an algorithm outside the allow-list', { alg: 'RS256', kid: 'rsa-1' }],
    ['naming a client that is not configured', { claims: { client_id: 'stranger' } }],
  ])('a token %s is refused with 401', async (_name, options) => {
    const rsa = options.alg === 'RS256' ? { key: rsaKey } : {};
    expect(await submit(await token({ ...options, ...rsa }))).toBe(401);
  });

  test('a token without the role, or with a role its client does not have, is refused with 403', async () => {
    expect(await submit(await token({ claims: { scope: 'auditor' } }))).toBe(403);
    const admin = await fetch(`${adapter.apiUrl}/v1/admin/messages`, {
      headers: { authorization: `Bearer ${await token({ claims: { scope: 'admin ingest' } })}` },
    });
    expect(admin.status).toBe(403);
  });

  test('a tampered token is refused', async () => {
    const [header, , signature] = (await token()).split('.');
    const payload = Buffer.from(JSON.stringify({ client_id: 'casebook', scope: 'ingest admin' })).toString('base64url');
    expect(await submit(`${header ?? ''}.${payload}.${signature ?? ''}`)).toBe(401);
  });
});

describe('keys commands', () => {
  function context(): { ctx: KeysCliContext; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: KeysCliContext = {
      apiKeys: adapter.services.apiKeys,
      clients: adapter.config.clients,
      out: { write: (text: string) => out.push(text) },
      err: { write: (text: string) => err.push(text) },
      now: () => new Date(),
    };
    return { ctx, out, err };
  }

  test('create shows the key once, list never shows it, revoke stops it at once', async () => {
    const created = context();
    expect(await createKeyCommand(created.ctx, 'casebook')).toBe(0);
    const printed = created.out.join('');
    const key = /key:\s+(\S+)/.exec(printed)?.[1] ?? '';
    const keyId = /key id:\s+(\S+)/.exec(printed)?.[1] ?? '';
    expect(key).toMatch(/^spk_[\w-]{43}$/);
    expect(await submit(key)).toBe(202);

    const listed = context();
    expect(await listKeysCommand(listed.ctx)).toBe(0);
    expect(listed.out.join('')).toContain(keyId);
    expect(listed.out.join('')).not.toContain(key);
    const stored = await adapter.services.apiKeys.get(keyId);
    expect(JSON.stringify(stored)).not.toContain(key);

    expect(await revokeKeyCommand(context().ctx, keyId)).toBe(0);
    expect(await submit(key)).toBe(401);
    expect(await revokeKeyCommand(context().ctx, 'no-such-key')).toBe(1);
  });

  test('create refuses an unknown client and a role the client does not have', async () => {
    const unknown = context();
    expect(await createKeyCommand(unknown.ctx, 'stranger')).toBe(2);
    expect(unknown.err.join('')).toContain('casebook');
    const wrongRole = context();
    expect(await createKeyCommand(wrongRole.ctx, 'casebook', ['admin'])).toBe(2);
    expect(wrongRole.out).toEqual([]);
  });
});

describe('exposure', () => {
  const base = (prefix: string, http: Record<string, unknown>, more: Record<string, unknown> = {}) =>
    parseConfig({
      http: { port: 0, ...http },
      redis: { url: TEST_REDIS_URL, prefix },
      sandbox: { port: 0 },
      log: { level: 'silent' },
      ...more,
    });

  test('an API with no credentials is refused on a non-loopback address unless allowInsecure says so', async () => {
    const prefix = uniquePrefix('exposure');
    const open = base(prefix, { host: '0.0.0.0' });
    await expect(runAdapter(open, { api: true, worker: false, sandbox: false }, silentLogger())).rejects.toThrow(
      ConfigError,
    );
    await expect(runAdapter(open, { api: true, worker: false, sandbox: false }, silentLogger())).rejects.toThrow(
      /http\.allowInsecure/,
    );
    const insecure = base(prefix, { host: '0.0.0.0', allowInsecure: true });
    const running = await runAdapter(insecure, { api: true, worker: false, sandbox: false }, silentLogger());
    await running.stop();
    await deleteKeys(prefix);
  });

  test('/metrics needs a metrics or admin key when the API listens beyond loopback', async () => {
    const prefix = uniquePrefix('metrics');
    const config = base(prefix, { host: '0.0.0.0' }, { clients: CLIENTS });
    const running = await runAdapter(config, { api: true, worker: false, sandbox: false }, silentLogger());
    try {
      const url = `http://127.0.0.1:${new URL(running.apiUrl ?? '').port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      const ingest = await running.services.apiKeys.create('casebook', ['ingest'], new Date());
      expect((await fetch(url, { headers: { 'x-api-key': ingest.key } })).status).toBe(403);
      const metrics = await running.services.apiKeys.create('it-a81001', ['metrics'], new Date());
      const answer = await fetch(url, { headers: { 'x-api-key': metrics.key } });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('spfa_');
    } finally {
      await running.stop();
      await deleteKeys(prefix);
    }
    // On loopback (the test adapter) it stays open, for a local Prometheus.
    expect((await fetch(`${adapter.apiUrl}/metrics`)).status).toBe(200);
  });
});

describe('an issuer whose JWKS is out of reach', () => {
  /** An adapter whose issuer answers its key set with `status`, or with nothing at all when it is undefined. */
  async function adapterWithJwks(
    name: string,
    status: number | undefined,
  ): Promise<{ url: string; stop: () => Promise<void> }> {
    const server = createServer((_req, res) => {
      res.statusCode = status ?? 500;
      res.end('unavailable');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/jwks.json`;
    if (status === undefined) {
      // Nothing listens there any more: the fetch itself fails.
      await new Promise((resolve) => server.close(resolve));
    }
    const unreachable = await startTestAdapter({
      name,
      config: {
        clients: CLIENTS,
        http: { port: 0, oauth: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: url, algorithms: ['ES256'] } },
      },
    });
    return {
      url: unreachable.apiUrl,
      stop: async () => {
        await unreachable.close();
        if (status !== undefined) {
          await new Promise((resolve) => server.close(resolve));
        }
      },
    };
  }

  test.each<[string, number | undefined]>([
    ['nothing listens at the JWKS address', undefined],
    ['the JWKS answers 503', 503],
  ])('a good token is answered 503 with Retry-After, not 401, when %s', async (_name, status) => {
    const { url, stop } = await adapterWithJwks(`jwks-${String(status ?? 'closed')}`, status);
    try {
      const doc = referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } });
      const response = await postJson(`${url}/v1/referrals`, doc, { authorization: `Bearer ${await token()}` });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.body.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(response.body)).toContain('credentials-unverifiable');
    } finally {
      await stop();
    }
  });
});
