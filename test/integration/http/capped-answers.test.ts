/**
 * One body with 20,000 unknown keys (names and NHS numbers among them) must neither make an answer of megabytes
 * nor put those names into the permanent ledger: the answer lists 100 issues plus one "and N more problems", and
 * the `rejected` entry keeps the schema's paths only, the unknown fields as one counted reason.
 */
import { ERROR_CODE_SYSTEM } from '../../../src/lib/error-catalogue';
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'http-capped', roles: { api: true, worker: false, sandbox: true } });
});

afterAll(async () => {
  await adapter.close();
});

interface Issue {
  readonly severity: string;
  readonly expression?: string[];
  readonly details?: { text?: string; coding?: { system?: string; code?: string }[] };
}

test('20,000 unknown keys make a small answer and a small ledger entry without the keys', async () => {
  const doc: Record<string, unknown> = { ...referralDoc(), urgency: 5 };
  doc['Jane Smith'] = 'x';
  doc['9434765919'] = 'x';
  for (let i = 0; i < 19_998; i += 1) {
    doc[`k${String(i)}`] = 1;
  }
  const body = JSON.stringify(doc);
  expect(body.length).toBeGreaterThan(150_000);

  const response = await fetch(`${adapter.apiUrl}/v1/referrals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(response.status).toBe(400);
  const text = await response.text();
  expect(text.length).toBeLessThan(30_000);
  const issues = (JSON.parse(text) as { issue: Issue[] }).issue;
  expect(issues).toHaveLength(101);
  const last = issues.at(-1);
  expect(last?.severity).toBe('information');
  expect(last?.details?.coding).toEqual([{ system: ERROR_CODE_SYSTEM, code: 'too-many-problems' }]);
  // 20,000 unknown fields and the wrong urgency: 20,001 problems, 100 of them listed.
  expect(last?.details?.text).toBe('and 19901 more problems');

  const ledger = await fetch(`${adapter.apiUrl}/v1/audit/ledger?type=rejected`);
  const entries = ((await ledger.json()) as { entries: Record<string, unknown>[] }).entries;
  expect(entries).toHaveLength(1);
  const entry = JSON.stringify(entries[0]);
  expect(entry.length).toBeLessThan(2_000);
  expect(entry).not.toContain('Jane Smith');
  expect(entry).not.toContain('9434765919');
  expect(entry).not.toContain('k19997');
  expect(JSON.parse(String(entries[0]?.reasons))).toEqual([
    { path: '$this', code: 'structure', count: 20_000 },
    { path: 'urgency', code: 'value' },
  ]);
});

test('a body with a few problems is answered with every problem, as before', async () => {
  const doc = { ...referralDoc(), urgency: 5, extra: true };
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, doc);
  expect(response.status).toBe(400);
  const issues = response.body.issue as Issue[];
  expect(issues.map((i) => i.expression?.[0]).sort()).toEqual(['extra', 'urgency']);
});
