/**
 * Clients own what they send, on the real adapter (real Redis, the embedded sandbox EHR): a client submits only
 * under its own source systems and for its own practices, reads only its own messages, cannot get a second body
 * in for an accepted version with a new Idempotency-Key, and admins see and replay only their practices' work.
 */
import type { TestAdapter } from '../../support/adapter';
import { getJson, postJson, startTestAdapter, waitForStatus } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

const CASEBOOK = 'https://casebook.example.org';
const ELEMENTAL = 'https://elemental.example.org';
/** In the sandbox no patient has this NHS number, so its messages fail and wait for a replay. */
const UNKNOWN_PATIENT = '9000000009';

let adapter: TestAdapter;
const keys: Record<string, string> = {};

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'tenancy',
    config: {
      clients: [
        { id: 'casebook', sourceSystems: [CASEBOOK], practices: ['A81001', 'A81002'], roles: ['ingest'] },
        { id: 'elemental', sourceSystems: [ELEMENTAL], practices: ['A81001'], roles: ['ingest'] },
        { id: 'it-a81001', practices: ['A81001'], roles: ['admin'] },
        { id: 'it-all', practices: ['*'], roles: ['admin'] },
        { id: 'audit-a81001', practices: ['A81001'], roles: ['auditor'] },
        { id: 'audit-both', practices: ['A81001', 'A81002'], roles: ['auditor'] },
      ],
    },
  });
  const now = new Date();
  for (const client of ['casebook', 'elemental', 'it-a81001', 'it-all', 'audit-a81001', 'audit-both']) {
    keys[client] = (await adapter.services.apiKeys.create(client, ['ingest', 'admin', 'auditor'], now)).key;
  }
});

afterAll(async () => {
  await adapter.close();
});

function as(client: string): Record<string, string> {
  return { authorization: `Bearer ${keys[client] ?? ''}` };
}

function expressions(body: Record<string, unknown>): string[] {
  return (body.issue as { expression?: string[] }[]).flatMap((issue) => issue.expression ?? []);
}

function errorCodes(body: Record<string, unknown>): string[] {
  return (body.issue as { details?: { coding?: { code?: string }[] } }[]).map(
    (issue) => issue.details?.coding?.[0]?.code ?? '',
  );
}

async function post(client: string, body: unknown, headers: Record<string, string> = {}) {
  return postJson(`${adapter.apiUrl}/v1/referrals`, body, { ...as(client), ...headers });
}

test("another client's source system is refused with 403 naming source.system, and the original stays", async () => {
  const original = referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } });
  const accepted = await post('casebook', original);
  expect(accepted.status).toBe(202);
  const id = String(accepted.body.messageId);
  const delivered = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 15_000, as('casebook'));
  expect(delivered.status).toBe('delivered');

  const takeover = { ...original, source: { ...original.source, recordVersion: 2 }, note: 'Overwritten by another' };
  const refused = await post('elemental', takeover);
  expect(refused.status).toBe(403);
  expect(refused.body.resourceType).toBe('OperationOutcome');
  expect(expressions(refused.body)).toEqual(['source.system']);
  expect(errorCodes(refused.body)).toEqual(['client-not-permitted']);
  expect(JSON.stringify(refused.body)).not.toContain(id);
  // The attempt is in the audit trail, by path and issue code only.
  const rejected = [];
  for await (const entry of adapter.services.ledger.scan('-', '+')) {
    if (entry.type === 'rejected' && entry.fields.recordId === original.source.recordId) {
      rejected.push(entry.fields);
    }
  }
  expect(rejected).toEqual([expect.objectContaining({ client: 'elemental', httpStatus: '403', practice: 'A81001' })]);
  expect(JSON.stringify(rejected)).not.toContain('Overwritten by another');

  const after = await getJson(`${adapter.apiUrl}/v1/messages/${id}`, as('casebook'));
  expect(after.body.status).toBe('delivered');
  expect(after.body.updatedAt).toBe(delivered.updatedAt);
});

test('a practice outside the client’s list is refused with 403 naming gpPractice.odsCode', async () => {
  const elsewhere = referralDoc({
    source: { ...referralDoc().source, system: ELEMENTAL },
    gpPractice: { odsCode: 'A81002' },
  });
  const refused = await post('elemental', elsewhere);
  expect(refused.status).toBe(403);
  expect(expressions(refused.body)).toEqual(['gpPractice.odsCode']);
  expect(errorCodes(refused.body)).toEqual(['client-not-permitted']);
});

