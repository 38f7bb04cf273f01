/**
 * The pacing hook of one endpoint, with an in-memory budget and clock: each request takes a unit of the budget
 * and is counted by kind; a throttling answer is counted and cuts the budget's rate and pauses it until the
 * server's reset; a run of ordinary answers raises the rate again; listeners hear each change after the budget;
 * the server's rate-limit window is remembered from the answers.
 */
import type { BackPressureDecision } from '../../../src/delivery/back-pressure';
import { requestKind } from '../../../src/delivery/fhir-client';
import { createEndpointPacing } from '../../../src/delivery/request-pacing';
import { createMetrics } from '../../../src/observability/metrics';
import type { RequestBudget } from '../../../src/store/request-budget';

interface FakeBudget extends RequestBudget {
  readonly taken: () => number;
  readonly pausedUntilMs: () => number;
}

function fakeBudget(max: number): FakeBudget {
  let rate = max;
  let taken = 0;
  let paused = 0;
  return {
    take: async () => {
      taken += 1;
      return Promise.resolve();
    },
    rate: () => rate,
    setRate: (perSecond) => {
      rate = perSecond;
    },
    pauseUntil: (at) => {
      paused = Math.max(paused, at);
    },
    taken: () => taken,
    pausedUntilMs: () => paused,
  };
}

async function value(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>) {
  const values = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([key, wanted]) => String(v.labels[key]) === wanted))?.value;
}

function setUp(): {
  budget: FakeBudget;
  metrics: ReturnType<typeof createMetrics>;
  pacing: ReturnType<typeof createEndpointPacing>;
  heard: BackPressureDecision[];
  clock: { now: number };
} {
  const budget = fakeBudget(40);
  const metrics = createMetrics({ defaultMetrics: false });
  const clock = { now: 1_000_000 };
  const pacing = createEndpointPacing({
    endpointId: 'ehr',
    maxRequestsPerSecond: 40,
    concurrency: 8,
    budget,
    metrics,
    now: () => clock.now,
  });
  const heard: BackPressureDecision[] = [];
  pacing.onChange((decision) => {
    // The budget has been changed by the time a listener is told.
    expect(budget.rate()).toBe(decision.limits.rate);
    heard.push(decision);
  });
  return { budget, metrics, pacing, heard, clock };
}

test('every request takes a unit of the budget and is counted by kind', async () => {
  const { budget, metrics, pacing } = setUp();
  await pacing.before('search');
  await pacing.before('search');
  await pacing.before('transaction');
  await pacing.before('token');
  expect(budget.taken()).toBe(4);
  expect(await value(metrics, 'spfa_ehr_requests_total', { endpoint: 'ehr', kind: 'search' })).toBe(2);
  expect(await value(metrics, 'spfa_ehr_requests_total', { endpoint: 'ehr', kind: 'transaction' })).toBe(1);
  expect(await value(metrics, 'spfa_ehr_requests_total', { endpoint: 'ehr', kind: 'token' })).toBe(1);
});

test('a 429 with a RateLimit reset is counted, halves the budget and pauses it until the reset', async () => {
  const { budget, metrics, pacing, heard, clock } = setUp();
  expect(await value(metrics, 'spfa_endpoint_allowed_requests_per_second', { endpoint: 'ehr' })).toBe(40);
  pacing.after('search', 429, new Headers({ ratelimit: 'limit=40, remaining=0, reset=3' }));
  expect(await value(metrics, 'spfa_ehr_throttled_total', { endpoint: 'ehr', status: '429' })).toBe(1);
  expect(budget.rate()).toBe(20);
  expect(budget.pausedUntilMs()).toBe(clock.now + 3000);
  expect(heard).toEqual([{ reason: 'throttled', limits: { rate: 20, concurrency: 4, pausedUntil: clock.now + 3000 } }]);
  expect(await value(metrics, 'spfa_endpoint_allowed_requests_per_second', { endpoint: 'ehr' })).toBe(20);
  expect(await value(metrics, 'spfa_endpoint_allowed_concurrency', { endpoint: 'ehr' })).toBe(4);
});

test('a 503 without a time to come back is an outage, not throttling; with Retry-After it is', async () => {
  const { metrics, pacing, heard } = setUp();
  pacing.after('transaction', 503, new Headers());
  expect(heard).toEqual([]);
  pacing.after('transaction', 503, new Headers({ 'retry-after': '2' }));
  expect(await value(metrics, 'spfa_ehr_throttled_total', { endpoint: 'ehr', status: '503' })).toBe(1);
  expect(heard.map((decision) => decision.limits.rate)).toEqual([20]);
});

test('ordinary answers after a cut raise the budget again; 5xx answers do not count towards it', () => {
  const { budget, pacing, heard } = setUp();
  pacing.after('search', 429, new Headers());
  for (let i = 0; i < 20; i += 1) {
    pacing.after('search', 500, new Headers());
  }
  expect(budget.rate()).toBe(20);
  for (let i = 0; i < 10; i += 1) {
    pacing.after('search', i % 2 === 0 ? 200 : 404, new Headers());
  }
  expect(budget.rate()).toBe(24);
  expect(heard.map((decision) => decision.reason)).toEqual(['throttled', 'recovering']);
});

test('a write conflict, whole or in one entry of a transaction-response, is counted and cuts concurrency only', async () => {
  const { budget, metrics, pacing, heard, clock } = setUp();
  const serialization = {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'processing',
        diagnostics: 'could not serialize access due to read/write dependencies',
      },
    ],
  };
  pacing.after('transaction', 409, new Headers(), serialization);
  expect(heard).toEqual([{ reason: 'contended', limits: { rate: 40, concurrency: 4, pausedUntil: 0 } }]);
  expect(budget.rate()).toBe(40);
  clock.now += 1001;
  pacing.after('transaction', 200, new Headers(), {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: [{ response: { status: '201 Created' } }, { response: { status: '409 Conflict', outcome: serialization } }],
  });
  expect(heard.map((decision) => decision.limits.concurrency)).toEqual([4, 2]);
  expect(await value(metrics, 'spfa_ehr_write_conflicts_total', { endpoint: 'ehr' })).toBe(2);
  // A business conflict and a clean transaction-response are neither.
  clock.now += 1001;
  pacing.after('transaction', 409, new Headers(), {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'duplicate' }],
  });
  pacing.after('transaction', 200, new Headers(), {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: [{ response: { status: '201 Created' } }],
  });
  expect(heard).toHaveLength(2);
  expect(await value(metrics, 'spfa_ehr_write_conflicts_total', { endpoint: 'ehr' })).toBe(2);
});

test("the server's rate-limit window is remembered from its answers, for the retry policy", () => {
  const { pacing } = setUp();
  expect(pacing.serverWindowMs()).toBeUndefined();
  pacing.after('search', 200, new Headers({ ratelimit: '"fhirInteractions";r=40;t=30' }));
  pacing.after('search', 429, new Headers({ ratelimit: '"fhirInteractions";r=0;t=4' }));
  expect(pacing.serverWindowMs()).toBe(30_000);
});

test('requests are named by kind from their method and path', () => {
  expect(requestKind('GET', 'Patient?identifier=x')).toBe('search');
  expect(requestKind('GET', 'metadata')).toBe('read');
  expect(requestKind('GET', 'Patient/123')).toBe('read');
  expect(requestKind('POST', '')).toBe('transaction');
  expect(requestKind('POST', '/')).toBe('transaction');
  expect(requestKind('PUT', 'Goal?identifier=x')).toBe('write');
  expect(requestKind('POST', 'Provenance')).toBe('write');
});
