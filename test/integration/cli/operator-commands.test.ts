/**
 * The operator commands' functions on real Redis with a running adapter and the sandbox EHR: `endpoints list`
 * shows each endpoint's queue depth, failed messages and latest outcome; `queues` shows the jobs of an endpoint
 * whose EHR is down; `replay` with a filter and `--dry-run` lists the failed messages without touching them, and
 * without `--dry-run` puts them back on the queue.
 */
import { PassThrough } from 'node:stream';
import { renderEndpoints, renderQueues } from '../../../src/cli/endpoints';
import { endpointRows, queueRows } from '../../../src/cli/operator-status';
import { replayFilterCommand } from '../../../src/cli/replay';
import { parseConfig } from '../../../src/config/load';
import { isValidNhsNumber } from '../../../src/messages/nhs-number';
import { silentLogger } from '../../../src/observability/logger';
import type { Root } from '../../../src/runtime/root';
import { createRoot } from '../../../src/runtime/root';
import { SANDBOX_PATIENTS } from '../../../src/sandbox';
import type { TestAdapter } from '../../support/adapter';
import { FAST_RETRY, eventually, getJson, postJson, startTestAdapter, waitForStatus } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

const DOWN_PRACTICE = 'B82002';
const ENDPOINTS = [
  { id: 'sandbox', baseUrl: 'sandbox', practices: ['*'], retry: FAST_RETRY },
  // Nothing listens on port 9: every attempt is retried, so its message stays queued.
  { id: 'down', baseUrl: 'http://127.0.0.1:9/fhir', practices: [DOWN_PRACTICE], retry: FAST_RETRY },
];
let adapter: TestAdapter;
let root: Root;
let delivered: string;
let failed: string;
let waiting: string;

function unknownNhsNumber(): string {
  const known = new Set(SANDBOX_PATIENTS.map((patient) => patient.nhsNumber));
  for (let n = 9990099990; ; n -= 1) {
    if (isValidNhsNumber(String(n)) && !known.has(String(n))) {
      return String(n);
    }
  }
}

async function accept(body: unknown): Promise<string> {
  const answer = await postJson(`${adapter.apiUrl}/v1/referrals`, body);
  expect(answer.status).toBe(202);
  return String(answer.body.messageId);
}

async function statusOf(id: string): Promise<string> {
  return String((await getJson(`${adapter.apiUrl}/v1/messages/${id}`)).body.status);
}

function output(): PassThrough & { text(): string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return Object.assign(out, { text: () => text });
}

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'operator-commands',
    config: {
      endpoints: ENDPOINTS,
    },
  });
  // The root a one-off command gets (as `commandRoot` builds it), over the running adapter's Redis keys.
  const config = parseConfig({ redis: adapter.config.redis, endpoints: ENDPOINTS, log: { level: 'silent' } });
  root = createRoot(config, silentLogger(), { queueCommandsWhileConnecting: true });
  delivered = await accept(referralDoc());
  const doc = referralDoc();
  failed = await accept({ ...doc, patient: { ...doc.patient, nhsNumber: unknownNhsNumber() } });
  waiting = await accept(referralDoc({ gpPractice: { odsCode: DOWN_PRACTICE } }));
  expect((await waitForStatus(adapter.apiUrl, delivered, ['delivered', 'failed'])).status).toBe('delivered');
  expect((await waitForStatus(adapter.apiUrl, failed, ['delivered', 'failed'])).status).toBe('failed');
}, 60_000);

afterAll(async () => {
  await root.close();
  await adapter.close();
});

test('endpoints list shows queue depth, failed messages and the latest outcome per endpoint', async () => {
  const rows = await endpointRows(root);
  const sandbox = rows.find((row) => row.id === 'sandbox');
  const down = rows.find((row) => row.id === 'down');
  expect(sandbox).toMatchObject({
    baseUrl: 'sandbox',
    auth: 'none',
    practices: ['*'],
    failedMessages: 1,
    queueDepth: 0,
  });
  // The two settled concurrently: the latest outcome is whichever settled last.
  const [ok, bad] = await Promise.all([root.store().messages.get(delivered), root.store().messages.get(failed)]);
  const latest = (ok?.deliveredAt ?? '') > (bad?.updatedAt ?? '') ? 'delivered' : 'failed';
  expect(sandbox?.lastDelivery?.outcome).toBe(latest);
  expect(down).toMatchObject({ baseUrl: 'http://127.0.0.1:9/fhir', practices: [DOWN_PRACTICE], failedMessages: 0 });
  expect(down?.queueDepth).toBeGreaterThanOrEqual(1);
  expect(down?.lastDelivery).toBeUndefined();
  const text = renderEndpoints(rows);
  expect(text.split('\n')[0]).toMatch(/^ID +ROUTES +BASE URL/);
  expect(text).toMatch(/\ndown +fhir +http:\/\/127\.0\.0\.1:9\/fhir +none +B82002 +20 +400 +[1-9]\d* +0 +-/);
});

test('queues shows the jobs of the endpoint whose EHR is down, and nothing for the healthy one', async () => {
  const rows = await eventually(async () => {
    const all = await queueRows(root);
    const down = all.find((row) => row.endpoint === 'down');
    return down !== undefined && down.counts.waiting + down.counts.delayed + down.counts.active >= 1 ? all : undefined;
  });
  const sandbox = rows.find((row) => row.endpoint === 'sandbox');
  // The message that failed for good is also a failed BullMQ job; nothing else waits.
  expect(sandbox?.counts).toEqual({ waiting: 0, prioritized: 0, delayed: 0, active: 0, failed: 1 });
  expect(renderQueues(rows)).toMatch(
    /^ENDPOINT +QUEUE +WAITING +PRIORITIZED +ACTIVE +DELAYED +FAILED +OLDEST WAITING\n/,
  );
  // Waiting for the EHR to come back: queued between attempts, delivering while an attempt is under way.
  expect(['queued', 'delivering']).toContain(await statusOf(waiting));
});

test('replay with a filter and --dry-run counts and lists the failed messages and replays nothing', async () => {
  const deps = { store: root.store().messages, queues: root.queues(), now: root.now };
  const out = output();
  const code = await replayFilterCommand(
    { endpoint: 'sandbox' },
    { who: 'practice-it', max: 100, dryRun: true, json: true },
    deps,
    out,
  );
  expect(code).toBe(0);
  expect(JSON.parse(out.text())).toEqual({ dryRun: true, count: 1, more: false, ids: [failed] });
  expect(await statusOf(failed)).toBe('failed');

  const none = output();
  await replayFilterCommand(
    { endpoint: 'down' },
    { who: 'practice-it', max: 100, dryRun: true, json: false },
    deps,
    none,
  );
  expect(none.text()).toBe('would replay 0 failed messages\n');
});

test('replay with a filter puts the matching failed messages back on their queue', async () => {
  const deps = { store: root.store().messages, queues: root.queues(), now: root.now };
  const out = output();
  await replayFilterCommand(
    { practice: 'A81001' },
    { who: 'practice-it', max: 100, dryRun: false, json: false },
    deps,
    out,
  );
  expect(out.text()).toBe(`replayed (by practice-it) 1 failed message\n${failed}\n`);
  const record = await root.store().messages.get(failed);
  expect(record?.replayedAt).toBeDefined();
  // The patient is still unknown, so the replayed message fails again, with a fresh attempt.
  expect((await waitForStatus(adapter.apiUrl, failed, ['failed'])).status).toBe('failed');
});
