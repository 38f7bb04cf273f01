/**
 * What happens when the parts around the adapter fail: an EHR that is down for a while gets the message once it
 * returns (exactly once), and a Redis that cannot take the write makes the API answer 503, never 202.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { RunningSandbox } from '../../src/sandbox';
import { startSandbox } from '../../src/sandbox';
import type { TestAdapter } from '../support/adapter';
import { FAST_RETRY, getJson, postJson, startTestAdapter, waitForStatus, eventually } from '../support/adapter';
import { referralDoc } from '../support/fixtures';
import type { PrivateRedis } from '../support/private-redis';
import { createPrivateRedis } from '../support/private-redis';

describe('an EHR outage', () => {
  let sandbox: RunningSandbox;
  let adapter: TestAdapter;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    adapter = await startTestAdapter({
      name: 'outage',
      roles: { api: true, worker: true, sandbox: false },
      config: { endpoints: [{ id: 'practice-ehr', baseUrl: sandbox.baseUrl, practices: ['*'], retry: FAST_RETRY }] },
    });
  });

  afterAll(async () => {
    await adapter.close();
    await sandbox.close();
  });

  test('messages wait and retry while the EHR is down, then arrive exactly once', async () => {
    const { port, repository } = sandbox;
    await sandbox.close();

    const referral = referralDoc();
    const posted = await postJson(`${adapter.apiUrl}/v1/referrals`, referral);
    expect(posted.status).toBe(202);
    const id = String(posted.body.messageId);

    // At least two failed attempts while the EHR is unreachable, each leaving the reason and the next try time.
    const waiting = await eventually(async () => {
      const { body } = await getJson(`${adapter.apiUrl}/v1/messages/${id}`);
      return Number(body.attempts) >= 2 && body.status === 'queued' ? body : undefined;
    });
    expect(String(waiting.lastError)).toContain('could not reach the EHR');
    expect(typeof waiting.nextAttemptAt).toBe('string');

    sandbox = await startSandbox({ port, repository });
    const delivered = await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 30_000);
    expect(delivered.status).toBe('delivered');

    const search = await fetch(
      `${sandbox.baseUrl}/ServiceRequest?identifier=${encodeURIComponent(`${referral.source.system}|referral/${referral.source.recordId}`)}`,
    );
    expect(((await search.json()) as Bundle).entry ?? []).toHaveLength(1);
  });
});

describe('a Redis that cannot take the write', () => {
  let redis: PrivateRedis;
  let adapter: TestAdapter;

  beforeAll(async () => {
    redis = await createPrivateRedis();
    adapter = await startTestAdapter({
      name: 'redis-down',
      roles: { api: true, worker: false, sandbox: true },
      config: { redis: { url: redis.url, prefix: 'test-redis-down' } },
    });
  });

  afterAll(async () => {
    await adapter.stop();
    await redis.destroy();
  });

  test('the API answers 503 with an OperationOutcome, never 202, and accepts again once Redis is back', async () => {
    await redis.kill();
    const refused = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc());
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.resourceType).toBe('OperationOutcome');

    await redis.start();
    const accepted = await eventually(async () => {
      const response = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc());
      return response.status === 202 ? response : undefined;
    }, 20_000);
    expect(accepted.body.status).toBe('queued');
  });
});
