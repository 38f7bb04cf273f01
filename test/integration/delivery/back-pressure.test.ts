/**
 * Back-pressure and the request budget against the real sandbox EHR over HTTP and real Redis: a storm of 429s
 * carrying only a RateLimit header drains with every message delivered and no replay, the throttling metric counts
 * each 429, and the allowed rate goes down and comes back up; and the requests of concurrent deliveries, counted
 * where the sandbox receives them, never exceed the endpoint's declared rate in any one-second span.
 */
import type { BackPressureDecision } from '../../../src/delivery/back-pressure';
import type { Metrics } from '../../../src/observability/metrics';
import type { TestAdapter } from '../../support/adapter';
import { FAST_RETRY, postJson, startTestAdapter, waitForStatus } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

async function submitReferrals(adapter: TestAdapter, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const posted = await postJson(`${adapter.apiUrl}/v1/referrals`, referralDoc());
    expect(posted.status).toBe(202);
    ids.push(String(posted.body.messageId));
  }
  return ids;
}

async function counterValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

/** Requests a span may hold beyond the declared rate because arrival at the server drifts from sending. */
const ARRIVAL_DRIFT_ALLOWANCE = 1;

/** The most requests that arrived within any one second (each arrival starting a span of 1,000 ms). */
function mostInAnySecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= 1000) {
      start += 1;
    }
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('a storm of 429s with only a RateLimit header', () => {
  let adapter: TestAdapter;

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'back-pressure-storm',
      config: {
        endpoints: [
          {
            id: 'sandbox',
            baseUrl: 'sandbox',
            practices: ['*'],
            concurrency: 4,
            maxRequestsPerSecond: 20,
            retry: FAST_RETRY,
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await adapter.close();
  });

  test('drains with every message delivered, each 429 counted, the rate cut and raised again', async () => {
    const sandbox = adapter.sandbox!;
    const pacing = adapter.services.endpoints.get('sandbox')?.pacing;
    expect(pacing).toBeDefined();
    const decisions: BackPressureDecision[] = [];
    pacing?.onChange((decision) => decisions.push(decision));
    const storm = 12;
    sandbox.answers.answerNext(
      ...Array.from({ length: storm }, () => ({
        status: 429,
        headers: { ratelimit: 'limit=20, remaining=0, reset=1' },
        to: 'any' as const,
      })),
    );

    const ids = await submitReferrals(adapter, 8);
    for (const id of ids) {
      expect(await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 90_000)).toMatchObject({
        status: 'delivered',
      });
    }
    expect(sandbox.answers.pending()).toBe(0);
    const { metrics } = adapter.services;
    expect(await counterValue(metrics, 'spfa_ehr_throttled_total', { endpoint: 'sandbox', status: '429' })).toBe(storm);

    // More traffic after the storm: a run of answers without throttling raises the limits step by step.
    const after = await submitReferrals(adapter, 8);
    for (const id of after) {
      await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 60_000);
    }
    const throttled = decisions.filter((decision) => decision.reason === 'throttled');
    const lowest = Math.min(...throttled.map((decision) => decision.limits.rate));
    expect(throttled.length).toBeGreaterThan(0);
    expect(lowest).toBeLessThan(20);
    expect(throttled.some((decision) => decision.limits.concurrency < 4)).toBe(true);
    const last = decisions.at(-1);
    expect(last?.reason).toBe('recovering');
    expect(last?.limits.rate).toBeGreaterThan(lowest);
    expect(await counterValue(metrics, 'spfa_endpoint_allowed_requests_per_second', { endpoint: 'sandbox' })).toBe(
      pacing?.limits().rate,
    );
  }, 180_000);
});

describe('the request budget', () => {
  let adapter: TestAdapter;
  const declared = 5;

  beforeAll(async () => {
    adapter = await startTestAdapter({
      name: 'request-budget',
      config: {
        endpoints: [
          {
            id: 'sandbox',
            baseUrl: 'sandbox',
            practices: ['*'],
            concurrency: 2,
            maxRequestsPerSecond: declared,
            retry: FAST_RETRY,
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await adapter.close();
  });

  test('concurrent deliveries send no more than the declared rate in any second, as the sandbox counts them', async () => {
    const sandbox = adapter.sandbox!;
    const before = sandbox.answers.arrivals().length;
    const ids = await submitReferrals(adapter, 8);
    for (const id of ids) {
      expect(await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'], 60_000)).toMatchObject({
        status: 'delivered',
      });
    }
    const arrivals = sandbox.answers.arrivals().slice(before);
    const { metrics } = adapter.services;
    // Each delivery searched for the patient and sent its transaction: every one of them went through the budget.
    expect(arrivals.length).toBeGreaterThanOrEqual(2 * ids.length);
    expect(await counterValue(metrics, 'spfa_ehr_requests_total', { endpoint: 'sandbox' })).toBe(arrivals.length);
    expect(await counterValue(metrics, 'spfa_ehr_requests_total', { endpoint: 'sandbox', kind: 'transaction' })).toBe(
      arrivals.filter((arrival) => arrival.method === 'POST' && arrival.path === '/').length,
    );
    const times = arrivals.map((arrival) => arrival.at);
    // The budget spaces requests when they are sent; they reach the server a few milliseconds later, by an amount
    // that varies (the first also opens the connection), so one request's allowance is made for that drift.
    expect(mostInAnySecond(times)).toBeLessThanOrEqual(declared + ARRIVAL_DRIFT_ALLOWANCE);
    // Over the whole run, the gaps between arrivals add up to no less than the declared rate allows.
    const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
    expect(times.length - 1).toBeLessThanOrEqual(declared * spanSeconds + ARRIVAL_DRIFT_ALLOWANCE);
  }, 120_000);
});
