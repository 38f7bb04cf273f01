/**
 * Turning the Send Document route on for endpoints that already have history: with `mesh.sendFrom` left at
 * "route-enabled" no episode document goes out for a closure accepted before the route was first enabled, only for
 * later ones; with "all-history" the earlier closure is sent too. The same Redis prefix is used by two adapter runs:
 * the first (FHIR route only, no workers) accepts the history, the second turns the MESH route on. Real Redis, the
 * real MESH sandbox over HTTP.
 */
import type { LoadedConfig } from '../../../src/config/load';
import { parseConfig } from '../../../src/config/load';
import { silentLogger } from '../../../src/observability/logger';
import type { RunningAdapter } from '../../../src/runtime/run';
import { runAdapter } from '../../../src/runtime/run';
import type { EpisodeDocumentRecord } from '../../../src/store/episode-documents';
import { FAST_RETRY, eventually, postJson } from '../../support/adapter';
import { journeyBody } from '../../support/fixtures';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const prefix = uniquePrefix('send-from');

/** Endpoint "fresh" keeps the default; endpoint "backfill" sends its whole history. */
function configWith(meshRoute: boolean): LoadedConfig {
  const endpoint = (id: string, practice: string, mailbox: string, mesh: Record<string, unknown>): unknown => ({
    id,
    practices: [practice],
    retry: FAST_RETRY,
    ...(meshRoute
      ? { routes: ['mesh-send-document'], mesh: { mailbox, pollIntervalMs: 250, ...mesh } }
      : { baseUrl: 'sandbox' }),
  });
  return parseConfig({
    http: { port: 0 },
    redis: { url: TEST_REDIS_URL, prefix },
    sandbox: { port: 0, meshPort: 0 },
    worker: { outboxSweepMs: 500 },
    log: { level: 'silent' },
    endpoints: [
      endpoint('fresh', 'A81001', 'SPFHIR001', {}),
      endpoint('backfill', 'B82005', 'SPFHIR002', { sendFrom: 'all-history' }),
    ],
  });
}

const PATIENTS = {
  A81001: { nhsNumber: '9990000018', name: { given: 'Ada', family: 'Example' }, birthDate: '1952-04-11' },
  B82005: { nhsNumber: '9990068518', name: { given: 'Mohammed', family: 'Rahman' }, birthDate: '1991-05-17' },
} as const;

/** The quick-connection journey's referral and closure under another record id, for a patient of the practice. */
async function referAndClose(
  adapter: RunningAdapter,
  recordId: string,
  practice: keyof typeof PATIENTS,
): Promise<void> {
  for (const file of ['01-referral.json', '04-closure.json']) {
    const body = journeyBody(`a-quick-connection/${file}`) as { source: Record<string, unknown> };
    const answer = await postJson(`${adapter.apiUrl ?? ''}/v1/referrals`, {
      ...body,
      source: { ...body.source, recordId },
      patient: PATIENTS[practice],
      gpPractice: { odsCode: practice },
    });
    expect(answer.status).toBe(202);
  }
}

async function documentOf(adapter: RunningAdapter, recordId: string): Promise<EpisodeDocumentRecord | undefined> {
  return (await adapter.services.documents.list()).find((d) => d.referralId === recordId);
}

let history: RunningAdapter | undefined;
let enabled: RunningAdapter | undefined;

afterAll(async () => {
  await history?.stop();
  await enabled?.stop();
  await deleteKeys(prefix);
});

test('only closures after the route was enabled send a document, unless the endpoint asks for all its history', async () => {
  // Before: both endpoints deliver by FHIR only, and each has a referral closed.
  history = await runAdapter(configWith(false), { api: true, worker: false, sandbox: true }, silentLogger());
  await referAndClose(history, 'OLD-FRESH', 'A81001');
  await referAndClose(history, 'OLD-BACKFILL', 'B82005');
  await history.stop();
  history = undefined;

  // The MESH route is turned on for both, and each has a referral closed afterwards.
  const enabling = new Date();
  enabled = await runAdapter(configWith(true), { api: true, worker: true, sandbox: true }, silentLogger());
  const adapter = enabled;
  await referAndClose(adapter, 'NEW-FRESH', 'A81001');
  await referAndClose(adapter, 'NEW-BACKFILL', 'B82005');

  for (const recordId of ['NEW-FRESH', 'NEW-BACKFILL', 'OLD-BACKFILL']) {
    const delivered = await eventually(
      async () => {
        const document = await documentOf(adapter, recordId);
        return document?.status === 'delivered' ? document : undefined;
      },
      20_000,
      `the episode document of ${recordId} to be delivered`,
    );
    expect(delivered.milestone).toBe('closure');
  }
  // A round that found NEW-FRESH had OLD-FRESH, received earlier, in reach: it was passed over, not missed in time.
  expect(await documentOf(adapter, 'OLD-FRESH')).toBeUndefined();
  const reports = adapter.meshSandbox?.received('A81001').filter((m) => m.workflowId === 'GPFED_CONSULT_REPORT');
  expect(reports).toHaveLength(1);

  // When the route was first enabled is recorded once per endpoint, whichever setting it has.
  for (const endpoint of ['fresh', 'backfill']) {
    const recorded = await adapter.services.documents.routeEnabledAt(endpoint, new Date());
    expect(recorded).toBeGreaterThanOrEqual(enabling.getTime());
    expect(await adapter.services.documents.routeEnabledAt(endpoint, new Date(recorded + 60_000))).toBe(recorded);
  }
}, 60_000);
