/**
 * Episode documents as operators and auditors see them, against real Redis, the sandbox EHR and the MESH sandbox
 * over HTTP: a document the practice refuses shows on its referral's status with the practice's reason, in the
 * admin listing of the admin's own practices only, and in the reconciliation with its timeline; an admin replays it
 * over HTTP (another practice's admin cannot even see it), the CLI's `replay --documents` counts and replays by
 * filter, and every replay is in the ledger with who asked.
 */
import { PassThrough } from 'node:stream';
import { replayDocumentsCommand } from '../../../src/cli/replay';
import type { TestAdapter } from '../../support/adapter';
import { FAST_RETRY, eventually, getJson, postJson, startTestAdapter } from '../../support/adapter';
import { journeyBody } from '../../support/fixtures';

const CASEBOOK = 'https://casebook.example.org';
const NAMED = { nhsNumber: '9990000018', name: { given: 'Ada', family: 'Example' }, birthDate: '1952-04-11' };
const REFUSAL = { code: '30002', text: 'Patient not registered at this practice' };

let adapter: TestAdapter;
const keys: Record<string, string> = {};

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'send-document-operators',
    config: {
      sandbox: { port: 0, meshPort: 0 },
      clients: [
        { id: 'casebook', sourceSystems: [CASEBOOK], practices: ['A81001', 'A81002'], roles: ['ingest'] },
        { id: 'it-a81001', practices: ['A81001'], roles: ['admin'] },
        { id: 'it-a81002', practices: ['A81002'], roles: ['admin'] },
        { id: 'audit-all', practices: ['*'], roles: ['auditor'] },
      ],
      endpoints: [
        {
          id: 'sandbox',
          baseUrl: 'sandbox',
          practices: ['*'],
          retry: FAST_RETRY,
          routes: ['fhir', 'mesh-send-document'],
          mesh: { mailbox: 'SPFHIR001', pollIntervalMs: 250 },
        },
      ],
    },
  });
  const now = new Date();
  for (const client of ['casebook', 'it-a81001', 'it-a81002', 'audit-all']) {
    keys[client] = (await adapter.services.apiKeys.create(client, ['ingest', 'admin', 'auditor'], now)).key;
  }
}, 30_000);

afterAll(async () => {
  await adapter.close();
});

function as(client: string): Record<string, string> {
  return { authorization: `Bearer ${keys[client] ?? ''}` };
}

function mesh(): NonNullable<TestAdapter['meshSandbox']> {
  if (adapter.meshSandbox === undefined) {
    throw new Error('the MESH sandbox did not start');
  }
  return adapter.meshSandbox;
}

/** Posts the quick-connection referral and its closure under `recordId`; returns the closure's message id. */
async function referAndClose(recordId: string): Promise<string> {
  let closure = '';
  for (const file of ['01-referral.json', '04-closure.json']) {
    const body = journeyBody(`a-quick-connection/${file}`) as { source: Record<string, unknown> };
    const answer = await postJson(
      `${adapter.apiUrl}/v1/referrals`,
      { ...body, source: { ...body.source, recordId }, patient: NAMED },
      as('casebook'),
    );
    expect(answer.status).toBe(202);
    closure = String(answer.body.messageId);
  }
  return closure;
}

interface ShownDocument {
  readonly documentId: string;
  readonly status: string;
  readonly version: number;
  readonly sendNo: number;
  readonly lastError?: string;
  readonly acknowledgements: { readonly infrastructure?: string; readonly business?: string };
}

async function documentOnStatus(messageId: string, status: string): Promise<ShownDocument> {
  return eventually(
    async () => {
      const { body } = await getJson(`${adapter.apiUrl}/v1/messages/${messageId}`, as('casebook'));
      const document = body.episodeDocument as ShownDocument | undefined;
      return document?.status === status ? document : undefined;
    },
    20_000,
    `the episode document to be ${status}`,
  );
}

