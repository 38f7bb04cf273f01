/**
 * The inbox poll cycle against the sandbox: every waiting message is downloaded, handed over and acknowledged; a
 * message whose handling or download fails is left in the inbox and handed over again on the next poll.
 */
import type { DownloadedMeshMessage } from '../../../src/delivery/mesh';
import { pollInbox } from '../../../src/delivery/mesh';
import type { RunningMeshSandbox } from '../../../src/sandbox/mesh';
import { CONSULT_REPORT_ACK_WORKFLOW, CONSULT_REPORT_WORKFLOW } from '../../../src/sandbox/mesh';
import { ADAPTER, Clients, OTHER_PRACTICE, PRACTICE, startTestSandbox } from './mesh-fixtures';

let sandbox: RunningMeshSandbox;
const clients = new Clients(() => sandbox);

beforeEach(async () => {
  sandbox = await startTestSandbox({ practices: { [PRACTICE.mailbox]: { mode: 'accept' } } });
});

afterEach(async () => {
  clients.closeAll();
  await sandbox.close();
});

test('a poll hands over and acknowledges everything waiting, acknowledgements included', async () => {
  const adapter = clients.for(ADAPTER);
  await adapter.send({ to: PRACTICE.mailbox, workflowId: CONSULT_REPORT_WORKFLOW, body: Buffer.from('report') });
  await clients.for(OTHER_PRACTICE).send({ to: ADAPTER.mailbox, workflowId: 'W1', body: Buffer.from('hello') });

  const handled: DownloadedMeshMessage[] = [];
  const result = await pollInbox(adapter, async (message) => {
    handled.push(message);
    await Promise.resolve();
  });

  expect(handled.map((m) => m.metadata.workflowId).sort()).toEqual([
    CONSULT_REPORT_ACK_WORKFLOW,
    CONSULT_REPORT_ACK_WORKFLOW,
    'W1',
  ]);
  expect(result.acknowledged).toHaveLength(3);
  expect(result.failed).toEqual([]);
  expect(await adapter.inbox()).toEqual([]);
  expect(handled.find((m) => m.metadata.workflowId === 'W1')?.body.toString()).toBe('hello');
});

test('a message the handler fails on stays in the inbox and comes round again', async () => {
  const adapter = clients.for(ADAPTER);
  const other = clients.for(OTHER_PRACTICE);
  const bad = await other.send({ to: ADAPTER.mailbox, workflowId: 'W1', body: Buffer.from('cannot handle yet') });
  const good = await other.send({ to: ADAPTER.mailbox, workflowId: 'W1', body: Buffer.from('fine') });

  const first = await pollInbox(adapter, async (message) => {
    await Promise.resolve();
    if (message.metadata.messageId === bad.messageId) {
      throw new Error('store unavailable');
    }
  });
  expect(first.acknowledged).toEqual([good.messageId]);
  expect(first.failed).toEqual([{ messageId: bad.messageId, error: new Error('store unavailable') }]);
  expect(await adapter.inbox()).toEqual([bad.messageId]);

  const second = await pollInbox(adapter, () => Promise.resolve());
  expect(second.acknowledged).toEqual([bad.messageId]);
  expect(await adapter.inbox()).toEqual([]);
});

test('a download that fails leaves the message for the next poll', async () => {
  const adapter = clients.for(ADAPTER);
  const sent = await clients
    .for(OTHER_PRACTICE)
    .send({ to: ADAPTER.mailbox, workflowId: 'W1', body: Buffer.from('x') });
  let listed = false;
  const result = await pollInbox(
    {
      inbox: async () => {
        const ids = await adapter.inbox();
        // The listing went through; the download that follows meets a 503.
        sandbox.failNextRequests(1);
        listed = true;
        return ids;
      },
      download: (id) => adapter.download(id),
      acknowledge: (id) => adapter.acknowledge(id),
    },
    () => Promise.resolve(),
  );
  expect(listed).toBe(true);
  expect(result.acknowledged).toEqual([]);
  expect(result.failed.map((f) => [f.messageId, (f.error as { verdict?: string }).verdict])).toEqual([
    [sent.messageId, 'retry'],
  ]);
  expect(await adapter.inbox()).toEqual([sent.messageId]);
});
