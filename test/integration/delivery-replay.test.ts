/**
 * Failed messages on real Redis and the sandbox over HTTP: a message that cannot be delivered (the EHR has no such
 * patient) fails with its reason, is listed by the admin API with filters, is not blocking the messages behind it,
 * and once the cause is fixed (the patient is registered) a replay delivers it, with the replaying client recorded.
 */
import { Redis } from 'ioredis';
import { NHS_NUMBER_SYSTEM } from '../../src/sandbox';
import type { TestAdapter } from '../support/adapter';
import { eventually, postJson, startTestAdapter } from '../support/adapter';
import { referralDoc } from '../support/fixtures';
import { TEST_REDIS_URL } from '../support/redis';

const KEY = 'link-worker-key-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };
const ADMIN_KEY = 'practice-it-admin-key-0123456789';
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'delivery-replay',
    config: { http: { port: 0, apiKeys: { 'link-worker': KEY }, adminKeys: { 'practice-it': ADMIN_KEY } } },
  });
});

afterAll(async () => {
  await adapter.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${adapter.apiUrl}${path}`, { headers: path.startsWith('/v1/admin') ? ADMIN : AUTH });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Waits (authenticated) until the message reaches one of the statuses. */
async function waitForStatus(
  _apiUrl: string,
  id: string,
  statuses: readonly string[],
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  return eventually(
    async () => {
      const { body } = await get(`/v1/messages/${id}`);
      return statuses.includes(String(body.status)) ? body : undefined;
    },
    timeoutMs,
    `message ${id} to reach ${statuses.join('/')}`,
  );
}

test('a failed message is listed with its reason, does not block others, and a replay delivers it', async () => {
  const unknownPatient = '9000000009';
  const poison = referralDoc({ patient: { ...referralDoc().patient, nhsNumber: unknownPatient } });
  const bad = await postJson(`${adapter.apiUrl}/v1/referrals`, poison, AUTH);
  expect(bad.status).toBe(202);
  const badId = String(bad.body.messageId);
  const good = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), AUTH);
  const goodId = String(good.body.messageId);

  const failed = await waitForStatus(adapter.apiUrl, badId, ['failed', 'delivered']);
  expect(failed).toMatchObject({ status: 'failed' });
  // The poison message did not hold up the one behind it.
  expect((await waitForStatus(adapter.apiUrl, goodId, ['failed', 'delivered'])).status).toBe('delivered');

  const since = new Date(Date.now() - 60_000).toISOString();
  const listed = await get(`/v1/admin/messages?status=failed&practice=A81001&endpoint=sandbox&since=${since}`);
  expect(listed.status).toBe(200);
  const messages = listed.body.messages as { messageId: string; lastError?: string; outcome?: unknown }[];
  const entry = messages.find((m) => m.messageId === badId);
  expect(entry?.lastError).toContain('no patient');
  expect(entry?.outcome).toBeDefined();
  expect(JSON.stringify(listed.body)).not.toContain(unknownPatient);
  // Another practice's filter does not list it.
  const other = await get('/v1/admin/messages?status=failed&practice=Z99999');
  expect((other.body.messages as unknown[]).some((m) => (m as { messageId: string }).messageId === badId)).toBe(false);

  // A replay of a message that is not failed is refused.
  const refused = await fetch(`${adapter.apiUrl}/v1/admin/messages/${goodId}/replay`, {
    method: 'POST',
    headers: ADMIN,
  });
  expect(refused.status).toBe(409);

  // Fix the cause: the GP record now has the patient.
  const created = await fetch(`${adapter.sandbox?.baseUrl ?? ''}/Patient`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Patient',
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: unknownPatient }],
      // The person the message names: delivery checks the family name and birth date it carries.
      name: [{ family: poison.patient.name?.family ?? 'Replay', given: ['Test'] }],
      ...(poison.patient.birthDate !== undefined ? { birthDate: poison.patient.birthDate } : {}),
    }),
  });
  expect(created.status).toBe(201);

  const replay = await fetch(`${adapter.apiUrl}/v1/admin/messages/${badId}/replay`, { method: 'POST', headers: ADMIN });
  expect(replay.status).toBe(202);
  const delivered = await waitForStatus(adapter.apiUrl, badId, ['delivered', 'failed']);
  expect(delivered.status).toBe('delivered');

  const redis = new Redis(TEST_REDIS_URL);
  try {
    const entries = await redis.xrange(`${adapter.prefix}:ledger`, '-', '+');
    const replayed = entries
      .map(([, fields]) => {
        const record: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) {
          record[fields[i] ?? ''] = fields[i + 1] ?? '';
        }
        return record;
      })
      .filter((fields) => fields.type === 'replayed' && fields.messageId === badId);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]?.by).toBe('practice-it');
  } finally {
    await redis.quit();
  }
});

test('replay-all replays every failed message matching the filter and leaves others alone', async () => {
  const nhs = '9000000017';
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const response = await postJson(
      `${adapter.apiUrl}/v1/referrals`,
      referralDoc({ patient: { ...referralDoc().patient, nhsNumber: nhs } }),
      AUTH,
    );
    ids.push(String(response.body.messageId));
  }
  for (const id of ids) {
    expect((await waitForStatus(adapter.apiUrl, id, ['failed', 'delivered'])).status).toBe('failed');
  }
  const none = await fetch(`${adapter.apiUrl}/v1/admin/messages/replay`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ practice: 'Z99999' }),
  });
  expect(((await none.json()) as { replayed: number }).replayed).toBe(0);

  const all = await fetch(`${adapter.apiUrl}/v1/admin/messages/replay`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ practice: 'A81001', endpoint: 'sandbox' }),
  });
  expect(all.status).toBe(202);
  const result = (await all.json()) as { replayed: number; messageIds: string[] };
  for (const id of ids) {
    expect(result.messageIds).toContain(id);
  }
  // Still no such patient: they fail again, visibly, and stay listed.
  for (const id of ids) {
    expect((await waitForStatus(adapter.apiUrl, id, ['failed', 'delivered'])).status).toBe('failed');
  }
});

test('bad filters are a 400 OperationOutcome naming the parameter', async () => {
  const response = await get('/v1/admin/messages?status=lost&since=yesterday');
  expect(response.status).toBe(400);
  expect(response.body.resourceType).toBe('OperationOutcome');
  const expressions = (response.body.issue as { expression?: string[] }[]).flatMap((i) => i.expression ?? []);
  expect(expressions).toEqual(expect.arrayContaining(['status', 'since']));
});
