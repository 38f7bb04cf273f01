/**
 * Operator safety at the admin and audit API: a bulk replay whose filter cannot be read is refused (never "replay
 * everything"), `max` always applies, and a query parameter a route does not define is a 400 naming it rather
 * than an unfiltered answer. Real adapter, real Redis, the embedded sandbox as the EHR.
 */
import { ERROR_CODE_SYSTEM } from '../../../src/lib/error-catalogue';
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

const INGEST_KEY = 'casebook-key-0123456789abcdef';
const ADMIN_KEY = 'practice-it-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
const INGEST = { authorization: `Bearer ${INGEST_KEY}` };
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
const AUDITOR = { authorization: `Bearer ${AUDITOR_KEY}` };
/** Valid, but unknown to the sandbox: delivery fails for good ("no patient"). */
const UNKNOWN_PATIENT = '9000000017';

let adapter: TestAdapter;
const failedIds: string[] = [];

interface Outcome {
  readonly issue: { expression?: string[]; details?: { coding?: { system?: string; code?: string }[] } }[];
}

function problems(body: unknown): { code: string; expression: string }[] {
  return (body as Outcome).issue.map((issue) => ({
    code: issue.details?.coding?.find((c) => c.system === ERROR_CODE_SYSTEM)?.code ?? '',
    expression: issue.expression?.[0] ?? '',
  }));
}

async function failedNow(): Promise<string[]> {
  const response = await fetch(`${adapter.apiUrl}/v1/admin/messages?status=failed&limit=500`, { headers: ADMIN });
  const body = (await response.json()) as { messages: { messageId: string }[] };
  return body.messages.map((m) => m.messageId).filter((id) => failedIds.includes(id));
}

async function replay(body: string | undefined, contentType?: string): Promise<Response> {
  return fetch(`${adapter.apiUrl}/v1/admin/messages/replay`, {
    method: 'POST',
    headers: { ...ADMIN, ...(contentType !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
}

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'http-operator-safety',
    config: {
      http: { port: 0, apiKeys: { casebook: INGEST_KEY }, adminKeys: { 'practice-it': ADMIN_KEY } },
      audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
    },
  });
  for (let i = 0; i < 3; i += 1) {
    const doc = referralDoc({ patient: { ...referralDoc().patient, nhsNumber: UNKNOWN_PATIENT } });
    const response = await postJson(`${adapter.apiUrl}/v1/referrals`, doc, INGEST);
    expect(response.status).toBe(202);
    failedIds.push(String(response.body.messageId));
  }
  for (const id of failedIds) {
    expect((await waitForStatus(adapter.apiUrl, id, ['failed', 'delivered'], 15_000, INGEST)).status).toBe('failed');
  }
}, 60_000);

afterAll(async () => {
  await adapter.close();
});

test('a replay filter sent as another content type is refused, and nothing is replayed', async () => {
  const response = await replay(JSON.stringify({ practice: 'Z99999', max: 1 }), 'text/plain');
  expect(response.status).toBe(415);
  expect(problems(await response.json()).map((p) => p.code)).toEqual(['media-type-unsupported']);
  expect((await failedNow()).sort()).toEqual([...failedIds].sort());
});

test('a replay without a filter, or with a filter that is not JSON, is a 400 and replays nothing', async () => {
  const missing = await replay(undefined, 'application/json');
  expect(missing.status).toBe(400);
  expect(problems(await missing.json())).toEqual([{ code: 'field-missing', expression: '$this' }]);
  const broken = await replay('{"practice": "A81001"', 'application/json');
  expect(broken.status).toBe(400);
  expect(problems(await broken.json())).toEqual([{ code: 'body-not-json', expression: '$this' }]);
  const misspelt = await replay(JSON.stringify({ practise: 'A81001' }), 'application/json');
  expect(misspelt.status).toBe(400);
  expect(problems(await misspelt.json())).toEqual([{ code: 'field-unknown', expression: 'practise' }]);
  expect((await failedNow()).sort()).toEqual([...failedIds].sort());
});

test('max limits a bulk replay', async () => {
  const response = await replay(JSON.stringify({ practice: 'A81001', max: 1 }), 'application/json');
  expect(response.status).toBe(202);
  const body = (await response.json()) as { replayed: number; messageIds: string[]; more: boolean };
  expect(body.replayed).toBe(1);
  expect(body.messageIds).toHaveLength(1);
  expect(body.more).toBe(true);
  // The replayed one fails again (still no such patient); the others were never touched.
  const replayedId = body.messageIds[0] ?? '';
  expect((await waitForStatus(adapter.apiUrl, replayedId, ['failed'], 15_000, INGEST)).status).toBe('failed');
});

test('a misspelt audit filter is a 400 naming the parameter, never an unfiltered search', async () => {
  const search = await fetch(`${adapter.apiUrl}/v1/audit/messages?practise=A81001`, { headers: AUDITOR });
  expect(search.status).toBe(400);
  expect(problems(await search.json())).toEqual([{ code: 'field-unknown', expression: 'practise' }]);
  const ledger = await fetch(`${adapter.apiUrl}/v1/audit/ledger?tpye=rejected`, { headers: AUDITOR });
  expect(ledger.status).toBe(400);
  expect(problems(await ledger.json())).toEqual([{ code: 'field-unknown', expression: 'tpye' }]);
  const events = await fetch(`${adapter.apiUrl}/v1/audit/audit-events?practice=A81001&format=csv`, {
    headers: AUDITOR,
  });
  expect(events.status).toBe(400);
  expect(problems(await events.json())).toEqual([{ code: 'field-unknown', expression: 'format' }]);
  const listing = await fetch(`${adapter.apiUrl}/v1/admin/messages?practise=A81001`, { headers: ADMIN });
  expect(listing.status).toBe(400);
  expect(problems(await listing.json())).toEqual([{ code: 'field-unknown', expression: 'practise' }]);
});

test('the parameters each audit route defines still work', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const urls = [
    '/v1/audit/messages?practice=A81001&status=failed&page=1&pageSize=10',
    `/v1/audit/reconciliation?practice=A81001&from=${today}&to=${tomorrow}&format=csv`,
    '/v1/audit/ledger?type=rejected&format=ndjson',
    '/v1/audit/audit-events?practice=A81001',
    '/audit?practice=A81001&status=failed',
  ];
  for (const url of urls) {
    expect([url, (await fetch(`${adapter.apiUrl}${url}`, { headers: AUDITOR })).status]).toEqual([url, 200]);
  }
  const search = await fetch(`${adapter.apiUrl}/v1/audit/messages?practice=A81001&status=failed`, {
    headers: AUDITOR,
  });
  const found = (await search.json()) as { total: number };
  expect(found.total).toBeGreaterThanOrEqual(failedIds.length);
});