test("another client's message reads exactly like one that does not exist", async () => {
  const accepted = await post('casebook', referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } }));
  expect(accepted.status).toBe(202);
  const id = String(accepted.body.messageId);
  expect((await getJson(`${adapter.apiUrl}/v1/messages/${id}`, as('casebook'))).status).toBe(200);

  const theirs = await getJson(`${adapter.apiUrl}/v1/messages/${id}`, as('elemental'));
  const missing = crypto.randomUUID();
  const nothing = await getJson(`${adapter.apiUrl}/v1/messages/${missing}`, as('elemental'));
  expect(theirs.status).toBe(404);
  expect(nothing.status).toBe(404);
  expect(JSON.stringify(theirs.body).replace(id, 'ID')).toBe(JSON.stringify(nothing.body).replace(missing, 'ID'));
});

test("a re-referral naming another client's referral is refused exactly like one naming no referral at all", async () => {
  const earlier = referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } });
  expect((await post('casebook', earlier)).status).toBe(202);
  const rereferral = (client: string, system: string, previousReferralId: string) =>
    post(client, referralDoc({ source: { ...referralDoc().source, system }, previousReferralId }));

  // The same source system knows the earlier referral: accepted.
  expect((await rereferral('casebook', CASEBOOK, earlier.source.recordId)).status).toBe(202);
  // Another client's system holds no such referral, whether or not another client sent one with that id.
  const theirs = await rereferral('elemental', ELEMENTAL, earlier.source.recordId);
  const never = await rereferral('elemental', ELEMENTAL, 'REF-NEVER-SENT');
  expect(theirs.status).toBe(400);
  expect(expressions(theirs.body)).toEqual(['previousReferralId']);
  expect(errorCodes(theirs.body)).toEqual(['rule-violated']);
  expect(never.status).toBe(400);
  expect(JSON.stringify(theirs.body)).toBe(JSON.stringify(never.body));
});

test('an Idempotency-Key never lets a second body in for an accepted source record version', async () => {
  const first = referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } });
  const bodies = [first, { ...first, note: 'Second body' }, { ...first, note: 'Third body' }];
  const answers = [];
  for (const [index, body] of bodies.entries()) {
    answers.push(
      await post('casebook', body, { 'idempotency-key': `attempt-${String(index)}-${first.source.recordId}` }),
    );
  }
  expect(answers.map((answer) => answer.status)).toEqual([202, 409, 409]);
  const id = String(answers[0]?.body.messageId);
  for (const conflict of answers.slice(1)) {
    expect(errorCodes(conflict.body)).toEqual(['identity-conflict']);
    expect(JSON.stringify(conflict.body)).toContain(id);
  }
  // The same body again under yet another key is a repeat of the one accepted message.
  const repeat = await post('casebook', first, { 'idempotency-key': `attempt-9-${first.source.recordId}` });
  expect(repeat.status).toBe(202);
  expect(repeat.body.messageId).toBe(id);
  const delivered = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 15_000, as('casebook'));
  expect(delivered.status).toBe('delivered');
});

test('an Idempotency-Key already used for another record is a conflict naming only the client’s own message', async () => {
  const key = `shared-${crypto.randomUUID()}`;
  const mine = await post('casebook', referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } }), {
    'idempotency-key': key,
  });
  expect(mine.status).toBe(202);
  // The same header value from another client is that client's own key: no conflict, no foreign id.
  const theirs = await post('elemental', referralDoc({ source: { ...referralDoc().source, system: ELEMENTAL } }), {
    'idempotency-key': key,
  });
  expect(theirs.status).toBe(202);
  expect(theirs.body.messageId).not.toBe(mine.body.messageId);
  const reused = await post('casebook', referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } }), {
    'idempotency-key': key,
  });
  expect(reused.status).toBe(409);
  expect(JSON.stringify(reused.body)).toContain(String(mine.body.messageId));
  expect(JSON.stringify(reused.body)).not.toContain(String(theirs.body.messageId));
});

