/**
 * OAuth 2.0 client credentials against the sandbox's own token endpoint, over HTTP with real Redis: a token is
 * fetched once and reused; a revoked token is refreshed once and the delivery goes through; a 403 that persists
 * with a fresh token fails at once with the EHR's OperationOutcome; bad credentials fail with a clear reason; a
 * token endpoint that is down is retried until it recovers. check-connection reports whether a token was obtained.
 */
import { checkEndpoint } from '../../src/cli/check-connection';
import { clientCredentialsTokenSource } from '../../src/delivery/access-token';
import { createEndpointRegistry } from '../../src/delivery/endpoints';
import { parseConfig } from '../../src/config/load';
import type { RunningSandbox } from '../../src/sandbox';
import { TOKEN_PATH, startSandbox } from '../../src/sandbox';
import type { TestAdapter } from '../support/adapter';
import { FAST_RETRY, eventually, getJson, postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

const CLIENT = 'sp-adapter';
const SECRET = 'sandbox-client-secret-0123456789';
const WRONG_SECRET = 'not-the-secret-9876543210';

let sandbox: RunningSandbox;
let adapter: TestAdapter;
let misconfigured: TestAdapter;

function endpointConfig(secret: string): Record<string, unknown> {
  return {
    id: 'oauth-ehr',
    baseUrl: sandbox.baseUrl,
    practices: ['*'],
    retry: FAST_RETRY,
    auth: {
      type: 'client-credentials',
      tokenUrl: `http://127.0.0.1:${sandbox.port}${TOKEN_PATH}`,
      clientId: CLIENT,
      clientSecret: secret,
      scope: 'system/Patient.read system/ServiceRequest.write',
    },
  };
}

function oauth(): NonNullable<RunningSandbox['oauth']> {
  if (sandbox.oauth === undefined) {
    throw new Error('the sandbox was started without OAuth');
  }
  return sandbox.oauth;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, oauth: { clients: { [CLIENT]: SECRET }, tokenLifetimeSeconds: 600 } });
  const roles = { api: true, worker: true, sandbox: false };
  adapter = await startTestAdapter({
    name: 'delivery-oauth',
    roles,
    config: { endpoints: [endpointConfig(SECRET)] },
  });
  misconfigured = await startTestAdapter({
    name: 'delivery-oauth-bad',
    roles,
    config: { endpoints: [endpointConfig(WRONG_SECRET)] },
  });
});

afterAll(async () => {
  await adapter.close();
  await misconfigured.close();
  await sandbox.close();
});

async function submit(target: TestAdapter): Promise<string> {
  const response = await postJson(`${target.apiUrl}/v1/referrals`, referralDoc());
  expect(response.status).toBe(202);
  return String(response.body.messageId);
}

test('the sandbox refuses FHIR requests without a token but serves its CapabilityStatement', async () => {
  expect((await fetch(`${sandbox.baseUrl}/Patient?_count=1`)).status).toBe(401);
  expect((await fetch(`${sandbox.baseUrl}/metadata`)).status).toBe(200);
});

