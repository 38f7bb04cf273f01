/**
 * One Provenance per source record version: when the EHR commits a transaction but its answer is lost, the
 * adapter sends the same transaction again, and the EHR must end up with one Provenance for that version, not one
 * per attempt. A newer version of the record gets a Provenance of its own.
 */
import type { Bundle, Provenance } from '@medplum/fhirtypes';
import type { RunningSandbox } from '../../src/sandbox';
import { startSandbox } from '../../src/sandbox';
import type { FaultProxy } from '../faults/fault-proxy';
import { startFaultProxy } from '../faults/fault-proxy';
import type { TestAdapter } from '../support/adapter';
import { FAST_RETRY, eventually, postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

let sandbox: RunningSandbox;
let proxy: FaultProxy;
let adapter: TestAdapter;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  proxy = await startFaultProxy(sandbox.baseUrl);
  adapter = await startTestAdapter({
    name: 'provenance-identity',
    roles: { api: true, worker: true, sandbox: false },
    config: { endpoints: [{ id: 'practice-ehr', baseUrl: proxy.baseUrl, practices: ['*'], retry: FAST_RETRY }] },
  });
});

afterAll(async () => {
  await adapter.close();
  await proxy.close();
  await sandbox.close();
});

async function provenancesOf(recordId: string): Promise<Provenance[]> {
  const response = await fetch(`${sandbox.baseUrl}/Provenance?_count=1000`);
  const bundle = (await response.json()) as Bundle<Provenance>;
  return (bundle.entry ?? [])
    .flatMap((entry) => (entry.resource === undefined ? [] : [entry.resource]))
    .filter((p) => p.entity?.some((e) => e.what.identifier?.value === `referral/${recordId}`));
}

test('a transaction whose answer was lost is resent without adding a second Provenance', async () => {
  proxy.mode = 'lose-write-response';
  const referral = referralDoc();
  const posted = await postJson(`${adapter.apiUrl}/v1/referrals`, referral);
  expect(posted.status).toBe(202);
  await eventually(() => Promise.resolve(proxy.lostWrites >= 1 ? true : undefined));
  proxy.mode = 'pass';

  const delivered = await waitForStatus(adapter.apiUrl, String(posted.body.messageId), ['delivered', 'failed'], 30_000);
  expect(delivered.status).toBe('delivered');
  expect(Number(delivered.attempts)).toBeGreaterThanOrEqual(2);
  const provenances = await provenancesOf(referral.source.recordId);
  expect(provenances).toHaveLength(1);

  const next = { ...referral, source: { ...referral.source, recordVersion: 2 }, status: 'in-progress' as const };
  const second = await postJson(`${adapter.apiUrl}/v1/referrals`, next);
  expect(second.status).toBe(202);
  await waitForStatus(adapter.apiUrl, String(second.body.messageId), ['delivered'], 30_000);
  const both = await provenancesOf(referral.source.recordId);
  expect(both).toHaveLength(2);
  expect(new Set(both.map((p) => p.id)).size).toBe(2);
});
