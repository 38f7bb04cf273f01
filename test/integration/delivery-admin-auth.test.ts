/**
 * Admin keys for /v1/admin on the real adapter: ingest and auditor keys are refused with a 403 OperationOutcome,
 * no or unknown keys with 401, admin keys do not work for ingest, a replay records the admin client's id, and with
 * no keys configured at all (local use) the admin API stays open.
 */
import { Redis } from 'ioredis';
import type { TestAdapter } from '../support/adapter';
import { eventually, postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { referralDoc } from '../support/fixtures';
import { TEST_REDIS_URL } from '../support/redis';

const INGEST_KEY = 'link-worker-key-0123456789';
const ADMIN_KEY = 'practice-it-admin-0123456789';
const AUDITOR_KEY = 'auditor-key-0123456789abc';

let adapter: TestAdapter;
let open: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'delivery-admin-auth',
    config: {
      http: { port: 0, apiKeys: { 'link-worker': INGEST_KEY }, adminKeys: { 'practice-it-jo': ADMIN_KEY } },
      audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
    },
  });
  open = await startTestAdapter({ name: 'delivery-admin-open' });
});

afterAll(async () => {
  await adapter.close();
  await open.close();
});

async function call(
  path: string,
  key: string | undefined,
  method = 'GET',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${adapter.apiUrl}${path}`, {
    method,
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function issueText(body: Record<string, unknown>): string {
  return (body.issue as { details?: { text?: string } }[]).map((i) => i.details?.text ?? '').join(' ');
}

test('ingest and auditor keys get 403 with an OperationOutcome on every admin route', async () => {
  for (const key of [INGEST_KEY, AUDITOR_KEY]) {
    const list = await call('/v1/admin/messages', key);
    expect(list.status).toBe(403);
    expect(list.body.resourceType).toBe('OperationOutcome');
    expect(issueText(list.body)).toContain('admin key');
    expect((await call('/v1/admin/messages/replay', key, 'POST')).status).toBe(403);
    expect((await call(`/v1/admin/messages/${crypto.randomUUID()}/replay`, key, 'POST')).status).toBe(403);
  }
});

test('no key or an unknown key gets 401; an admin key lists', async () => {
  expect((await call('/v1/admin/messages', undefined)).status).toBe(401);
  expect((await call('/v1/admin/messages', 'unknown-key-0123456789abcdef')).status).toBe(401);
  const listed = await call('/v1/admin/messages', ADMIN_KEY);
  expect(listed.status).toBe(200);
  expect(Array.isArray(listed.body.messages)).toBe(true);
  expect((await call('/v1/admin/nothing-here', ADMIN_KEY)).status).toBe(404);
});

test('an admin key does not work for ingest', async () => {
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), {
    authorization: `Bearer ${ADMIN_KEY}`,
  });
  expect(response.status).toBe(403);
  expect(response.body.resourceType).toBe('OperationOutcome');
});

test("a replay records the admin client's id", async () => {
  const poison = referralDoc({ patient: { ...referralDoc().patient, nhsNumber: '9000000009' } });
  const accepted = await postJson(`${adapter.apiUrl}/v1/referrals`, poison, { authorization: `Bearer ${INGEST_KEY}` });
  expect(accepted.status).toBe(202);
  const id = String(accepted.body.messageId);
  await eventually(
    async () => {
      const response = await fetch(`${adapter.apiUrl}/v1/messages/${id}`, {
        headers: { authorization: `Bearer ${INGEST_KEY}` },
      });
      const body = (await response.json()) as { status: string };
      return body.status === 'failed' ? body : undefined;
    },
    15_000,
    'the message to fail',
  );
  const replay = await call(`/v1/admin/messages/${id}/replay`, ADMIN_KEY, 'POST');
  expect(replay.status).toBe(202);
  expect(replay.body.replayedBy).toBe('practice-it-jo');
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const entries = await redis.xrange(`${adapter.prefix}:ledger`, '-', '+');
    const replayed = entries.filter(([, fields]) => fields.includes('replayed') && fields.includes(id));
    expect(replayed).toHaveLength(1);
    const fields = replayed[0]?.[1] ?? [];
    expect(fields[fields.indexOf('by') + 1]).toBe('practice-it-jo');
  } finally {
    await redis.quit();
  }
});

test('with no keys configured at all the admin API is open (local use)', async () => {
  const accepted = await postJson(`${open.apiUrl}/v1/referrals`, referralDoc());
  expect(accepted.status).toBe(202);
  await waitForStatus(open.apiUrl, String(accepted.body.messageId), ['delivered', 'failed']);
  const response = await fetch(`${open.apiUrl}/v1/admin/messages?status=delivered`);
  expect(response.status).toBe(200);
});
