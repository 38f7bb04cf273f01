/**
 * The transaction batcher's decisions, with an in-memory EHR client and Jest's fake clock (nothing here waits on
 * real time): a lone transaction goes out at once; one ready while others are in flight waits for them, and only
 * up to maxWaitMs; batches stay within maxEntries and never write one URL twice; each message gets its own slice
 * of the answer; a batch refused as a whole is sent again message by message, so only a bad message fails; an
 * overloaded or unreachable EHR gives every message the same answer; follow-ups go straight out.
 */
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import type { FhirRequests, FhirResponse } from '../../../src/delivery/fhir-client';
import { EhrUnreachableError } from '../../../src/delivery/fhir-client';
import type { BatchObserver } from '../../../src/delivery/transaction-batch';
import { createTransactionBatcher, packBatches, splitAnswer } from '../../../src/delivery/transaction-batch';
import { response, transactionResponse } from './fakes/scripted-ehr';

/** A message's transaction: `size` conditional writes of Goals under the message's own name. */
function bundleOf(name: string, size = 2): Bundle {
  const entry: BundleEntry[] = Array.from({ length: size }, (_, index) => ({
    fullUrl: `urn:uuid:${name}-${String(index)}`,
    resource: { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: name }, subject: {} },
    request: { method: 'PUT', url: `Goal?identifier=https://example.org|${name}-${String(index)}` },
  }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

const BAD: OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] };

/** The EHR's side: every transaction it received with the request id it carried; the answer is chosen per Bundle. */
class FakeEhr {
  readonly received: { readonly requestId: string; readonly bundle: Bundle }[] = [];
  answer: (bundle: Bundle) => FhirResponse | Error = (bundle) => transactionResponse(bundle);

