/**
 * What real FHIR servers answer under load, told to the sandbox EHR over HTTP: a 409 write race (a database
 * serialization failure) is retried and delivered once, a 429 carrying only a RateLimit header waits for the
 * reset, and a business 409 (a duplicate) fails for good with the server's OperationOutcome.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { RunningSandbox } from '../../src/sandbox';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

let adapter: TestAdapter;
let sandbox: RunningSandbox;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'write-races' });
  sandbox = adapter.sandbox!;
});

afterAll(async () => {
  await adapter.close();
});

function outcome(code: OperationOutcome['issue'][number]['code'], diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

async function submitReferral(): Promise<{ id: string; token: string }> {
  const referral = referralDoc();
  const posted = await postJson(`${adapter.apiUrl}/v1/referrals`, referral);
  expect(posted.status).toBe(202);
  return {
    id: String(posted.body.messageId),
    token: `${referral.source.system}|referral/${referral.source.recordId}`,
  };
}

async function serviceRequestsWith(token: string): Promise<number> {
  const response = await fetch(`${sandbox.baseUrl}/ServiceRequest?identifier=${encodeURIComponent(token)}`);
  return ((await response.json()) as Bundle).entry?.length ?? 0;
}

test('a 409 serialization failure is retried and the referral is written once', async () => {
  sandbox.answers.answerNext({
    status: 409,
    body: outcome('processing', 'ERROR: could not serialize access due to concurrent update'),
  });

  const { id, token } = await submitReferral();
  const status = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed']);

  expect(status).toMatchObject({ status: 'delivered', attempts: 2 });
  expect(sandbox.answers.pending()).toBe(0);
  expect(await serviceRequestsWith(token)).toBe(1);
});

test('a 429 with only a RateLimit header waits until the limit resets', async () => {
  // The test backoff would retry within 200 ms; the server asks for a second.
  sandbox.answers.answerNext({ status: 429, headers: { ratelimit: 'limit=10, remaining=0, reset=1' }, to: 'any' });

  const started = Date.now();
  const { id } = await submitReferral();
  const status = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed']);

  expect(status).toMatchObject({ status: 'delivered', attempts: 2 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
});

test('a business 409 (a duplicate) fails at once with the EHR OperationOutcome', async () => {
  const duplicate = outcome('duplicate', 'a ServiceRequest with this identifier exists in another practice');
  sandbox.answers.answerNext({ status: 409, body: duplicate });

  const { id, token } = await submitReferral();
  const status = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed']);

  expect(status).toMatchObject({ status: 'failed', attempts: 1, outcome: duplicate });
  expect(await serviceRequestsWith(token)).toBe(0);
});
