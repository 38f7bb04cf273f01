/**
 * Resolving credentials to principals, with an in-memory key lookup: per-role keys stay unscoped, stored keys get
 * their client's scope and never more roles than the client has, an unknown or removed client is no principal,
 * and the configuration refuses two clients claiming one source system.
 */
import type { ApiKeyLookup } from '../../../src/http/auth';
import { createAuthenticator, isOpen, rolesInClaim } from '../../../src/http/auth';
import { ConfigError, parseConfig } from '../../../src/config/load';
import type { ClientConfig } from '../../../src/config/schema';
import type { StoredApiKey } from '../../../src/store/api-keys';
import { apiKeyHash } from '../../../src/store/api-keys';
import { isLoopbackHost } from '../../../src/runtime/exposure';

const CLIENTS: ClientConfig[] = [
  { id: 'casebook', sourceSystems: ['https://casebook.example.org'], practices: ['A81001'], roles: ['ingest'] },
  { id: 'it-all', sourceSystems: [], practices: ['*'], roles: ['admin', 'auditor'] },
];

/** Keys by secret, as the Redis store would find them by hash. */
function lookup(keys: Record<string, Omit<StoredApiKey, 'keyId' | 'createdAt'>>): ApiKeyLookup {
  const byHash = new Map(Object.entries(keys).map(([secret, key]) => [apiKeyHash(secret), key]));
  return {
    find: async (secret) => {
      const key = byHash.get(apiKeyHash(secret));
      return Promise.resolve(
        key === undefined ? undefined : { ...key, keyId: 'k1', createdAt: '2026-01-01T00:00:00Z' },
      );
    },
  };
}

const EMPTY_RING = { ingest: {}, admin: {}, auditor: {} };

test('a per-role key is an unscoped client of that role, whichever area it is shown to', async () => {
  const auth = createAuthenticator({
    keyRing: { ingest: { lw: 'ingest-key-0123456789' }, admin: { jo: 'admin-key-0123456789' }, auditor: {} },
    clients: [],
  });
  expect(await auth.identify('ingest-key-0123456789', 'admin')).toEqual({
    clientId: 'lw',
    roles: ['ingest'],
    practices: '*',
    sourceSystems: '*',
  });
  expect((await auth.identify('admin-key-0123456789', 'admin'))?.roles).toEqual(['admin']);
  expect(await auth.identify('nothing-0123456789', 'ingest')).toBeUndefined();
});

test("a stored key carries its client's scope and only the roles both grant", async () => {
  const auth = createAuthenticator({
    keyRing: EMPTY_RING,
    clients: CLIENTS,
    apiKeys: lookup({
      spk_one: { clientId: 'casebook', roles: ['ingest', 'admin'] },
      spk_two: { clientId: 'it-all', roles: ['auditor'] },
      spk_gone: { clientId: 'removed-from-config', roles: ['ingest'] },
    }),
  });
  expect(await auth.identify('spk_one', 'ingest')).toEqual({
    clientId: 'casebook',
    roles: ['ingest'],
    practices: ['A81001'],
    sourceSystems: ['https://casebook.example.org'],
  });
  expect(await auth.identify('spk_two', 'admin')).toEqual({
    clientId: 'it-all',
    roles: ['auditor'],
    practices: '*',
    sourceSystems: [],
  });
  expect(await auth.identify('spk_gone', 'ingest')).toBeUndefined();
  expect(await auth.identify('spk_unknown', 'ingest')).toBeUndefined();
});

test('roles come from an array claim or a space-separated scope, unknown names ignored', () => {
  expect(rolesInClaim('openid ingest metrics')).toEqual(['ingest', 'metrics']);
  expect(rolesInClaim(['admin', 'root'])).toEqual(['admin']);
  expect(rolesInClaim(42)).toEqual([]);
});

test('the API is open only with no per-role keys, no clients and no issuer', () => {
  expect(isOpen({ keyRing: EMPTY_RING, clients: [] })).toBe(true);
  expect(isOpen({ keyRing: EMPTY_RING, clients: CLIENTS })).toBe(false);
  expect(isOpen({ keyRing: { ...EMPTY_RING, auditor: { ann: 'auditor-key-0123456789' } }, clients: [] })).toBe(false);
});

test.each([
  ['127.0.0.1', true],
  ['127.1.2.3', true],
  ['localhost', true],
  ['::1', true],
  ['[::1]', true],
  ['0.0.0.0', false],
  ['10.0.0.5', false],
  ['::', false],
])('%s is loopback: %s', (host, loopback) => {
  expect(isLoopbackHost(host)).toBe(loopback);
});

test('two clients may not claim one source system, and each problem names its setting', () => {
  const clash = () =>
    parseConfig({
      clients: [
        { id: 'a', sourceSystems: ['urn:sys'], practices: ['*'], roles: ['ingest'] },
        { id: 'a', sourceSystems: ['urn:sys'], practices: ['*'], roles: ['ingest'] },
        { id: 'b', sourceSystems: ['urn:sys'], practices: ['*'], roles: ['ingest'] },
      ],
    });
  expect(clash).toThrow(ConfigError);
  expect(clash).toThrow(/clients\[1\]\.id/);
  expect(clash).toThrow(/clients\[2\]\.sourceSystems\[0\]: already belongs to client "a"/);
});
