/**
 * A version partly written and then overtaken, over HTTP with real Redis and the sandbox applying transactions
 * entry by entry: the referral's own entry fails in the first transaction and again when it is sent once more, so
 * the Provenance written beside it names the id the server gave the entry and never used. A newer version is
 * delivered before the first one's retry, which then finds itself superseded; before it settles, its Provenance is
 * written again naming only what that version really wrote, so no Provenance in the EHR points at nothing.
 */
import type { Bundle, Provenance, Resource } from '@medplum/fhirtypes';
import type { RunningSandbox } from '../../../src/sandbox';
import { startSandbox } from '../../../src/sandbox';
import type { TestAdapter } from '../../support/adapter';
import { eventually } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';
import { ledgerOf, settled, startDeliveryAdapter, submit } from './support';

/** Long enough for the newer version to be delivered while the first waits for its retry. */
const SLOW_RETRY = { baseDelayMs: 8000, maxDelayMs: 8000, maxAgeMs: 60_000, requestTimeoutMs: 2000 };

let sandbox: RunningSandbox;
let adapter: TestAdapter;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, transactions: 'entry-by-entry' });
  adapter = await startDeliveryAdapter('delivery-partial-superseded', {
    roles: { api: true, worker: true, sandbox: false },
    config: { endpoints: [{ id: 'sandbox', baseUrl: sandbox.baseUrl, practices: ['*'], retry: SLOW_RETRY }] },
  });
});

afterAll(async () => {
  await adapter.close();
  await sandbox.close();
});

async function all<T extends Resource>(type: string): Promise<T[]> {
  const response = await fetch(`${sandbox.baseUrl}/${type}?_count=1000`);
  return (((await response.json()) as Bundle<T>).entry ?? []).flatMap((entry) =>
    entry.resource !== undefined ? [entry.resource] : [],
  );
}

/** The Provenance targets the EHR does not hold. */
async function danglingTargets(): Promise<string[]> {
  const dangling: string[] = [];
  for (const provenance of await all<Provenance>('Provenance')) {
    for (const target of provenance.target) {
      const reference = target.reference ?? '';
      const read = await fetch(`${sandbox.baseUrl}/${reference}`);
      await read.body?.cancel();
      if (read.status !== 200) {
        dangling.push(reference);
      }
    }
  }
  return dangling;
}

test('a superseded version that was partly written leaves no Provenance naming a resource the EHR does not hold', async () => {
  const v1 = referralDoc();
  sandbox.entryFailures.failNext(
    { resourceType: 'ServiceRequest', status: 503 },
    { resourceType: 'ServiceRequest', status: 503 },
  );
  const firstId = await submit(adapter, '/v1/referrals', v1);
  await eventually(async () => {
    const types = (await ledgerOf(adapter, firstId)).map((entry) => entry.type);
    return types.includes('attempt-failed') ? types : undefined;
  });
  // What the partly applied attempt left: a Provenance naming the referral's never-written id.
  expect((await danglingTargets()).length).toBeGreaterThan(0);

  const v2 = { ...v1, source: { ...v1.source, recordVersion: 2 }, status: 'in-progress' as const };
  expect((await settled(adapter, await submit(adapter, '/v1/referrals', v2))).status).toBe('delivered');
  expect((await settled(adapter, firstId, ['delivered', 'failed', 'superseded'], 30_000)).status).toBe('superseded');

  expect(await danglingTargets()).toEqual([]);
  expect(sandbox.entryFailures.pending()).toBe(0);
}, 60_000);
