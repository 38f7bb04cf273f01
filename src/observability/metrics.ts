/**
 * The one Prometheus metrics registry: what practice IT watches (intake, delivery outcomes and latency per endpoint,
 * the depth of every queue and the age of its oldest waiting job, episode documents and their acknowledgements).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly messagesAccepted: Counter<'kind' | 'duplicate'>;
  readonly messagesRejected: Counter<'kind' | 'reason'>;
  readonly deliveries: Counter<'endpoint' | 'result'>;
  readonly deliveryDuration: Histogram<'endpoint' | 'result'>;
  /** Jobs in each queue of the deployment by state; `queue` is what it carries: delivery, send-document, audit-events. */
  readonly queueJobs: Gauge<'endpoint' | 'queue' | 'state'>;
  readonly queueOldestWaitingSeconds: Gauge<'endpoint' | 'queue'>;
  /** HTTP requests sent to each endpoint, by kind: search, read, transaction, write, token. */
  readonly ehrRequests: Counter<'endpoint' | 'kind'>;
  /** Answers that said the endpoint is overloaded (429, or 503 with a time to come back), by status. */
  readonly ehrThrottled: Counter<'endpoint' | 'status'>;
  /** Answers saying writes collided inside the EHR (serialization failure, version conflict), whole or per entry. */
  readonly ehrWriteConflicts: Counter<'endpoint'>;
  /** Messages carried by each batched transaction sent to an endpoint (endpoints with `batch` set). */
  readonly ehrBatchMessages: Histogram<'endpoint'>;
  /** Batched transactions the EHR refused as a whole, whose messages were then sent one by one. */
  readonly ehrBatchesSplit: Counter<'endpoint'>;
  /** The request rate back-pressure allows each endpoint now (its declared maximum when not throttled). */
  readonly allowedRequestRate: Gauge<'endpoint'>;
  /** The deliveries in flight back-pressure allows each endpoint now (its configured concurrency when not throttled). */
  readonly allowedConcurrency: Gauge<'endpoint'>;
  /** Episode documents sent over MESH, by endpoint and outcome (sent, retry, failed, delivered, rejected, timeout). */
  readonly documentsSent: Counter<'endpoint' | 'outcome'>;
  /** Documents sent and waiting for the practice's business acknowledgement, per endpoint. */
  readonly acknowledgementsOutstanding: Gauge<'endpoint'>;
  /**
   * Adds work to run before each scrape (e.g. sampling queue depths), so gauges of state kept elsewhere are read
   * when asked for rather than polled. A sampler that fails leaves the last values in place.
   */
  onScrape(sampler: () => Promise<void>): void;
}

export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const samplers: (() => Promise<void>)[] = [];
  let sampling: Promise<void> | undefined;
  // One sampling per scrape, however many gauges ask for it: each gauge's collect waits on the same run.
  const sampleOnce = async (): Promise<void> => {
    sampling ??= Promise.allSettled(samplers.map(async (sampler) => sampler())).then(() => {
      sampling = undefined;
    });
    await sampling;
  };
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'spfa_' });
  }
  return {
    registry,
    httpRequests: new Counter({
      name: 'spfa_http_requests_total',
      help: 'HTTP requests handled, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    messagesAccepted: new Counter({
      name: 'spfa_messages_accepted_total',
      help: 'Messages accepted (202), by kind; duplicate="true" for idempotent repeats',
      labelNames: ['kind', 'duplicate'],
      registers: [registry],
    }),
    messagesRejected: new Counter({
      name: 'spfa_messages_rejected_total',
      help: 'Messages refused at the API, by kind and reason',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'spfa_delivery_attempts_total',
      help: 'Delivery attempts, by endpoint and result (delivered, retry, failed, settled)',
      labelNames: ['endpoint', 'result'],
      registers: [registry],
    }),
    deliveryDuration: new Histogram({
      name: 'spfa_delivery_attempt_seconds',
      help: 'Duration of one delivery attempt, by endpoint and result',
      labelNames: ['endpoint', 'result'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: 'spfa_queue_jobs',
      help: 'Jobs in each queue (delivery, send-document, audit-events) of each endpoint, by state (sampled at scrape time)',
      labelNames: ['endpoint', 'queue', 'state'],
      registers: [registry],
      collect: sampleOnce,
    }),
    queueOldestWaitingSeconds: new Gauge({
      name: 'spfa_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job waiting in each queue of each endpoint, 0 when none waits (sampled at scrape time)',
      labelNames: ['endpoint', 'queue'],
      registers: [registry],
      collect: sampleOnce,
    }),
    ehrRequests: new Counter({
      name: 'spfa_ehr_requests_total',
      help: 'HTTP requests sent to each endpoint, by kind (search, read, transaction, write, token)',
      labelNames: ['endpoint', 'kind'],
      registers: [registry],
    }),
    ehrThrottled: new Counter({
      name: 'spfa_ehr_throttled_total',
      help: 'Answers saying the endpoint is overloaded (429, or 503 with a time to come back), by status',
      labelNames: ['endpoint', 'status'],
      registers: [registry],
    }),
    ehrWriteConflicts: new Counter({
      name: 'spfa_ehr_write_conflicts_total',
      help: 'Answers saying writes collided inside the endpoint (serialization failure, version conflict)',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    ehrBatchMessages: new Histogram({
      name: 'spfa_ehr_batch_messages',
      help: 'Messages carried by each batched transaction sent to an endpoint',
      labelNames: ['endpoint'],
      buckets: [2, 3, 5, 10, 20, 50, 100, 200],
      registers: [registry],
    }),
    ehrBatchesSplit: new Counter({
      name: 'spfa_ehr_batches_split_total',
      help: 'Batched transactions the endpoint refused as a whole, whose messages were then sent one by one',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    allowedRequestRate: new Gauge({
      name: 'spfa_endpoint_allowed_requests_per_second',
      help: 'Requests per second back-pressure allows each endpoint now (its maxRequestsPerSecond when not throttled)',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    allowedConcurrency: new Gauge({
      name: 'spfa_endpoint_allowed_concurrency',
      help: 'Deliveries in flight back-pressure allows each endpoint now (its concurrency when not throttled)',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    documentsSent: new Counter({
      name: 'spfa_documents_sent_total',
      help: 'Episode documents over MESH, by endpoint and outcome (sent, retry, failed, delivered, rejected, timeout)',
      labelNames: ['endpoint', 'outcome'],
      registers: [registry],
    }),
    acknowledgementsOutstanding: new Gauge({
      name: 'spfa_document_acknowledgements_outstanding',
      help: 'Episode documents sent over MESH and waiting for the business acknowledgement, per endpoint (sampled at scrape time)',
      labelNames: ['endpoint'],
      registers: [registry],
      collect: sampleOnce,
    }),
    onScrape(sampler) {
      samplers.push(sampler);
    },
  };
}
