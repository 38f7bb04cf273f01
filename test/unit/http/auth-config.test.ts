/**
 * The clients and credentials settings from the environment: CLIENTS as JSON, ALLOW_INSECURE_HTTP as a flag and
 * the issuer's OAUTH_* variables (empty meaning unset, as a compose file passes them), each problem by name.
 */
import { ConfigError, loadConfig } from '../../../src/config/load';

const CLIENTS = JSON.stringify([
  { id: 'casebook', sourceSystems: ['https://casebook.example.org'], practices: ['A81001'], roles: ['ingest'] },
]);

test('CLIENTS, ALLOW_INSECURE_HTTP and the issuer come from the environment', () => {
  const config = loadConfig({
    CLIENTS,
    ALLOW_INSECURE_HTTP: 'yes',
    OAUTH_ISSUER: 'https://login.example.org',
    OAUTH_AUDIENCE: 'https://adapter.example.org',
    OAUTH_JWKS_URL: 'https://login.example.org/jwks.json',
  });
  expect(config.clients.map((client) => client.id)).toEqual(['casebook']);
  expect(config.http.allowInsecure).toBe(true);
  expect(config.http.oauth).toMatchObject({
    issuer: 'https://login.example.org',
    audience: 'https://adapter.example.org',
    algorithms: ['RS256', 'ES256'],
    clientClaim: 'client_id',
    rolesClaim: 'scope',
  });
});

test('empty OAUTH_* variables leave the issuer unset; insecure is off by default', () => {
  const config = loadConfig({ OAUTH_ISSUER: '', OAUTH_AUDIENCE: '', OAUTH_JWKS_URL: '' });
  expect(config.http.oauth).toBeUndefined();
  expect(config.http.allowInsecure).toBe(false);
  expect(config.clients).toEqual([]);
});

test.each([
  [{ CLIENTS: 'not json' }, /CLIENTS must be the clients array as JSON/],
  [{ CLIENTS: JSON.stringify([{ id: 'x', practices: [], roles: ['root'] }]) }, /clients\[0\]\.practices/],
  [{ CLIENTS: JSON.stringify([{ id: 'x', practices: ['*'], roles: ['root'] }]) }, /clients\[0\]\.roles\[0\]/],
  [{ OAUTH_ISSUER: 'https://login.example.org' }, /http\.oauth\.audience/],
  [{ ALLOW_INSECURE_HTTP: 'perhaps' }, /http\.allowInsecure/],
])('a bad setting is named: %j', (env, problem) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(problem);
});
