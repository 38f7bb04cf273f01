/**
 * Bad input at the API: every problem is reported in one OperationOutcome with its JSON path, and nothing is
 * stored or queued. Runs against the real app on real Redis.
 */
import { Queue } from 'bullmq';
import { deliveryQueueName, queuePrefix } from '../../src/queue/names';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter } from '../support/adapter';
import { goalDoc, outcomeNoteDoc, referralDoc } from '../support/fixtures';
import { TEST_REDIS_URL, countStateKeys } from '../support/redis';

let adapter: TestAdapter;
let keysBefore: number;

interface Outcome {
  resourceType: string;
  issue: { severity: string; code: string; expression?: string[]; details?: { text?: string } }[];
}

beforeAll(async () => {
  // API only: no worker, so anything queued would stay visible in the queue.
  adapter = await startTestAdapter({ name: 'validation', roles: { api: true, worker: false, sandbox: true } });
  keysBefore = await countStateKeys(adapter.prefix);
});

afterAll(async () => {
  await adapter.close();
});

afterEach(async () => {
  // Nothing a rejected request did may leave a trace in Redis (no record, no idempotency key, no job) other than
  // its `rejected` audit ledger entry (test/audit/rejections.test.ts checks that entry).
  expect(await countStateKeys(adapter.prefix)).toBe(keysBefore);
});

function expressions(body: Record<string, unknown>): string[] {
  const outcome = body as unknown as Outcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome.issue.flatMap((issue) => issue.expression ?? []);
}

async function expect400(path: string, doc: unknown, expected: string[]): Promise<void> {
  const response = await postJson(`${adapter.apiUrl}${path}`, doc);
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toContain('application/fhir+json');
  expect(expressions(response.body).sort()).toEqual([...expected].sort());
}

test('wrong types, missing fields and unknown fields are all listed with their paths', async () => {
  const doc = referralDoc() as unknown as Record<string, unknown>;
  const broken = {
    ...doc,
    urgency: 5,
    reasons: 'lonely',
    referrer: undefined,
    colour: 'blue',
    linkWorker: { ...(doc.linkWorker as object), nickname: 'Sam' },
  };
  await expect400('/v1/referrals', broken, ['urgency', 'reasons', 'referrer', 'colour', 'linkWorker.nickname']);
});

test('an NHS number failing the modulus 11 check is rejected', async () => {
  await expect400('/v1/referrals', referralDoc({ patient: { nhsNumber: '9434765918' } }), ['patient.nhsNumber']);
});

test('an NHS number of the wrong length is rejected', async () => {
  await expect400('/v1/goals', goalDoc('REF-1', { patient: { nhsNumber: '12345' } }), ['patient.nhsNumber']);
});

test('out-of-range and miscounted scores are rejected item by item', async () => {
  const note = outcomeNoteDoc('REF-1', {
    measures: {
      ons4: { lifeSatisfaction: 11, worthwhile: -1, happiness: 5, anxiety: 5 },
      swemwbs: { items: [1, 2, 3, 4, 5, 6] },
    },
  });
  await expect400('/v1/outcome-notes', note, [
    'measures.ons4.lifeSatisfaction',
    'measures.ons4.worthwhile',
    'measures.swemwbs.items',
    'measures.swemwbs.items[5]',
  ]);
});

test('dates in the future are rejected', async () => {
  const future = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString();
  const doc = referralDoc({ referredAt: future });
  await expect400('/v1/referrals', { ...doc, source: { ...doc.source, sentAt: future } }, [
    'referredAt',
    'source.sentAt',
  ]);
});

test('a goal target date before the goal was agreed is rejected', async () => {
  await expect400('/v1/goals', goalDoc('REF-1', { agreedAt: '2026-11-09T10:30:00Z', targetDate: '2026-10-01' }), [
    'targetDate',
  ]);
});

test('an invalid ODS code and a malformed source are rejected', async () => {
  const doc = referralDoc({ gpPractice: { odsCode: 'a81001' } });
  await expect400('/v1/referrals', { ...doc, source: { ...doc.source, system: 'not a uri', recordVersion: 0 } }, [
    'gpPractice.odsCode',
    'source.system',
    'source.recordVersion',
  ]);
});

test('malformed JSON is a 400 OperationOutcome', async () => {
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, '{"source": {');
  expect(response.status).toBe(400);
  expect(expressions(response.body)).toEqual(['$this']);
});

test('a body that is not an object is rejected', async () => {
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, '[1,2,3]');
  expect(response.status).toBe(400);
  expect(expressions(response.body)).toEqual(['$this']);
});

test('a body over the size limit is a 413', async () => {
  const doc = referralDoc({ note: 'x'.repeat(300 * 1024) });
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, doc);
  expect(response.status).toBe(413);
  expect((response.body as unknown as Outcome).issue[0]?.code).toBe('too-long');
});

test('a body that is not JSON is a 415', async () => {
  const response = await fetch(`${adapter.apiUrl}/v1/referrals`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'hello',
  });
  expect(response.status).toBe(415);
  expect(((await response.json()) as Outcome).resourceType).toBe('OperationOutcome');
});

test('nothing was queued by any rejected request', async () => {
  const queue = new Queue(deliveryQueueName('sandbox'), {
    connection: { host: new URL(TEST_REDIS_URL).hostname, port: Number(new URL(TEST_REDIS_URL).port || 6379) },
    prefix: queuePrefix(adapter.prefix),
  });
  try {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(0);
  } finally {
    await queue.close();
  }
  // Opening the queue to count its jobs writes BullMQ's own metadata key; that is not the API's doing.
  keysBefore = await countStateKeys(adapter.prefix);
});
