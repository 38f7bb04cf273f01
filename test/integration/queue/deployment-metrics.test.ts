/**
 * GET /metrics on the real adapter reports every queue of the deployment, not only the delivery queues: an
 * endpoint with the Send Document route has its send-document queue's gauges, one that forwards AuditEvents its
 * audit-events queue's, each under its own `queue` label; and the episode documents waiting for a business
 * acknowledgement are counted per endpoint using the MESH route. Jobs are added to the real BullMQ queues on real
 * Redis with no worker running, so they stay waiting; the document is moved to awaiting-ack through the real store.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { auditForwardQueueName } from '../../../src/queue/audit-forward-worker';
import { sendDocumentQueueName } from '../../../src/queue/document-route';
import { queuePrefix } from '../../../src/queue/names';
import type { TestAdapter } from '../../support/adapter';
import { startTestAdapter } from '../../support/adapter';
import { TEST_REDIS_URL } from '../../support/redis';

let adapter: TestAdapter;
let connection: Redis;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'deployment-metrics',
    roles: { api: true, worker: false, sandbox: true },
    config: {
      sandbox: { port: 0, meshPort: 0 },
      endpoints: [
        {
          id: 'both',
          baseUrl: 'sandbox',
          practices: ['A81001'],
          routes: ['fhir', 'mesh-send-document'],
          mesh: { mailbox: 'SPFHIR001' },
          auditEvents: { send: 'ehr' },
        },
        { id: 'mesh-quiet', practices: ['B82002'], routes: ['mesh-send-document'], mesh: { mailbox: 'SPFHIR002' } },
        { id: 'fhir-only', baseUrl: 'sandbox', practices: ['*'] },
      ],
    },
  });
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const open = (name: string): Queue => new Queue(name, { connection, prefix: queuePrefix(adapter.prefix) });
  const sends = open(sendDocumentQueueName('both'));
  const audit = open(auditForwardQueueName('both'));
  await sends.add('send', { documentId: 'doc-1' });
  await audit.addBulk([
    { name: 'forward', data: { entry: 'a' } },
    { name: 'forward', data: { entry: 'b' } },
  ]);
  await adapter.services.queues.enqueue('fhir-only', 'message-1');
  await Promise.all([sends.close(), audit.close()]);

  // Two documents of endpoint "both": one sent and waiting for its acknowledgement, one still pending.
  const { documents } = adapter.services;
  for (const referralId of ['REF-WAITING', 'REF-PENDING']) {
    await documents.request({
      endpoint: 'both',
      practice: 'A81001',
      sourceSystem: 'https://link-worker.example/system',
      referralId,
      trigger: `trigger-${referralId}`,
      milestone: 'closure',
      now: new Date(),
    });
  }
  const waiting = (await documents.list()).find((d) => d.referralId === 'REF-WAITING');
  const step = await documents.step(waiting?.id ?? '', {
    version: 1,
    from: ['pending'],
    status: 'awaiting-ack',
    now: new Date(),
    deadline: new Date(Date.now() + 3_600_000),
  });
  expect(step.ok).toBe(true);
}, 30_000);

afterAll(async () => {
  await connection.quit();
  await adapter.close();
});

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function scrape(): Promise<string> {
  const answer = await fetch(`${adapter.apiUrl}/metrics`);
  expect(answer.status).toBe(200);
  return answer.text();
}

test('each queue of each endpoint has its own depth and oldest-waiting gauges', async () => {
  const text = await scrape();
  const waiting = (endpoint: string, queue: string): number | undefined =>
    sample(text, 'spfa_queue_jobs', `endpoint="${endpoint}",queue="${queue}",state="waiting"`);
  expect(waiting('both', 'delivery')).toBe(0);
  expect(waiting('both', 'send-document')).toBe(1);
  expect(waiting('both', 'audit-events')).toBe(2);
  expect(waiting('mesh-quiet', 'send-document')).toBe(0);
  expect(waiting('fhir-only', 'delivery')).toBe(1);
  // Queues the configuration does not make have no series at all.
  expect(waiting('fhir-only', 'send-document')).toBeUndefined();
  expect(waiting('mesh-quiet', 'audit-events')).toBeUndefined();
  expect(waiting('mesh-quiet', 'delivery')).toBe(0);

  const oldest = (endpoint: string, queue: string): number | undefined =>
    sample(text, 'spfa_queue_oldest_waiting_seconds', `endpoint="${endpoint}",queue="${queue}"`);
  expect(oldest('both', 'delivery')).toBe(0);
  expect(oldest('both', 'send-document')).toBeGreaterThanOrEqual(0);
  expect(oldest('both', 'audit-events')).toBeGreaterThanOrEqual(0);
  expect(oldest('mesh-quiet', 'send-document')).toBe(0);
  for (const state of ['prioritized', 'delayed', 'active', 'failed']) {
    expect(sample(text, 'spfa_queue_jobs', `endpoint="both",queue="send-document",state="${state}"`)).toBe(0);
  }
});

test('documents waiting for a business acknowledgement are counted per MESH endpoint', async () => {
  const text = await scrape();
  expect(sample(text, 'spfa_document_acknowledgements_outstanding', 'endpoint="both"')).toBe(1);
  expect(sample(text, 'spfa_document_acknowledgements_outstanding', 'endpoint="mesh-quiet"')).toBe(0);
  expect(sample(text, 'spfa_document_acknowledgements_outstanding', 'endpoint="fhir-only"')).toBeUndefined();
});