test('an admin lists and replays only the failed messages of its own practices', async () => {
  const failing = (odsCode: string) => {
    const doc = referralDoc({ source: { ...referralDoc().source, system: CASEBOOK }, gpPractice: { odsCode } });
    return { ...doc, patient: { ...doc.patient, nhsNumber: UNKNOWN_PATIENT } };
  };
  const ids: Record<string, string> = {};
  for (const practice of ['A81001', 'A81002']) {
    const accepted = await post('casebook', failing(practice));
    expect(accepted.status).toBe(202);
    ids[practice] = String(accepted.body.messageId);
    await waitForStatus(adapter.apiUrl, ids[practice] ?? '', ['failed'], 15_000, as('casebook'));
  }
  const listed = async (client: string): Promise<string[]> => {
    const page = await getJson(`${adapter.apiUrl}/v1/admin/messages?status=failed&limit=500`, as(client));
    expect(page.status).toBe(200);
    return (page.body.messages as { messageId: string; practice: string }[]).map((m) => `${m.practice} ${m.messageId}`);
  };
  const local = await listed('it-a81001');
  expect(local).toContain(`A81001 ${ids.A81001 ?? ''}`);
  expect(local.every((entry) => entry.startsWith('A81001 '))).toBe(true);
  expect(await listed('it-all')).toContain(`A81002 ${ids.A81002 ?? ''}`);

  // Asking for another practice by name shows nothing; replaying its message by id finds nothing.
  const asked = await getJson(`${adapter.apiUrl}/v1/admin/messages?status=failed&practice=A81002`, as('it-a81001'));
  expect(asked.body.messages).toEqual([]);
  const byId = await postJson(`${adapter.apiUrl}/v1/admin/messages/${ids.A81002 ?? ''}/replay`, {}, as('it-a81001'));
  expect(byId.status).toBe(404);
  const bulk = await postJson(`${adapter.apiUrl}/v1/admin/messages/replay`, {}, as('it-a81001'));
  expect(bulk.status).toBe(202);
  expect(bulk.body.messageIds).toContain(ids.A81001);
  expect(bulk.body.messageIds).not.toContain(ids.A81002);
  const untouched = await getJson(`${adapter.apiUrl}/v1/messages/${ids.A81002 ?? ''}`, as('casebook'));
  expect(untouched.body.status).toBe('failed');
});

test("an admin cannot replay another practice's delivered message", async () => {
  const doc = referralDoc({ source: { ...referralDoc().source, system: CASEBOOK }, gpPractice: { odsCode: 'A81002' } });
  const accepted = await post('casebook', doc);
  expect(accepted.status).toBe(202);
  const id = String(accepted.body.messageId);
  await waitForStatus(adapter.apiUrl, id, ['delivered'], 15_000, as('casebook'));
  const replay = (client: string) =>
    postJson(
      `${adapter.apiUrl}/v1/admin/messages/${id}/replay?delivered=true`,
      { reason: 'EHR restored from backup' },
      as(client),
    );
  expect((await replay('it-a81001')).status).toBe(404);
  expect((await getJson(`${adapter.apiUrl}/v1/messages/${id}`, as('casebook'))).body.status).toBe('delivered');
  expect((await replay('it-all')).status).toBe(202);
});

test('a revoked key is refused on the next request, with no restart', async () => {
  const created = await adapter.services.apiKeys.create('casebook', ['ingest'], new Date());
  const headers = { authorization: `Bearer ${created.key}` };
  const doc = () => referralDoc({ source: { ...referralDoc().source, system: CASEBOOK } });
  expect((await postJson(`${adapter.apiUrl}/v1/referrals`, doc(), headers)).status).toBe(202);
  expect(await adapter.services.apiKeys.revoke(created.keyId, new Date())).toBe(true);
  expect((await postJson(`${adapter.apiUrl}/v1/referrals`, doc(), headers)).status).toBe(401);
});

test('an auditor searches, views and exports only the records of its own practices', async () => {
  const ids: Record<string, string> = {};
  for (const odsCode of ['A81001', 'A81002']) {
    const doc = referralDoc({ source: { ...referralDoc().source, system: CASEBOOK }, gpPractice: { odsCode } });
    const accepted = await post('casebook', doc);
    expect(accepted.status).toBe(202);
    ids[odsCode] = String(accepted.body.messageId);
  }
  const audit = (client: string, path: string) => getJson(`${adapter.apiUrl}/v1/audit/${path}`, as(client));

  const own = await audit('audit-a81001', 'messages?pageSize=100');
  expect(own.status).toBe(200);
  const items = own.body.items as { messageId: string; practice: string }[];
  expect(items.map((item) => item.messageId)).toContain(ids.A81001);
  expect(items.every((item) => item.practice === 'A81001')).toBe(true);

  const other = await audit('audit-a81001', 'messages?practice=A81002');
  expect(other.status).toBe(403);
  expect(expressions(other.body)).toEqual(['practice']);
  expect((await audit('audit-a81001', `messages/${ids.A81002 ?? ''}`)).status).toBe(404);
  expect((await audit('audit-a81001', `messages/${ids.A81001 ?? ''}`)).status).toBe(200);
  expect((await audit('audit-a81001', 'reconciliation?practice=A81002&from=2026-01-01&to=2026-02-01')).status).toBe(
    403,
  );

  const ledger = await audit('audit-a81001', 'ledger');
  const entries = ledger.body.entries as { practice?: string; messageId?: string }[];
  expect(entries.some((entry) => entry.messageId === ids.A81001)).toBe(true);
  expect(entries.every((entry) => entry.practice === 'A81001')).toBe(true);

  // With several practices, a search names one of them.
  expect((await audit('audit-both', 'messages')).status).toBe(403);
  const second = await audit('audit-both', 'messages?practice=A81002');
  expect((second.body.items as { messageId: string }[]).map((item) => item.messageId)).toContain(ids.A81002);
});