  client(requestId: string): FhirRequests {
    return {
      withRequestId: (id) => this.client(id),
      search: async () => Promise.resolve(response(200)),
      page: async () => Promise.resolve(response(200)),
      transaction: async (bundle) => {
        this.received.push({ requestId, bundle });
        const answer = this.answer(bundle);
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
    };
  }

  /** The names of the messages whose entries each received transaction carried. */
  carried(): string[][] {
    return this.received.map(({ bundle }) => [
      ...new Set((bundle.entry ?? []).map((entry) => (entry.fullUrl ?? '').replace(/^urn:uuid:|-\d+$/g, ''))),
    ]);
  }
}

/** Lets every settled promise's callbacks run, without moving the fake clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    await Promise.resolve();
  }
}

let ehr: FakeEhr;
const observed = { sent: [] as number[], split: [] as number[] };
const observer: BatchObserver = {
  sent: (messages) => observed.sent.push(messages),
  split: (messages) => observed.split.push(messages),
};

beforeEach(() => {
  jest.useFakeTimers();
  ehr = new FakeEhr();
  observed.sent = [];
  observed.split = [];
});

afterEach(() => {
  jest.useRealTimers();
});

function batcher(maxEntries = 50, maxWaitMs = 60_000) {
  return createTransactionBatcher({ maxEntries, maxWaitMs }, observer);
}

test('a lone attempt sends at once, however long maxWaitMs is', async () => {
  const seat = batcher().open(ehr.client('m1.1'), 'm1.1');
  const answer = await seat.transaction(bundleOf('m1'));

  expect(answer.status).toBe(200);
  expect(ehr.received.map((r) => r.requestId)).toEqual(['m1.1']);
  expect(observed.sent).toEqual([]);
});

test('a ready transaction waits for attempts in flight; when they are ready, one transaction carries all', async () => {
  const batches = batcher();
  const [s1, s2, s3] = ['m1', 'm2', 'm3'].map((name) => batches.open(ehr.client(`${name}.1`), `${name}.1`));
  const early = [s1?.transaction(bundleOf('m1', 1)), s2?.transaction(bundleOf('m2', 2))];

  await settle();
  expect(ehr.received).toHaveLength(0);
  const [a, b, c] = await Promise.all([...early, s3?.transaction(bundleOf('m3', 3))]);

  expect(ehr.carried()).toEqual([['m1', 'm2', 'm3']]);
  expect(ehr.received[0]?.requestId).toBe('m1.1,m2.1,m3.1');
  expect(observed.sent).toEqual([3]);
  // Each message gets its own entries' answers, in the order it sent them.
  expect([a, b, c].map((answer) => ((answer?.body as Bundle).entry ?? []).length)).toEqual([1, 2, 3]);
  expect(((b?.body as Bundle).entry ?? []).map((entry) => entry.response?.location)).toEqual([
    'Goal/goal-1/_history/1',
    'Goal/goal-2/_history/1',
  ]);
});

test('an attempt that ends without writing is not waited for', async () => {
  const batches = batcher();
  const writer = batches.open(ehr.client('m1.1'), 'm1.1');
  const other = batches.open(ehr.client('m2.1'), 'm2.1');
  const answer = writer.transaction(bundleOf('m1'));
  await settle();
  expect(ehr.received).toHaveLength(0);

  other.close();
  expect((await answer).status).toBe(200);
  expect(ehr.carried()).toEqual([['m1']]);
  expect(ehr.received[0]?.requestId).toBe('m1.1');
});

test('the wait for attempts still in flight ends after maxWaitMs', async () => {
  const batches = batcher(50, 25);
  const writer = batches.open(ehr.client('m1.1'), 'm1.1');
  batches.open(ehr.client('m2.1'), 'm2.1');
  const answer = writer.transaction(bundleOf('m1'));

  await jest.advanceTimersByTimeAsync(24);
  expect(ehr.received).toHaveLength(0);
  await jest.advanceTimersByTimeAsync(1);
  expect((await answer).status).toBe(200);
  expect(ehr.carried()).toEqual([['m1']]);
});

test('a full batch goes out without waiting; the rest keeps waiting for attempts in flight', async () => {
  const batches = batcher(5);
  const seats = ['m1', 'm2', 'm3', 'm4'].map((name) => batches.open(ehr.client(name), name));
  batches.open(ehr.client('late'), 'late');
  const answers = seats.map(async (seat, index) => seat.transaction(bundleOf(`m${String(index + 1)}`, 2)));

  // m3 made the entries ready more than fit: m1 and m2 went, m3 stayed and m4 joined it.
  await settle();
  expect(ehr.carried()).toEqual([['m1', 'm2']]);
  await jest.advanceTimersByTimeAsync(60_000);
  await Promise.all(answers);
  expect(ehr.carried()).toEqual([
    ['m1', 'm2'],
    ['m3', 'm4'],
  ]);
});

test('a message with maxEntries entries or more goes alone, at once', async () => {
  const batches = batcher(3);
  const big = batches.open(ehr.client('big'), 'big');
  batches.open(ehr.client('other'), 'other');

  expect((await big.transaction(bundleOf('big', 3))).status).toBe(200);
  expect(ehr.carried()).toEqual([['big']]);
});

test('two messages writing the same resource never share a transaction', () => {
  const same = (name: string): Bundle => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [{ ...bundleOf(name, 1).entry?.[0], request: { method: 'PUT', url: 'Goal?identifier=https://x|shared' } }],
  });
  const packed = packBatches(
    ['a', 'b', 'c'].map((name) => {
      const bundle = name === 'c' ? bundleOf(name, 1) : same(name);
      return { name, bundle, keys: (bundle.entry ?? []).map((entry) => `PUT ${entry.request?.url ?? ''}`) };
    }),
    50,
  );
  expect(packed.map((batch) => batch.map((member) => member.name))).toEqual([['a', 'c'], ['b']]);
});

test('a batch refused as a whole is sent again message by message: only the bad message fails', async () => {
  const batches = batcher();
  ehr.answer = (bundle) =>
    JSON.stringify(bundle).includes('"text":"bad"') ? response(422, BAD) : transactionResponse(bundle);
  const seats = ['m1', 'bad', 'm3'].map((name) => batches.open(ehr.client(name), name));
  const answers = await Promise.all(
    seats.map(async (seat, index) => seat.transaction(bundleOf(['m1', 'bad', 'm3'][index] ?? ''))),
  );

  expect(answers.map((answer) => answer.status)).toEqual([200, 422, 200]);
  expect(ehr.carried()).toEqual([['m1', 'bad', 'm3'], ['m1'], ['bad'], ['m3']]);
  expect(observed.split).toEqual([3]);
});

test('a write race on the batch is also sent again message by message', async () => {
  const batches = batcher();
  let first = true;
  ehr.answer = (bundle) => {
    const race = first;
    first = false;
    return race
      ? response(409, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict' }] })
      : transactionResponse(bundle);
  };
  const seats = ['m1', 'm2'].map((name) => batches.open(ehr.client(name), name));
  const answers = await Promise.all(
    seats.map(async (seat, index) => seat.transaction(bundleOf(`m${String(index + 1)}`))),
  );

  expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
  expect(ehr.carried()).toEqual([['m1', 'm2'], ['m1'], ['m2']]);
});

test.each([429, 503])(
  'a batch answered %i gives every message that answer, and nothing is sent again',
  async (status) => {
    const batches = batcher();
    ehr.answer = () => response(status, undefined, { 'retry-after': '2' });
    const seats = ['m1', 'm2'].map((name) => batches.open(ehr.client(name), name));
    const answers = await Promise.all(
      seats.map(async (seat, index) => seat.transaction(bundleOf(`m${String(index + 1)}`))),
    );

    expect(answers.map((answer) => [answer.status, answer.headers.get('retry-after')])).toEqual([
      [status, '2'],
      [status, '2'],
    ]);
    expect(ehr.received).toHaveLength(1);
    expect(observed.split).toEqual([]);
  },
);

test('an unreachable EHR fails every message of the batch the same way', async () => {
  const batches = batcher();
  ehr.answer = () => new EhrUnreachableError('could not reach the EHR (ECONNRESET)', 3);
  const seats = ['m1', 'm2'].map((name) => batches.open(ehr.client(name), name));
  const answers = await Promise.allSettled(
    seats.map(async (seat, index) => seat.transaction(bundleOf(`m${String(index + 1)}`))),
  );

  expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'rejected']);
  expect(ehr.received).toHaveLength(1);
});

test("a follow-up after the attempt's first transaction goes straight out", async () => {
  const batches = batcher();
  const seat = batches.open(ehr.client('m1.1'), 'm1.1');
  batches.open(ehr.client('m2.1'), 'm2.1');
  const first = seat.transaction(bundleOf('m1'));
  await jest.advanceTimersByTimeAsync(60_000);
  await first;

  expect((await seat.transaction(bundleOf('m1-again'))).status).toBe(200);
  expect(ehr.carried()).toEqual([['m1'], ['m1-again']]);
});

describe('splitAnswer', () => {
  const bundles = [bundleOf('a', 1), bundleOf('b', 2)];

  test('undefined unless a 2xx transaction-response has one entry per entry sent', () => {
    const three = transactionResponse({ resourceType: 'Bundle', type: 'transaction', entry: [{}, {}, {}] });
    const two = transactionResponse({ resourceType: 'Bundle', type: 'transaction', entry: [{}, {}] });
    expect(splitAnswer(three, bundles)?.map((own) => ((own.body as Bundle).entry ?? []).length)).toEqual([1, 2]);
    expect(splitAnswer(two, bundles)).toBeUndefined();
    expect(splitAnswer(response(400, BAD), bundles)).toBeUndefined();
    expect(splitAnswer(response(200, BAD), bundles)).toBeUndefined();
  });
});