test('a token is fetched once and reused for later deliveries', async () => {
  const before = oauth().issued();
  const first = await submit(adapter);
  expect((await waitForStatus(adapter.apiUrl, first, ['delivered', 'failed'])).status).toBe('delivered');
  const ids = [await submit(adapter), await submit(adapter), await submit(adapter)];
  for (const id of ids) {
    expect((await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'])).status).toBe('delivered');
  }
  // This is the adapter's first delivery: one token, reused for all four.
  expect(oauth().issued()).toBe(before + 1);
  // The token request went through the endpoint's request budget and is counted with its FHIR requests.
  const requests = await adapter.services.metrics.registry.getSingleMetric('spfa_ehr_requests_total')?.get();
  const byKind = new Map(requests?.values.map((value) => [String(value.labels.kind), value.value]));
  expect(byKind.get('token')).toBe(1);
  expect(byKind.get('transaction')).toBe(4);
});

test('concurrent callers share one token request, and an invalidated token is replaced once', async () => {
  const tokens = clientCredentialsTokenSource(
    {
      tokenUrl: `http://127.0.0.1:${sandbox.port}${TOKEN_PATH}`,
      clientId: CLIENT,
      clientSecret: SECRET,
      clientAuthentication: 'client_secret_post',
    },
    { timeoutMs: 2000 },
  );
  const before = oauth().issued();
  const first = await Promise.all(Array.from({ length: 20 }, async () => tokens.token()));
  expect(new Set(first).size).toBe(1);
  expect(oauth().issued()).toBe(before + 1);
  const stale = first[0] ?? '';
  for (let i = 0; i < 5; i += 1) {
    tokens.invalidate(stale);
  }
  const second = await Promise.all(Array.from({ length: 20 }, async () => tokens.token()));
  expect(new Set(second).size).toBe(1);
  expect(second[0]).not.toBe(stale);
  expect(oauth().issued()).toBe(before + 2);
});

test('a revoked token is refreshed once and the message is delivered on the same attempt', async () => {
  const warm = await submit(adapter);
  await waitForStatus(adapter.apiUrl, warm, ['delivered', 'failed']);
  const before = oauth().issued();
  oauth().revokeAll();
  const id = await submit(adapter);
  const status = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed']);
  expect(status.status).toBe('delivered');
  expect(status.attempts).toBe(1);
  expect(oauth().issued()).toBe(before + 1);
});

test("a 403 that persists with a fresh token fails at once, keeping the EHR's OperationOutcome", async () => {
  const warm = await submit(adapter);
  await waitForStatus(adapter.apiUrl, warm, ['delivered', 'failed']);
  const before = oauth().issued();
  oauth().deny(CLIENT, true);
  try {
    const id = await submit(adapter);
    const status = await waitForStatus(adapter.apiUrl, id, ['failed', 'delivered']);
    expect(status.status).toBe('failed');
    expect(status.attempts).toBe(1);
    expect(String(status.lastError)).toContain('HTTP 403 after a fresh access token');
    expect(JSON.stringify(status.outcome)).toContain(`Client ${CLIENT} may not use this FHIR API`);
    // Exactly one refresh, not one per request.
    expect(oauth().issued()).toBe(before + 1);
  } finally {
    oauth().deny(CLIENT, false);
  }
});

test('bad client credentials fail at once with a clear reason and no secret in it', async () => {
  const id = await submit(misconfigured);
  const status = await waitForStatus(misconfigured.apiUrl, id, ['failed', 'delivered']);
  expect(status.status).toBe('failed');
  expect(status.attempts).toBe(1);
  expect(String(status.lastError)).toMatch(/token endpoint .* answered HTTP 401 \(invalid_client/);
  expect(String(status.lastError)).toContain('check the endpoint');
  expect(JSON.stringify(status)).not.toContain(WRONG_SECRET);
});

test('a token endpoint that is down is retried with backoff until it recovers', async () => {
  oauth().tokenOutage(503);
  oauth().revokeAll();
  let id = '';
  try {
    id = await submit(adapter);
    const waiting = await eventually(
      async () => {
        const { body } = await getJson(`${adapter.apiUrl}/v1/messages/${id}`);
        return Number(body.attempts) >= 2 ? body : undefined;
      },
      15_000,
      'two failed attempts',
    );
    expect(waiting.status).not.toBe('failed');
    expect(String(waiting.lastError)).toContain('answered HTTP 503');
  } finally {
    oauth().tokenOutage(undefined);
  }
  expect((await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'])).status).toBe('delivered');
});

test('check-connection reports whether an access token could be obtained', async () => {
  const config = parseConfig({ endpoints: [endpointConfig(SECRET), { ...endpointConfig(WRONG_SECRET), id: 'bad' }] });
  const [good, bad] = createEndpointRegistry(config.endpoints, { signingKeys: config.signingKeys }).all;
  if (good === undefined || bad === undefined) {
    throw new Error('two endpoints expected');
  }
  const options = { dryRun: false, now: () => new Date() };
  const ok = await checkEndpoint(good, 0, options);
  expect(ok.ok).toBe(true);
  expect(ok.checks.find((result) => result.check === 'token')?.detail).toContain('token obtained from');
  expect(ok.checks.find((result) => result.check === 'patient search')?.status).toBe('pass');
  const refused = await checkEndpoint(bad, 1, options);
  expect(refused.ok).toBe(false);
  const token = refused.checks.find((result) => result.check === 'token');
  expect(token?.detail).toMatch(/HTTP 401 \(invalid_client/);
  expect(token?.fix).toContain('endpoints[1].auth.clientId and clientSecret');
  expect(JSON.stringify(refused)).not.toContain(WRONG_SECRET);
});
