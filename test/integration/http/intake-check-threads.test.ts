/**
 * The API with its intake conformance check in worker threads (http.intakeCheckThreads), on the real parts:
 * messages are checked in the threads, accepted and delivered as with the check in the API's own thread, and
 * stopping the adapter ends the threads.
 */
import { validateInbound } from '../../../src/messages/validate';
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../../support/adapter';
import { goalDoc, referralDoc } from '../../support/fixtures';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'intake-threads', config: { http: { port: 0, intakeCheckThreads: 2 } } });
});

afterAll(async () => {
  await adapter.close();
});

test('a referral and its goal are checked in the threads, accepted and delivered', async () => {
  const referral = referralDoc();
  const accepted = await postJson(`${adapter.apiUrl}/v1/referrals`, referral);
  expect(accepted.status).toBe(202);
  const goal = await postJson(`${adapter.apiUrl}/v1/goals`, goalDoc(referral.source.recordId));
  expect(goal.status).toBe(202);
  expect(adapter.services.built()).toContain('intakeCheck');
  for (const reply of [accepted, goal]) {
    const status = await waitForStatus(adapter.apiUrl, String(reply.body.messageId), ['delivered', 'failed']);
    expect(status.status).toBe('delivered');
  }
});

test('stopping the adapter ends the threads: a check afterwards is refused', async () => {
  const other = await startTestAdapter({
    name: 'intake-threads-stop',
    config: { http: { port: 0, intakeCheckThreads: 1 } },
    roles: { api: true, worker: false, sandbox: false },
  });
  const check = other.services.intakeCheck;
  const now = new Date();
  const validation = validateInbound('referral', referralDoc(), now);
  if (!validation.ok) {
    throw new Error('the fixture referral is invalid');
  }
  await expect(check.errors(validation.message, now)).resolves.toEqual([]);
  await other.close();
  await expect(check.errors(validation.message, now)).rejects.toThrow('the intake check is closed');
});
