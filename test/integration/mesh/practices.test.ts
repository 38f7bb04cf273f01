/**
 * The sandbox as a receiving GP practice for GPFED_CONSULT_REPORT: in `accept` mode it collects the report and
 * posts a positive infrastructure and business acknowledgement (GPFED_CONSULT_REPORT_ACK) into the sender's
 * inbox; in `reject` mode the business acknowledgement is negative with the configured reason; in `silent` mode
 * the report stays uncollected and nothing comes back. Modes switch through the TS API and the HTTP controls.
 */
import type { MeshClient } from '../../../src/delivery/mesh';
import type { PlaceholderAckBody, RunningMeshSandbox } from '../../../src/sandbox/mesh';
import {
  CONSULT_REPORT_ACK_WORKFLOW,
  CONSULT_REPORT_WORKFLOW,
  DEFAULT_REJECTION,
  PLACEHOLDER_ACK_FORMAT,
} from '../../../src/sandbox/mesh';
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

const REPORT = Buffer.from('{"resourceType":"Bundle","type":"message"}');

function sendReport(client: MeshClient, localId = 'consult-1') {
  return client.send({ to: PRACTICE.mailbox, workflowId: CONSULT_REPORT_WORKFLOW, body: REPORT, localId });
}

/** Downloads and acknowledges everything in the adapter's inbox, as the adapter's poller will. */
async function collectAcks(client: MeshClient) {
  const acks: { workflowId?: string; localId?: string; from?: string; body: PlaceholderAckBody }[] = [];
  for (const id of await client.inbox()) {
    const { metadata, body } = await client.download(id);
    await client.acknowledge(id);
    acks.push({
      ...(metadata.workflowId !== undefined ? { workflowId: metadata.workflowId } : {}),
      ...(metadata.localId !== undefined ? { localId: metadata.localId } : {}),
      ...(metadata.from !== undefined ? { from: metadata.from } : {}),
      body: JSON.parse(body.toString('utf8')) as PlaceholderAckBody,
    });
  }
  return acks;
}

test('accept: the practice collects the report and posts positive infrastructure and business acks', async () => {
  const adapter = clients.for(ADAPTER);
  const sent = await sendReport(adapter);

  expect((await adapter.track(sent.messageId)).status).toBe('acknowledged');
  const acks = await collectAcks(adapter);
  expect(acks.map((ack) => [ack.body.kind, ack.body.outcome])).toEqual([
    ['infrastructure', 'accepted'],
    ['business', 'accepted'],
  ]);
  for (const ack of acks) {
    expect(ack).toMatchObject({
      workflowId: CONSULT_REPORT_ACK_WORKFLOW,
      from: PRACTICE.mailbox,
      localId: sent.messageId,
      body: {
        format: PLACEHOLDER_ACK_FORMAT,
        practice: PRACTICE.mailbox,
        inResponseTo: { messageId: sent.messageId, workflowId: CONSULT_REPORT_WORKFLOW, localId: 'consult-1' },
      },
    });
    expect(ack.body.reason).toBeUndefined();
  }
  expect(await adapter.inbox()).toEqual([]);
  // The practice kept the report it took in.
  expect(sandbox.received(PRACTICE.mailbox).map((m) => m.body.equals(REPORT))).toEqual([true]);
});

test('reject: the business ack is negative and carries the configured reason', async () => {
  const reason = { code: '30002', text: 'Patient not registered at this practice' };
  sandbox.setPractice(PRACTICE.mailbox, { mode: 'reject', reason });
  const adapter = clients.for(ADAPTER);
  const sent = await sendReport(adapter);

  const acks = await collectAcks(adapter);
  expect(acks.map((ack) => [ack.body.kind, ack.body.outcome, ack.body.reason])).toEqual([
    ['infrastructure', 'accepted', undefined],
    ['business', 'rejected', reason],
  ]);
  expect(acks.every((ack) => ack.body.inResponseTo.messageId === sent.messageId)).toBe(true);
});

test('reject without a reason gives the default one', async () => {
  sandbox.setPractice(PRACTICE.mailbox, { mode: 'reject' });
  const adapter = clients.for(ADAPTER);
  await sendReport(adapter);
  const business = (await collectAcks(adapter)).find((ack) => ack.body.kind === 'business');
  expect(business?.body.reason).toEqual(DEFAULT_REJECTION);
});

test('silent: no acks come back and the report stays uncollected', async () => {
  sandbox.setPractice(PRACTICE.mailbox, { mode: 'silent' });
  const adapter = clients.for(ADAPTER);
  const sent = await sendReport(adapter);

  expect(await adapter.inbox()).toEqual([]);
  expect((await adapter.track(sent.messageId)).status).toBe('accepted');
  expect(await clients.for(PRACTICE).inbox()).toEqual([sent.messageId]);
});

test('only consultation reports to configured practices are answered', async () => {
  const adapter = clients.for(ADAPTER);
  await adapter.send({ to: PRACTICE.mailbox, workflowId: 'SOME_OTHER_WORKFLOW', body: REPORT });
  await adapter.send({ to: OTHER_PRACTICE.mailbox, workflowId: CONSULT_REPORT_WORKFLOW, body: REPORT });
  expect(await adapter.inbox()).toEqual([]);
  expect(await clients.for(PRACTICE).inbox()).toHaveLength(1);
});

test('the HTTP controls switch a practice’s mode and list and fetch what it received', async () => {
  const adapter = clients.for(ADAPTER);
  const control = (path: string, init?: RequestInit) => fetch(`${sandbox.url}/_sandbox${path}`, init);

  const switched = await control(`/practices/${OTHER_PRACTICE.mailbox}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'reject', reason: { code: 'R1', text: 'Not today' } }),
  });
  expect(switched.status).toBe(204);
  const sent = await adapter.send({ to: OTHER_PRACTICE.mailbox, workflowId: CONSULT_REPORT_WORKFLOW, body: REPORT });
  expect((await collectAcks(adapter)).map((ack) => ack.body.outcome)).toEqual(['accepted', 'rejected']);

  const listed = (await (await control(`/mailboxes/${OTHER_PRACTICE.mailbox}/received`)).json()) as {
    messageId: string;
    size: number;
    acknowledged: boolean;
  }[];
  expect(listed).toEqual([
    expect.objectContaining({ messageId: sent.messageId, size: REPORT.length, acknowledged: true }),
  ]);
  const bytes = await control(`/mailboxes/${OTHER_PRACTICE.mailbox}/received/${sent.messageId}`);
  expect(Buffer.from(await bytes.arrayBuffer()).equals(REPORT)).toBe(true);
  expect((await control(`/mailboxes/${OTHER_PRACTICE.mailbox}/received/nope`)).status).toBe(404);
});

test('the HTTP controls name each bad field of a practice setting', async () => {
  const response = await fetch(`${sandbox.url}/_sandbox/practices/${PRACTICE.mailbox}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'maybe', reason: { code: '' } }),
  });
  expect(response.status).toBe(400);
  const { problems } = (await response.json()) as { problems: { path: string }[] };
  expect(problems.map((p) => p.path).sort()).toEqual(['mode', 'reason.code', 'reason.text']);
  expect(() => {
    sandbox.setPractice('NOTABOX', { mode: 'accept' });
  }).toThrow('NOTABOX is not a mailbox of this sandbox');
});
