/**
 * Replaying a delivered message, on real Redis and the sandbox over HTTP: after the EHR lost what was written
 * (a restore from an older backup, here a DELETE), an admin sends the message again through the API
 * (`?delivered=true` with a reason) or the `replay --delivered` command's function; the resources are back, the
 * ledger names who asked and why, and asking without a reason or for a message that is not delivered is refused.
 */
import { PassThrough } from 'node:stream';
import { replayCommand } from '../../../src/cli/replay';
import type { LedgerEventOf } from '../../../src/store/ledger-events';
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

const INGEST = { authorization: 'Bearer link-worker-key-0123456789' };
const ADMIN = { authorization: 'Bearer practice-it-admin-key-0123456789' };
let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'replay-delivered',
    config: {
      http: {
        port: 0,
        apiKeys: { 'link-worker': 'link-worker-key-0123456789' },
        adminKeys: { 'practice-it': 'practice-it-admin-key-0123456789' },
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await adapter.close();
});

function sandboxUrl(path: string): string {
  if (adapter.sandbox === undefined) {
    throw new Error('the sandbox is not running');
  }
  return `${adapter.sandbox.baseUrl}/${path}`;
}

async function deliveredReferral(): Promise<{ id: string; serviceRequest: string }> {
  const accepted = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), INGEST);
  expect(accepted.status).toBe(202);
  const id = String(accepted.body.messageId);
  const status = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 15_000, INGEST);
  expect(status.status).toBe('delivered');
  const resources = status.resources as { resourceType: string; reference: string }[];
  const serviceRequest = resources.find((r) => r.resourceType === 'ServiceRequest')?.reference;
  if (serviceRequest === undefined) {
    throw new Error('no ServiceRequest was written');
  }
  return { id, serviceRequest };
}

async function replayedEvents(id: string): Promise<LedgerEventOf<'replayed'>[]> {
  const events: LedgerEventOf<'replayed'>[] = [];
  for await (const entry of adapter.services.ledger.scan('-', '+')) {
    if (entry.event?.type === 'replayed' && entry.event.messageId === id) {
      events.push(entry.event);
    }
  }
  return events;
}

async function replay(
  id: string,
  query: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return postJson(`${adapter.apiUrl}/v1/admin/messages/${id}/replay${query}`, body ?? '', ADMIN);
}

test('a delivered message is sent again with ?delivered=true and a reason, and the ledger says who and why', async () => {
  const { id, serviceRequest } = await deliveredReferral();
  expect((await fetch(sandboxUrl(serviceRequest), { method: 'DELETE' })).ok).toBe(true);
  expect([404, 410]).toContain((await fetch(sandboxUrl(serviceRequest))).status);

  const refused = await replay(id, '');
  expect(refused.status).toBe(409);
  expect(JSON.stringify(refused.body)).toContain('replay-not-failed');

  const noReason = await replay(id, '?delivered=true', {});
  expect(noReason.status).toBe(400);
  expect(noReason.body.issue).toEqual([expect.objectContaining({ expression: ['reason'] })]);

  const accepted = await replay(id, '?delivered=true', { reason: 'EHR restored from the 02:00 backup' });
  expect(accepted.status).toBe(202);
  expect(accepted.body).toMatchObject({
    messageId: id,
    status: 'queued',
    reason: 'EHR restored from the 02:00 backup',
  });
  const again = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 15_000, INGEST);
  expect({ status: again.status, attempts: again.attempts }).toEqual({ status: 'delivered', attempts: 2 });
  const back = (again.resources as { resourceType: string; reference: string }[]).find(
    (r) => r.resourceType === 'ServiceRequest',
  );
  expect(back).toBeDefined();
  expect((await fetch(sandboxUrl(back?.reference ?? ''))).status).toBe(200);

  const events = await replayedEvents(id);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({
    by: 'practice-it',
    reason: 'EHR restored from the 02:00 backup',
    previousError: '',
  });
}, 30_000);

test('the flag may be in the body; a message that is not delivered is refused with replay-not-delivered', async () => {
  const { id } = await deliveredReferral();
  const accepted = await replay(id, '', { delivered: true, reason: 'resend for the practice' });
  expect(accepted.status).toBe(202);
  // Queued again and not yet delivered a second time, or already delivered: either way it is replayed once.
  const second = await replay(id, '?delivered=true', { reason: 'twice' });
  if (second.status === 409) {
    expect(JSON.stringify(second.body)).toContain('replay-not-delivered');
  } else {
    expect(second.status).toBe(202);
  }
  expect((await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 15_000, INGEST)).status).toBe('delivered');
  expect((await replay(id, '?delivered=false', { reason: 'x' })).status).toBe(400);
}, 30_000);

test('the replay command sends a delivered message again with --delivered and refuses a wrong status', async () => {
  const { id } = await deliveredReferral();
  const deps = { store: adapter.services.store, queues: adapter.services.queues, now: () => new Date() };
  let text = '';
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  expect(await replayCommand(id, { who: 'ops-alice' }, deps, out)).toBe(1);
  expect(text).toContain('needs --delivered');
  expect(await replayCommand(id, { who: 'ops-alice', deliveredReason: 'EHR restore' }, deps, out)).toBe(0);
  expect((await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 15_000, INGEST)).status).toBe('delivered');
  expect(await replayedEvents(id)).toEqual([expect.objectContaining({ by: 'ops-alice', reason: 'EHR restore' })]);
  expect(await replayCommand('00000000-0000-0000-0000-000000000000', { who: 'ops-alice' }, deps, out)).toBe(1);
  expect(text).toContain('no message with id');
}, 30_000);
