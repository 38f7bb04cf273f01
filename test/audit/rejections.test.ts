/**
 * Submissions the API refuses (400 invalid, 409 conflict, 422 no endpoint) through the running adapter: each one
 * is a `rejected` ledger entry with the kind, client, practice and reasons as paths and issue codes, never the
 * values sent; the reconciliation counts and lists them for their practice; the chain still verifies.
 */
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

const INGEST_KEY = 'casebook-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
const BAD_NHS = '1234567890';

interface LedgerView {
  entries: Record<string, string | number>[];
}

describe('rejected submissions in the audit ledger', () => {
  let adapter: TestAdapter;
  const start = new Date(Date.now() - 60_000).toISOString();

  async function audit<T>(path: string): Promise<T> {
    const response = await fetch(`${adapter.apiUrl}${path}`, { headers: { authorization: `Bearer ${AUDITOR_KEY}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  }

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'audit-rejections',
      config: {
        http: { port: 0, apiKeys: { casebook: INGEST_KEY } },
        audit: { apiKeys: { 'auditor-ann': AUDITOR_KEY } },
        endpoints: [{ id: 'sandbox', baseUrl: 'sandbox', practices: ['A81001'] }],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await adapter.close();
  });

  it('records 400, 409 and 422 answers with paths and codes only, and reconciles them per practice', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}): ReturnType<typeof postJson> =>
      postJson(`${adapter.apiUrl}/v1/referrals`, body, { authorization: `Bearer ${INGEST_KEY}`, ...headers });

    const invalid = referralDoc();
    const invalidResponse = await post({ ...invalid, patient: { ...invalid.patient, nhsNumber: BAD_NHS } });
    expect(invalidResponse.status).toBe(400);

    const first = referralDoc();
    expect((await post(first, { 'idempotency-key': 'k-1' })).status).toBe(202);
    // Same Idempotency-Key, different document: a conflict.
    const changed = { ...first, source: { ...first.source, sentAt: new Date(Date.now() - 1000).toISOString() } };
    expect((await post(changed, { 'idempotency-key': 'k-1' })).status).toBe(409);

    const elsewhere = referralDoc({ gpPractice: { odsCode: 'B82002' } });
    expect((await post(elsewhere)).status).toBe(422);

    const { entries } = await audit<LedgerView>('/v1/audit/ledger?type=rejected');
    expect(entries).toHaveLength(3);
    const byStatus = new Map(entries.map((e) => [String(e.httpStatus), e]));
    expect(byStatus.get('400')).toMatchObject({
      type: 'rejected',
      kind: 'referral',
      client: 'casebook',
      practice: 'A81001',
      recordId: invalid.source.recordId,
    });
    // The same paths and codes the client was told, in the same order.
    const told = (invalidResponse.body.issue as { code: string; expression: string[] }[]).map((i) => ({
      path: i.expression[0],
      code: i.code,
    }));
    expect(told).toContainEqual({ path: 'patient.nhsNumber', code: 'value' });
    expect(JSON.parse(String(byStatus.get('400')?.reasons))).toEqual(told);
    expect(byStatus.get('409')).toMatchObject({ practice: 'A81001', recordId: first.source.recordId });
    expect(byStatus.get('409')?.conflictWith).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(String(byStatus.get('409')?.reasons))).toEqual([{ path: 'source', code: 'duplicate' }]);
    expect(byStatus.get('422')).toMatchObject({ practice: 'B82002' });
    expect(JSON.parse(String(byStatus.get('422')?.reasons))).toEqual([
      { path: 'gpPractice.odsCode', code: 'not-supported' },
    ]);

    // No values and no patient data: not the bad NHS number, not the names, not the free text.
    const raw = JSON.stringify(entries);
    for (const value of [BAD_NHS, first.patient.nhsNumber, 'Ada', 'Example', 'Recently bereaved']) {
      expect(raw).not.toContain(value);
    }

    const to = new Date(Date.now() + 60_000).toISOString();
    const report = await audit<{
      counts: Record<string, number>;
      rejected: { httpStatus: number; reasons: unknown[] }[];
    }>(`/v1/audit/reconciliation?practice=A81001&from=${start}&to=${to}`);
    expect(report.counts).toMatchObject({ received: 1, rejected: 2 });
    expect(report.rejected.map((r) => r.httpStatus).sort()).toEqual([400, 409]);
    const other = await audit<{ counts: Record<string, number> }>(
      `/v1/audit/reconciliation?practice=B82002&from=${start}&to=${to}`,
    );
    expect(other.counts).toMatchObject({ received: 0, rejected: 1 });

    expect(await audit<{ ok: boolean }>('/v1/audit/verify')).toMatchObject({ ok: true });
  }, 60_000);
});
