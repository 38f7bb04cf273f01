/**
 * `queues` lists every queue the configuration makes, not only the delivery queues: an endpoint with the Send
 * Document route has its send-document queue, one that forwards AuditEvents its audit-events queue, each with its
 * own counts. Jobs are added to the real BullMQ queues on real Redis under a unique prefix, with no worker running,
 * so they stay waiting where the command must find them.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { renderQueues } from '../../../src/cli/endpoints';
import { queueRows } from '../../../src/cli/operator-status';
import { parseConfig } from '../../../src/config/load';
import { silentLogger } from '../../../src/observability/logger';
import { auditForwardQueueName } from '../../../src/queue/audit-forward-worker';
import { sendDocumentQueueName } from '../../../src/queue/document-route';
import { queuePrefix } from '../../../src/queue/names';
import type { Root } from '../../../src/runtime/root';
import { createRoot } from '../../../src/runtime/root';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const prefix = uniquePrefix('queues');
const config = parseConfig({
  redis: { url: TEST_REDIS_URL, prefix },
  log: { level: 'silent' },
  endpoints: [
    {
      id: 'both',
      baseUrl: 'sandbox',
      practices: ['A81001'],
      routes: ['fhir', 'mesh-send-document'],
      mesh: { baseUrl: 'sandbox', mailbox: 'SPFHIR001' },
      auditEvents: { send: 'ehr' },
    },
    { id: 'fhir-only', baseUrl: 'sandbox', practices: ['*'] },
  ],
});
let root: Root;
let connection: Redis;

beforeAll(async () => {
  root = createRoot(config, silentLogger(), { queueCommandsWhileConnecting: true });
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const open = (name: string): Queue => new Queue(name, { connection, prefix: queuePrefix(prefix) });
  const documents = open(sendDocumentQueueName('both'));
  const audit = open(auditForwardQueueName('both'));
  await documents.add('send', { documentId: 'doc-1' });
  await audit.addBulk([
    { name: 'forward', data: { entry: 'a' } },
    { name: 'forward', data: { entry: 'b' } },
  ]);
  await root.queues().enqueue('fhir-only', 'message-1');
  await Promise.all([documents.close(), audit.close()]);
});

afterAll(async () => {
  await root.close();
  await connection.quit();
  await deleteKeys(prefix);
});

test('every queue of each endpoint is listed with its own waiting jobs', async () => {
  const rows = await queueRows(root);
  expect(rows.map((row) => [row.endpoint, row.queue, row.name, row.counts.waiting])).toEqual([
    ['both', 'delivery', 'deliver-both', 0],
    ['both', 'send-document', 'send-document-both', 1],
    ['both', 'audit-events', 'audit-both', 2],
    ['fhir-only', 'delivery', 'deliver-fhir-only', 1],
  ]);
  for (const row of rows.filter((r) => r.counts.waiting > 0)) {
    expect(row.oldestWaitingSeconds).toBeGreaterThanOrEqual(0);
  }
  const text = renderQueues(rows);
  expect(text.split('\n')[0]).toMatch(
    /^ENDPOINT +QUEUE +WAITING +PRIORITIZED +ACTIVE +DELAYED +FAILED +OLDEST WAITING$/,
  );
  expect(text).toMatch(/\nboth +send-document +1 +0 +0 +0 +0 +\d+ s\n/);
  expect(text).toMatch(/\nboth +audit-events +2 +0 +0 +0 +0 +\d+ s\n/);
  expect(text).toMatch(/\nboth +delivery +0 +0 +0 +0 +0 +-\n/);
});
