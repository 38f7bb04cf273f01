/**
 * The CSV and NDJSON exports read back: traffic with deliveries, an EHR refusal and an API rejection goes
 * through the running adapter, then the reconciliation and ledger exports are parsed (csv-parse, JSON per line)
 * and their figures compared with the JSON API's; the NDJSON ledger's pairs recompute every hash and link.
 */
import { parse } from 'csv-parse/sync';
import { entryHash } from '../../src/store/canonical';
import { GENESIS_HASH } from '../../src/store/canonical';
import type { TestAdapter } from '../support/adapter';
import { eventually, postJson, startTestAdapter } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

const INGEST_KEY = 'casebook-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
/** A valid NHS number the sandbox EHR has no patient for: the EHR side refuses, the message fails. */
const UNKNOWN_PATIENT = '9434765919';

interface Report {
  counts: Record<string, number>;
  undelivered: { messageId: string; state: string; reason?: string }[];
  rejected: { httpStatus: number; reasons: { path: string; code: string }[] }[];
}

describe('CSV and NDJSON exports read back', () => {
  let adapter: TestAdapter;
  let query: string;
  let cut: string;

  async function audit(path: string): Promise<string> {
    const response = await fetch(`${adapter.apiUrl}${path}`, { headers: { authorization: `Bearer ${AUDITOR_KEY}` } });
    expect(response.status).toBe(200);
    return response.text();
  }

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'audit-exports',
      config: {
        http: { port: 0, apiKeys: { casebook: INGEST_KEY } },
        audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
      },
    });
    const from = new Date(Date.now() - 60_000).toISOString();
    const post = async (body: unknown): Promise<{ status: number; id: string }> => {
      const response = await postJson(`${adapter.apiUrl}/v1/referrals`, body, {
        authorization: `Bearer ${INGEST_KEY}`,
      });
      return { status: response.status, id: String(response.body.messageId) };
    };
    const accepted: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      accepted.push((await post(referralDoc())).id);
    }
    const doc = referralDoc();
    accepted.push((await post({ ...doc, patient: { ...doc.patient, nhsNumber: UNKNOWN_PATIENT } })).id);
    expect((await post({ ...doc, source: { ...doc.source, recordVersion: 0 } })).status).toBe(400);
    for (const id of accepted) {
      await eventually(async () => {
        const status = await adapter.services.store.get(id);
        return status?.status === 'delivered' || status?.status === 'failed' ? true : undefined;
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    cut = new Date().toISOString();
    query = `practice=A81001&from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`;
  }, 60_000);

  afterAll(async () => {
    await adapter.close();
  });

  it('reconciliation CSV and NDJSON carry the same figures as the JSON report', async () => {
    const json = JSON.parse(await audit(`/v1/audit/reconciliation?${query}`)) as Report;
    expect(json.counts).toMatchObject({ received: 4, delivered: 3, failed: 1, pending: 0, rejected: 1 });

    const rows = parse<Record<string, string>>(await audit(`/v1/audit/reconciliation?${query}&format=csv`), {
      columns: true,
    });
    const undeliveredRows = rows.filter((r) => r.state !== 'rejected');
    expect(undeliveredRows.map((r) => [r.messageId, r.state, r.reason])).toEqual(
      json.undelivered.map((u) => [u.messageId, u.state, u.reason ?? '']),
    );
    expect(rows.filter((r) => r.state === 'failed')).toHaveLength(json.counts.failed ?? -1);
    const rejectedRows = rows.filter((r) => r.state === 'rejected');
    expect(rejectedRows).toHaveLength(json.counts.rejected ?? -1);
    expect(rejectedRows[0]?.reason).toBe('HTTP 400: source.recordVersion (value)');
    expect(json.rejected[0]?.reasons).toEqual([{ path: 'source.recordVersion', code: 'value' }]);

    const lines = (await audit(`/v1/audit/reconciliation?${query}&format=ndjson`))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ record: 'summary', practice: 'A81001', counts: json.counts });
    expect(lines.filter((l) => l.record === 'undelivered').map((l) => l.messageId)).toEqual(
      json.undelivered.map((u) => u.messageId),
    );
    expect(lines.filter((l) => l.record === 'rejected')).toHaveLength(json.rejected.length);
  });

  it('ledger CSV and NDJSON list the same entries as the JSON API, and the NDJSON recomputes the chain', async () => {
    const json = JSON.parse(await audit(`/v1/audit/ledger?to=${cut}`)) as {
      entries: Record<string, string | number>[];
    };
    const types = json.entries.map((e) => e.type);
    expect(types.filter((t) => t === 'received')).toHaveLength(4);
    expect(types.filter((t) => t === 'delivered')).toHaveLength(3);
    expect(types.filter((t) => t === 'failed')).toHaveLength(1);
    expect(types.filter((t) => t === 'rejected')).toHaveLength(1);

    const rows = parse<Record<string, string>>(await audit(`/v1/audit/ledger?to=${cut}&format=csv`), { columns: true });
    expect(rows.map((r) => [Number(r.seq), r.type, r.messageId, r.hash])).toEqual(
      json.entries.map((e) => [e.seq, e.type, e.messageId ?? '', e.hash]),
    );

    const lines = (await audit(`/v1/audit/ledger?to=${cut}&format=ndjson`))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: string; hash: string; prev: string; pairs: string[] });
    expect(lines.map((l) => l.hash)).toEqual(json.entries.map((e) => e.hash));
    let prev = GENESIS_HASH;
    for (const line of lines) {
      expect(line.prev).toBe(prev);
      expect(entryHash(line.pairs)).toBe(line.hash);
      prev = line.hash;
    }
  });
});
