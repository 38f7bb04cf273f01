/**
 * Status changes between versions of one source record, judged at the API against the latest accepted version:
 * a referral that goes back (completed → received) is refused with an OperationOutcome naming `status` and
 * nothing is stored; a forward change is accepted; an older version arriving late is not a transition error.
 * Goals and connections follow their own rules (docs/mapping.md), checked here through the running adapter too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { ERROR_CODE_SYSTEM } from '../../src/lib/error-catalogue';
import { MESSAGE_STATUSES } from '../../src/messages/record';
import type { ConnectionMessage, ReferralMessage } from '../../src/messages/schemas';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { goalDoc, referralDoc, uniqueId } from '../support/fixtures';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'status-transitions' });
});

afterAll(async () => {
  await adapter.close();
});

const COMPLETED: Partial<ReferralMessage> = {
  status: 'completed',
  closure: {
    closedAt: '2026-11-20T10:00:00Z',
    reason: 'goals-achieved',
    summary: 'Attends the walking group weekly.',
    reReferralOffered: true,
  },
};

function version(doc: ReferralMessage, recordVersion: number, changes: Partial<ReferralMessage>): ReferralMessage {
  const next: ReferralMessage = { ...doc, source: { ...doc.source, recordVersion }, ...changes };
  if (changes.closure === undefined) {
    delete next.closure;
  }
  return next;
}

async function storedMessages(): Promise<number> {
  const counts = await Promise.all(MESSAGE_STATUSES.map((s) => adapter.services.store.countByStatus(s)));
  return counts.reduce((a, b) => a + b, 0);
}

async function post(doc: ReferralMessage): Promise<{ status: number; body: Record<string, unknown> }> {
  return postJson(`${adapter.apiUrl}/v1/referrals`, doc);
}

test('a completed referral sent again as received is refused, naming status, and nothing is stored', async () => {
  const first = referralDoc(COMPLETED);
  const accepted = await post(first);
  expect(accepted.status).toBe(202);
  const before = await storedMessages();

  const back = await post(version(first, 2, { status: 'received' }));

  expect(back.status).toBe(400);
  const outcome = back.body as unknown as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue).toEqual([
    expect.objectContaining({
      severity: 'error',
      code: 'business-rule',
      expression: ['status'],
      details: {
        coding: [{ system: ERROR_CODE_SYSTEM, code: 'rule-violated' }],
        text: expect.stringMatching(/^status: the referral is already completed/) as unknown,
      },
    }),
  ]);
  expect(await storedMessages()).toBe(before);
  const latest = await adapter.services.store.latestOfRecord('referral', first.source);
  expect(latest).toEqual({ version: 1, messageId: String(accepted.body.messageId), status: 'completed' });
});

test('an accepted referral moving on to in-progress is accepted and becomes the latest version', async () => {
  const first = referralDoc({ status: 'accepted' });
  expect((await post(first)).status).toBe(202);

  const next = await post(version(first, 2, { status: 'in-progress' }));

  expect(next.status).toBe(202);
  const latest = await adapter.services.store.latestOfRecord('referral', first.source);
  expect(latest).toEqual({ version: 2, messageId: String(next.body.messageId), status: 'in-progress' });
});

test('an older version arriving after a newer one is no transition error: it is superseded by the worker', async () => {
  const newer = referralDoc({ ...COMPLETED, source: { ...referralDoc().source, recordVersion: 3 } });
  const newerPost = await post(newer);
  expect(newerPost.status).toBe(202);
  expect((await waitForStatus(adapter.apiUrl, String(newerPost.body.messageId), ['delivered', 'failed'])).status).toBe(
    'delivered',
  );

  const older = await post(version(newer, 1, { status: 'received' }));

  expect(older.status).toBe(202);
  const settled = await waitForStatus(adapter.apiUrl, String(older.body.messageId), [
    'delivered',
    'failed',
    'superseded',
  ]);
  expect(settled.status).toBe('superseded');
  // The older version does not replace the latest state the next version is judged against.
  const latest = await adapter.services.store.latestOfRecord('referral', newer.source);
  expect(latest).toEqual({ version: 3, messageId: String(newerPost.body.messageId), status: 'completed' });
});

function statusIssue(response: { status: number; body: Record<string, unknown> }): unknown {
  expect(response.status).toBe(400);
  const outcome = response.body as unknown as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue).toHaveLength(1);
  return outcome.issue[0];
}

test('a goal cannot go back to proposed, but a goal that was not achieved can be reopened', async () => {
  const notAchieved = goalDoc(uniqueId('REF'), { status: 'not-achieved' });
  expect((await postJson(`${adapter.apiUrl}/v1/goals`, notAchieved)).status).toBe(202);
  const before = await storedMessages();

  const back = await postJson(`${adapter.apiUrl}/v1/goals`, {
    ...notAchieved,
    source: { ...notAchieved.source, recordVersion: 2 },
    status: 'proposed',
  });

  expect(statusIssue(back)).toEqual(
    expect.objectContaining({
      code: 'business-rule',
      expression: ['status'],
      details: {
        coding: [{ system: ERROR_CODE_SYSTEM, code: 'rule-violated' }],
        text: expect.stringMatching(/^status: the goal is already not-achieved; /) as unknown,
      },
    }),
  );
  expect(await storedMessages()).toBe(before);

  const reopened = await postJson(`${adapter.apiUrl}/v1/goals`, {
    ...notAchieved,
    source: { ...notAchieved.source, recordVersion: 3 },
    status: 'active',
  });
  expect(reopened.status).toBe(202);
  expect(await adapter.services.store.latestOfRecord('goal', notAchieved.source)).toEqual({
    version: 3,
    messageId: String(reopened.body.messageId),
    status: 'active',
  });
});

function connectionDoc(): ConnectionMessage {
  const file = join(__dirname, '..', 'fixtures', 'journeys', 'a-quick-connection', '03-connection.json');
  const doc = (JSON.parse(readFileSync(file, 'utf8')) as { body: ConnectionMessage }).body;
  return { ...doc, source: { ...doc.source, recordId: uniqueId('CONN') } };
}

test('an attended connection cannot become suggested again, while a declined one can be taken up', async () => {
  const attended: ConnectionMessage = { ...connectionDoc(), status: 'attended' };
  const first = await postJson(`${adapter.apiUrl}/v1/connections`, attended);
  expect(first.status).toBe(202);
  const before = await storedMessages();

  const back = await postJson(`${adapter.apiUrl}/v1/connections`, {
    ...attended,
    source: { ...attended.source, recordVersion: 2 },
    status: 'suggested',
  });

  expect(statusIssue(back)).toEqual(
    expect.objectContaining({
      code: 'business-rule',
      expression: ['status'],
      details: {
        coding: [{ system: ERROR_CODE_SYSTEM, code: 'rule-violated' }],
        text: expect.stringMatching(/^status: the connection is already attended; /) as unknown,
      },
    }),
  );
  expect(await storedMessages()).toBe(before);
  expect(await adapter.services.store.latestOfRecord('connection', attended.source)).toEqual({
    version: 1,
    messageId: String(first.body.messageId),
    status: 'attended',
  });

  const declined: ConnectionMessage = { ...connectionDoc(), status: 'declined' };
  expect((await postJson(`${adapter.apiUrl}/v1/connections`, declined)).status).toBe(202);
  const takenUp = await postJson(`${adapter.apiUrl}/v1/connections`, {
    ...declined,
    source: { ...declined.source, recordVersion: 2 },
    status: 'referred',
  });
  expect(takenUp.status).toBe(202);
});
