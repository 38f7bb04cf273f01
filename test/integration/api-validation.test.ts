/**
 * Bad input at the API: every problem is reported in one OperationOutcome with its JSON path, and nothing is
 * stored or queued. Runs against the real app on real Redis.
 */
import { Queue } from 'bullmq';
import type { ApiErrorCode } from '../../src/lib/error-catalogue';
import { ERROR_CODE_SYSTEM, apiError } from '../../src/lib/error-catalogue';
import { deliveryQueueName, queuePrefix } from '../../src/queue/names';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter } from '../support/adapter';
import { goalDoc, outcomeNoteDoc, referralDoc } from '../support/fixtures';
import { TEST_REDIS_URL, countStateKeys } from '../support/redis';

let adapter: TestAdapter;
let keysBefore: number;

interface Outcome {
  resourceType: string;
  issue: {
    severity: string;
    code: string;
    expression?: string[];
    details?: { text?: string; coding?: { system?: string; code?: string }[] };
  }[];
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

function issuesOf(body: Record<string, unknown>): Outcome['issue'] {
  const outcome = body as unknown as Outcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome.issue;
}

/** The catalogue code of each issue (docs/errors.md). */
function errorCodes(body: Record<string, unknown>): (string | undefined)[] {
  return issuesOf(body).map((issue) => issue.details?.coding?.find((c) => c.system === ERROR_CODE_SYSTEM)?.code);
}

test('a missing field is required, and a present field of the wrong type says what was expected', async () => {
  const doc = referralDoc() as unknown as Record<string, unknown>;
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, {
    ...doc,
    referrer: undefined,
    reasons: 'lonely',
    note: 42,
    source: { ...(doc.source as object), recordVersion: '2' },
  });
  expect(response.status).toBe(400);
  const told = issuesOf(response.body).map((issue) => [issue.expression?.[0], issue.code, issue.details?.text]);
  expect(told).toEqual(
    expect.arrayContaining([
      ['referrer', 'required', 'referrer: is required when the method is gp (omit it only for self)'],
      ['reasons', 'structure', 'reasons: expected an array'],
      ['note', 'structure', 'note: expected a string'],
      ['source.recordVersion', 'structure', 'source.recordVersion: expected a number'],
    ]),
  );
  expect(told).toHaveLength(4);
  expect(errorCodes(response.body).sort()).toEqual([
    'field-missing',
    'field-wrong-type',
    'field-wrong-type',
    'field-wrong-type',
  ]);
});

test('every kind of refusal carries its catalogue code and the status the catalogue gives it', async () => {
  const unknownField = await postJson(`${adapter.apiUrl}/v1/referrals`, { ...referralDoc(), colour: 'blue' });
  const notJson = await postJson(`${adapter.apiUrl}/v1/referrals`, '{"source": {');
  const badKey = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc(), {
    'idempotency-key': 'k'.repeat(256),
  });
  const tooLarge = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc({ note: 'x'.repeat(300 * 1024) }));
  const noRoute = await postJson(`${adapter.apiUrl}/v1/nowhere`, {});
  const noMessage = await fetch(`${adapter.apiUrl}/v1/messages/00000000-0000-4000-8000-000000000000`);
  const plainText = await fetch(`${adapter.apiUrl}/v1/referrals`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'hello',
  });
  const answers: [number, (string | undefined)[], ApiErrorCode][] = [
    [unknownField.status, errorCodes(unknownField.body), 'field-unknown'],
    [notJson.status, errorCodes(notJson.body), 'body-not-json'],
    [badKey.status, errorCodes(badKey.body), 'idempotency-key-invalid'],
    [tooLarge.status, errorCodes(tooLarge.body), 'body-too-large'],
    [noRoute.status, errorCodes(noRoute.body), 'route-not-found'],
    [noMessage.status, errorCodes((await noMessage.json()) as Record<string, unknown>), 'message-not-found'],
    [plainText.status, errorCodes((await plainText.json()) as Record<string, unknown>), 'media-type-unsupported'],
  ];
  for (const [status, codes, expected] of answers) {
    expect({ status, codes }).toEqual({ status: apiError(expected).httpStatus, codes: [expected] });
  }
});

test('record sections that cannot be delivered are refused with their paths and nothing is stored', async () => {
  const refusedConsent = referralDoc({
    consent: { recordedAt: '2026-11-10T10:00:00Z', gpPractice: 'refused', others: [] },
    risks: { assessedAt: '2026-11-10T10:00:00Z', items: [] },
  } as never);
  await expect400('/v1/referrals', refusedConsent, ['consent.gpPractice', 'risks']);
  const note = outcomeNoteDoc('REF-1', {
    visibility: { confidentiality: 'restricted', withholdFromOnlineAccess: true },
    barriers: [{ code: 'other', text: 'No bank account' }],
    safeguarding: [
      {
        key: 'card',
        raisedAt: '2026-11-10T10:00:00Z',
        concern: { text: 'Possible financial exploitation' },
        referredTo: { name: 'Adult Safeguarding Team' },
        referredAt: '2026-11-09T10:00:00Z',
        status: 'closed',
      },
    ],
  } as never);
  await expect400('/v1/outcome-notes', note, [
    'visibility.withholdReason',
    'barriers[0].type',
    'safeguarding[0].referredAt',
    'safeguarding[0].closedAt',
  ]);
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
