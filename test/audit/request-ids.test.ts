/**
 * X-Request-Id end to end: the id of the accepting (or refusing) request is kept in the `received` (or `rejected`)
 * ledger entry; every request a delivery attempt makes to the EHR carries `<messageId>.<attempt>`, which the EHR
 * (a sandbox whose request log the test reads) sees, the attempt's ledger entry records, and the BALP AuditEvent
 * names as its transaction entity.
 */
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { LedgerEntry } from '../../src/store/ledger';
import { createLogger } from '../../src/observability/logger';
import type { RunningSandbox } from '../../src/sandbox';
import { startSandbox } from '../../src/sandbox';
import type { TestAdapter } from '../support/adapter';
import { FAST_RETRY, eventually, postJson, startTestAdapter } from '../support/adapter';
import { outcomeNoteDoc, referralDoc } from '../support/fixtures';

const INGEST_KEY = 'casebook-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';

describe('X-Request-Id end to end', () => {
  let adapter: TestAdapter;
  let ehr: RunningSandbox;
  /** What the EHR logged for each request it served. */
  const ehrLog: { path?: string; requestId?: string }[] = [];

  beforeAll(async () => {
    ehr = await startSandbox({
      port: 0,
      logger: createLogger({
        level: 'debug',
        destination: {
          write: (line: string) => {
            ehrLog.push(JSON.parse(line) as { path?: string; requestId?: string });
          },
        },
      }),
    });
    adapter = await startTestAdapter({
      name: 'request-ids',
      config: {
        // No lookup cache, so every attempt makes its full set of requests (patient lookup included) and each of
        // them can be checked for the attempt's id.
        endpoints: [
          {
            id: 'ehr',
            baseUrl: ehr.baseUrl,
            practices: ['*'],
            retry: FAST_RETRY,
            lookupCache: { maxEntries: 0, shared: false },
          },
        ],
        http: { port: 0, apiKeys: { casebook: INGEST_KEY } },
        audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await adapter.close();
    await ehr.close();
  });

  async function timeline(messageId: string): Promise<LedgerEntry[]> {
    return adapter.services.ledger.timeline(messageId);
  }

  it('carries the ids through the ledger, the EHR requests and the AuditEvents', async () => {
    const referral = referralDoc();
    // The note comes first: its referral is not in the EHR yet, so its first attempt fails and is retried.
    const noteResponse = await postJson(
      `${adapter.apiUrl}/v1/outcome-notes`,
      outcomeNoteDoc(referral.source.recordId),
      { 'x-request-id': 'casebook-req-note', authorization: `Bearer ${INGEST_KEY}` },
    );
    expect(noteResponse.status).toBe(202);
    expect(noteResponse.headers.get('x-request-id')).toBe('casebook-req-note');
    const noteId = String(noteResponse.body.messageId);
    const firstTry = await waitForEntry(noteId, 'attempt-failed');
    expect(firstTry.fields.requestId).toBe(`${noteId}.${firstTry.fields.attempt ?? ''}`);

    const referralResponse = await postJson(`${adapter.apiUrl}/v1/referrals`, referral, {
      'x-request-id': 'casebook-req-referral',
      authorization: `Bearer ${INGEST_KEY}`,
    });
    const referralId = String(referralResponse.body.messageId);
    await waitForEntry(referralId, 'delivered');
    await waitForEntry(noteId, 'delivered');

    for (const [messageId, inbound] of [
      [referralId, 'casebook-req-referral'],
      [noteId, 'casebook-req-note'],
    ] as const) {
      const entries = await timeline(messageId);
      expect(entries.find((e) => e.type === 'received')?.fields.requestId).toBe(inbound);
      const delivered = entries.find((e) => e.type === 'delivered');
      const outbound = `${messageId}.${delivered?.fields.attempt ?? ''}`;
      expect(delivered?.fields.requestId).toBe(outbound);
      // Every request of the delivering attempt reached the EHR with that id: patient lookup, version check,
      // transaction (and the referral lookup for the note).
      const seen = ehrLog.filter((line) => line.requestId === outbound).map((line) => line.path);
      expect(seen).toContain('/fhir/Patient');
      expect(seen).toContain('/fhir/');
      expect(seen.length).toBeGreaterThanOrEqual(messageId === noteId ? 4 : 3);
    }
    // The failed first attempt of the note reached the EHR under its own id.
    expect(ehrLog.some((line) => line.requestId === firstTry.fields.requestId)).toBe(true);

    // The AuditEvents name the delivering attempt's request as their transaction entity.
    const response = await fetch(`${adapter.apiUrl}/v1/audit/audit-events?practice=${referral.gpPractice.odsCode}`, {
      headers: { authorization: `Bearer ${AUDITOR_KEY}` },
    });
    const bundle = (await response.json()) as Bundle<AuditEvent>;
    for (const messageId of [referralId, noteId]) {
      const delivered = (await timeline(messageId)).find((e) => e.type === 'delivered');
      const events = (bundle.entry ?? []).filter((e) => e.resource?.id?.startsWith(delivered?.id ?? '?'));
      expect(events.length).toBeGreaterThan(0);
      for (const { resource } of events) {
        const transaction = resource?.entity?.find((x) => x.type?.code === 'XrequestId');
        expect(transaction).toMatchObject({
          what: { identifier: { value: delivered?.fields.requestId } },
          type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType' },
        });
      }
    }
  }, 60_000);

  it('records the request id of a refused submission, and leaves out one that is not a single token', async () => {
    const bad = { ...referralDoc(), source: { system: 'casebook', recordId: 'R-1', recordVersion: -1 } };
    const refused = await postJson(`${adapter.apiUrl}/v1/referrals`, bad, {
      'x-request-id': 'casebook-req-bad',
      authorization: `Bearer ${INGEST_KEY}`,
    });
    expect(refused.status).toBe(400);
    const odd = await postJson(`${adapter.apiUrl}/v1/referrals`, bad, {
      'x-request-id': 'two words',
      authorization: `Bearer ${INGEST_KEY}`,
    });
    expect(odd.status).toBe(400);
    const rejected = (await adapter.services.ledger.range('-', '+', 1000)).filter((e) => e.type === 'rejected');
    expect(rejected.map((e) => e.fields.requestId)).toEqual(['casebook-req-bad', undefined]);
  });

  async function waitForEntry(messageId: string, type: string): Promise<LedgerEntry> {
    return eventually(async () => (await timeline(messageId)).find((e) => e.type === type), 15_000, type);
  }
});