function collect(): PassThrough & { text(): string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return Object.assign(out, { text: () => text });
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

it('shows a refused document to its practice’s admin and replays it over HTTP, recording who asked', async () => {
  mesh().setPractice('A81001', { mode: 'reject', reason: REFUSAL });
  const closure = await referAndClose('SD-OPS-HTTP');
  const failed = await documentOnStatus(closure, 'failed');
  expect(failed).toMatchObject({ version: 1, sendNo: 1, acknowledgements: { infrastructure: '20013' } });
  expect(failed.lastError).toContain('30002');
  expect(failed.lastError).toContain(REFUSAL.text);

  const listed = await getJson(`${adapter.apiUrl}/v1/admin/documents`, as('it-a81001'));
  expect(listed.status).toBe(200);
  expect((listed.body.documents as ShownDocument[]).map((d) => d.documentId)).toContain(failed.documentId);
  // Another practice's admin neither sees nor replays it.
  const elsewhere = await getJson(`${adapter.apiUrl}/v1/admin/documents`, as('it-a81002'));
  expect((elsewhere.body.documents as ShownDocument[]).map((d) => d.documentId)).not.toContain(failed.documentId);
  const refused = await postJson(
    `${adapter.apiUrl}/v1/admin/documents/${failed.documentId}/replay`,
    {},
    as('it-a81002'),
  );
  expect(refused.status).toBe(404);
  expect(JSON.stringify(refused.body)).toContain('document-not-found');

  const dryRun = await postJson(`${adapter.apiUrl}/v1/admin/documents/replay`, { dryRun: true }, as('it-a81001'));
  expect(dryRun.status).toBe(200);
  expect(dryRun.body).toMatchObject({ dryRun: true, count: 1, documentIds: [failed.documentId], more: false });

  mesh().setPractice('A81001', { mode: 'accept' });
  const replayed = await postJson(
    `${adapter.apiUrl}/v1/admin/documents/${failed.documentId}/replay`,
    {},
    as('it-a81001'),
  );
  expect(replayed.status).toBe(202);
  expect(replayed.body).toEqual({
    documentId: failed.documentId,
    status: 'pending',
    version: 1,
    sendNo: 2,
    replayedBy: 'it-a81001',
  });
  // It is no longer failed, so a second replay is refused.
  const again = await postJson(`${adapter.apiUrl}/v1/admin/documents/${failed.documentId}/replay`, {}, as('it-a81001'));
  expect(again.status).toBe(409);
  expect(JSON.stringify(again.body)).toContain('replay-document-not-failed');

  const delivered = await documentOnStatus(closure, 'delivered');
  expect(delivered).toMatchObject({ version: 1, sendNo: 2, acknowledgements: { business: '30001' } });
  const replays = (await adapter.services.ledger.timeline(failed.documentId)).filter(
    (e) => e.event?.type === 'document-replayed',
  );
  expect(replays.map((e) => e.fields.by)).toEqual(['it-a81001']);
  expect(replays[0]?.fields.previousError).toContain('30002');
}, 40_000);

it('reconciles documents with their state and timeline, and replays by filter from the CLI', async () => {
  mesh().setPractice('A81001', { mode: 'reject', reason: REFUSAL });
  const closure = await referAndClose('SD-OPS-CLI');
  const failed = await documentOnStatus(closure, 'failed');

  const query = new URLSearchParams({ practice: 'A81001', from: day(-1), to: day(1) }).toString();
  const report = await getJson(`${adapter.apiUrl}/v1/audit/reconciliation?${query}`, as('audit-all'));
  expect(report.status).toBe(200);
  const documents = report.body.documents as {
    counts: Record<string, number>;
    undelivered: { documentId: string; state: string; reason?: string; timeline: { type: string }[] }[];
  };
  // The document of the first test was delivered after its replay; this one is failed.
  expect(documents.counts).toMatchObject({ requested: 2, delivered: 1, failed: 1, replayed: 1 });
  expect(documents.undelivered).toHaveLength(1);
  const [undelivered] = documents.undelivered;
  expect(undelivered).toMatchObject({ documentId: failed.documentId, state: 'failed' });
  expect(undelivered?.reason).toContain('30002');
  // Sorted: the practice's answer may be recorded before the send itself (documentFateOf counts that send once).
  expect(undelivered?.timeline.map((s) => s.type).sort()).toEqual([
    'document-acknowledged',
    'document-acknowledged',
    'document-failed',
    'document-requested',
    'document-sent',
  ]);
  expect(undelivered).toMatchObject({ sends: 1 });

  // The dashboard shows the same: the reconciliation's documents, and the document on its referral's page.
  const page = async (path: string): Promise<string> => {
    const response = await fetch(`${adapter.apiUrl}${path}`, { headers: as('audit-all') });
    expect(response.status).toBe(200);
    return response.text();
  };
  const reconciliationPage = await page(`/audit/reconciliation?${query}`);
  expect(reconciliationPage).toContain('Episode documents over MESH (2)');
  expect(reconciliationPage).toContain(failed.documentId);
  const messagePage = await page(`/audit/messages/${closure}`);
  expect(messagePage).toContain('Episode document (GP Connect Send Document)');
  expect(messagePage).toContain(failed.documentId);
  expect(messagePage).toContain('document-failed');

  const deps = { documents: adapter.services.documents, now: () => new Date() };
  const dry = collect();
  expect(
    await replayDocumentsCommand(
      { filter: { practice: 'A81001' } },
      { who: 'ops', max: 10, dryRun: true, json: false },
      deps,
      dry,
    ),
  ).toBe(0);
  expect(dry.text()).toBe(`would replay 1 failed episode document\n${failed.documentId}\n`);
  expect((await adapter.services.documents.get(failed.documentId))?.status).toBe('failed');

  mesh().setPractice('A81001', { mode: 'accept' });
  const out = collect();
  expect(
    await replayDocumentsCommand(
      { filter: { practice: 'A81001' } },
      { who: 'ops', max: 10, dryRun: false, json: true },
      deps,
      out,
    ),
  ).toBe(0);
  expect(JSON.parse(out.text())).toEqual({ dryRun: false, count: 1, more: false, documentIds: [failed.documentId] });
  await documentOnStatus(closure, 'delivered');

  // One named document that is not failed is refused, with exit status 1.
  const refused = collect();
  expect(
    await replayDocumentsCommand(
      { id: failed.documentId },
      { who: 'ops', max: 1, dryRun: false, json: false },
      deps,
      refused,
    ),
  ).toBe(1);
  expect(refused.text()).toContain('is delivered: only failed documents are replayed');

  // The admin listing pages through a status: one delivered document, then the next from the cursor.
  const first = await getJson(`${adapter.apiUrl}/v1/admin/documents?status=delivered&limit=1`, as('it-a81001'));
  expect(first.body.documents).toHaveLength(1);
  expect(first.body.nextCursor).toBe(1);
  const second = await getJson(
    `${adapter.apiUrl}/v1/admin/documents?status=delivered&limit=1&cursor=1`,
    as('it-a81001'),
  );
  const ids = [...(first.body.documents as ShownDocument[]), ...(second.body.documents as ShownDocument[])].map(
    (d) => d.documentId,
  );
  expect(new Set(ids).size).toBe(2);
  expect(ids).toContain(failed.documentId);
  const bad = await getJson(`${adapter.apiUrl}/v1/admin/documents?status=lost`, as('it-a81001'));
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('status');

  const after = await getJson(`${adapter.apiUrl}/v1/audit/reconciliation?${query}`, as('audit-all'));
  expect((after.body.documents as { counts: Record<string, number> }).counts).toMatchObject({
    requested: 2,
    delivered: 2,
    failed: 0,
    replayed: 2,
  });
}, 40_000);
