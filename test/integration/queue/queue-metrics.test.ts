// Queue depth and the age of the oldest waiting job, read from a real BullMQ queue on Redis at scrape time.
import { Redis } from 'ioredis';
import { createMetrics } from '../../../src/observability/metrics';
import { parseConfig } from '../../../src/config/load';
import { DeliveryQueues } from '../../../src/queue/producer';
import { watchQueueMetrics } from '../../../src/queue/queue-metrics';
import { EpisodeDocumentStore } from '../../../src/store/episode-documents';
import { messageKeys } from '../../../src/store/keys';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const prefix = uniquePrefix('queue-metrics');
let redis: Redis;
let queues: DeliveryQueues;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queues = new DeliveryQueues(redis, prefix);
});

afterAll(async () => {
  await queues.close();
  await redis.quit();
  await deleteKeys(prefix);
});

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

test('waiting jobs are counted per endpoint and the oldest one gives the age', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  let clock = Date.now();
  const config = parseConfig({
    redis: { prefix },
    endpoints: [
      { id: 'ehr-a', baseUrl: 'sandbox', practices: ['A81001'] },
      { id: 'ehr-b', baseUrl: 'sandbox', practices: ['*'] },
    ],
  });
  const documents = new EpisodeDocumentStore(redis, messageKeys(prefix));
  watchQueueMetrics(metrics, { queues, documents, config, now: () => clock });
  await queues.enqueue('ehr-a', 'm-1');
  await new Promise((resolve) => setTimeout(resolve, 20));
  await queues.enqueue('ehr-a', 'm-2');
  await queues.enqueue('ehr-a', 'm-3');
  const first = await queues.queue('ehr-a').getJob('m-1');
  clock = (first?.timestamp ?? 0) + 90_000;

  const text = await metrics.registry.metrics();
  expect(sample(text, 'spfa_queue_jobs', 'endpoint="ehr-a",queue="delivery",state="waiting"')).toBe(3);
  expect(sample(text, 'spfa_queue_jobs', 'endpoint="ehr-b",queue="delivery",state="waiting"')).toBe(0);
  expect(sample(text, 'spfa_queue_oldest_waiting_seconds', 'endpoint="ehr-a",queue="delivery"')).toBe(90);
  expect(sample(text, 'spfa_queue_oldest_waiting_seconds', 'endpoint="ehr-b",queue="delivery"')).toBe(0);
});
