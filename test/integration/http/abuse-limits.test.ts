/**
 * Abuse limits against real Redis: each client's requests per route group, and failed authentications per remote
 * address (an address over its limit is refused even with a good key). Over a limit the answer is 429 with
 * Retry-After and a catalogued OperationOutcome. Also `trust proxy`: statusUrl follows X-Forwarded-Proto/Host only
 * when the proxy is trusted.
 */
import { ERROR_CODE_SYSTEM } from '../../../src/lib/error-catalogue';
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

const INGEST_KEY = 'casebook-key-0123456789abcdef';
const OTHER_INGEST_KEY = 'elemental-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';

function codes(body: Record<string, unknown>): string[] {
  const issues = body.issue as { details?: { coding?: { system?: string; code?: string }[] } }[];
  return issues
    .flatMap((i) => (i.details?.coding ?? []).filter((c) => c.system === ERROR_CODE_SYSTEM))
    .map((c) => c.code ?? '');
}

describe('with small limits', () => {
  let adapter: TestAdapter;

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'http-limits',
      roles: { api: true, worker: false, sandbox: true },
      config: {
        http: {
          port: 0,
          apiKeys: { casebook: INGEST_KEY, elemental: OTHER_INGEST_KEY },
          rateLimits: {
            ingest: { points: 3, durationSeconds: 60 },
            audit: { points: 2, durationSeconds: 60 },
            failedAuth: { points: 3, durationSeconds: 60 },
          },
        },
        audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
      },
    });
  });

  afterAll(async () => {
    await adapter.close();
  });

  test('a client over its ingest limit gets 429 with Retry-After; another client does not', async () => {
    const auth = { authorization: `Bearer ${INGEST_KEY}` };
    for (let i = 0; i < 3; i += 1) {
      expect((await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), auth)).status).toBe(202);
    }
    const refused = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), auth);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/fhir+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(codes(refused.body)).toEqual(['rate-limited']);
    const other = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), {
      authorization: `Bearer ${OTHER_INGEST_KEY}`,
    });
    expect(other.status).toBe(202);
  });

  test('the audit group is counted on its own', async () => {
    const auth = { authorization: `Bearer ${AUDITOR_KEY}` };
    expect((await fetch(`${adapter.apiUrl}/v1/audit/verify`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${adapter.apiUrl}/audit/verify`, { headers: auth })).status).toBe(200);
    const refused = await fetch(`${adapter.apiUrl}/v1/audit/verify`, { headers: auth });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
  });

  test('an address that failed authentication too often is refused, even with a good key', async () => {
    const wrong = { authorization: 'Bearer wrong-key-0123456789abcdef' };
    for (let i = 0; i < 3; i += 1) {
      expect((await postJson(`${adapter.apiUrl}/v1/goals`, {}, wrong)).status).toBe(401);
    }
    const blocked = await postJson(`${adapter.apiUrl}/v1/goals`, {}, wrong);
    expect(blocked.status).toBe(429);
    expect(codes(blocked.body)).toEqual(['rate-limited']);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The block is on the address, before any key is looked at, and covers every area.
    const good = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), {
      authorization: `Bearer ${OTHER_INGEST_KEY}`,
    });
    expect(good.status).toBe(429);
    expect((await fetch(`${adapter.apiUrl}/v1/audit/verify`)).status).toBe(429);
  });
});

describe('with the default limits', () => {
  let adapter: TestAdapter;

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'http-default-limits',
      roles: { api: true, worker: false, sandbox: true },
      config: { http: { port: 0, apiKeys: { casebook: INGEST_KEY } } },
    });
  });

  afterAll(async () => {
    await adapter.close();
  });

  test('a burst of 200 messages from one client is not throttled', async () => {
    const auth = { authorization: `Bearer ${INGEST_KEY}` };
    const statuses = await Promise.all(
      Array.from(
        { length: 200 },
        async () => (await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), auth)).status,
      ),
    );
    expect(statuses.filter((status) => status !== 202)).toEqual([]);
  });

  test('the defaults are documented values: ingest 5,000/s per client, failed auth 20/min per address', () => {
    expect(adapter.config.http.rateLimits).toMatchObject({
      enabled: true,
      ingest: { points: 5000, durationSeconds: 1 },
      failedAuth: { points: 20, durationSeconds: 60 },
    });
  });

  test('without trust proxy, X-Forwarded-Proto and -Host are ignored', async () => {
    const accepted = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), {
      authorization: `Bearer ${INGEST_KEY}`,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'adapter.example.nhs.uk',
    });
    expect(accepted.status).toBe(202);
    expect(String(accepted.body.statusUrl)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/messages\//);
  });
});

describe('behind a trusted proxy', () => {
  let adapter: TestAdapter;

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'http-trust-proxy',
      roles: { api: true, worker: false, sandbox: true },
      config: { http: { port: 0, trustProxy: 'loopback' } },
    });
  });

  afterAll(async () => {
    await adapter.close();
  });

  test('statusUrl and Location follow X-Forwarded-Proto and -Host', async () => {
    const accepted = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'adapter.example.nhs.uk',
    });
    expect(accepted.status).toBe(202);
    const id = String(accepted.body.messageId);
    expect(accepted.body.statusUrl).toBe(`https://adapter.example.nhs.uk/v1/messages/${id}`);
    expect(accepted.headers.get('location')).toBe(`https://adapter.example.nhs.uk/v1/messages/${id}`);
  });
});
