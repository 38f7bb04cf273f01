/**
 * Sending and receiving through the sandbox with the real client over HTTP: a message arrives byte for byte with
 * its metadata, acknowledging it empties the inbox and shows in the sender's tracking, a message larger than the
 * chunk size goes in chunks and downloads exactly, and MESH's refusals come back as permanent errors with MESH's
 * own codes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MESH_V2_ACCEPT, MeshError, createMeshAuthenticator } from '../../../src/delivery/mesh';
import type { RunningMeshSandbox } from '../../../src/sandbox/mesh';
import { ADAPTER, Clients, OTHER_PRACTICE, PATHOLOGY_LAB, rejection, startTestSandbox } from './mesh-fixtures';

let sandbox: RunningMeshSandbox;
const clients = new Clients(() => sandbox);

beforeEach(async () => {
  sandbox = await startTestSandbox();
});

afterEach(async () => {
  clients.closeAll();
  await sandbox.close();
});

const DOCUMENT = Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'message', entry: [] }));

test('a message sent to a mailbox is listed, downloaded byte for byte with its metadata, and acknowledged', async () => {
  const sender = clients.for(ADAPTER);
  const recipient = clients.for(OTHER_PRACTICE);

  const sent = await sender.send({
    to: OTHER_PRACTICE.mailbox,
    workflowId: 'GPFED_CONSULT_REPORT',
    body: DOCUMENT,
    fileName: 'report.json',
    localId: 'spfhir-local-1',
    subject: 'Consultation report',
    contentType: 'application/fhir+json',
  });
  expect(sent.chunkCount).toBe(1);
  expect(sent.messageId).toMatch(/^\d{17}_[0-9A-F]{6}$/);

  expect(await recipient.inbox()).toEqual([sent.messageId]);
  const downloaded = await recipient.download(sent.messageId);
  expect(downloaded.body.equals(DOCUMENT)).toBe(true);
  expect(downloaded.metadata).toMatchObject({
    messageId: sent.messageId,
    from: ADAPTER.mailbox,
    to: OTHER_PRACTICE.mailbox,
    workflowId: 'GPFED_CONSULT_REPORT',
    fileName: 'report.json',
    localId: 'spfhir-local-1',
    subject: 'Consultation report',
    messageType: 'DATA',
    contentType: 'application/fhir+json',
    checksum: `sha256:${createHash('sha256').update(DOCUMENT).digest('hex')}`,
    chunkCount: 1,
  });

  expect((await sender.track(sent.messageId)).status).toBe('accepted');
  await recipient.acknowledge(sent.messageId);
  expect(await recipient.inbox()).toEqual([]);
  const tracked = await sender.track(sent.messageId);
  expect(tracked).toMatchObject({ message_id: sent.messageId, status: 'acknowledged', local_id: 'spfhir-local-1' });

  // Gone from the inbox means gone: a second download is refused for good.
  const gone = await rejection(recipient.download(sent.messageId));
  expect(gone).toMatchObject({ status: 410, verdict: 'reject' });
  // Acknowledging again is harmless.
  await recipient.acknowledge(sent.messageId);

  // The test controls still hold what arrived.
  const [received] = sandbox.received(OTHER_PRACTICE.mailbox);
  expect(received).toMatchObject({ messageId: sent.messageId, acknowledged: true, chunkCount: 1 });
  expect(received?.body.equals(DOCUMENT)).toBe(true);
});

test('a message larger than the chunk size is sent in chunks and downloads byte-exact', async () => {
  const chunkSizeBytes = 64 * 1024;
  const payload = randomBytes(chunkSizeBytes * 3 + 1234);
  const sender = clients.for(ADAPTER, { chunkSizeBytes });
  const recipient = clients.for(OTHER_PRACTICE);

  const sent = await sender.send({ to: OTHER_PRACTICE.mailbox, workflowId: 'GPFED_CONSULT_REPORT', body: payload });
  expect(sent.chunkCount).toBe(4);

  const [arrived] = sandbox.received(OTHER_PRACTICE.mailbox);
  expect(arrived?.chunkCount).toBe(4);

  const downloaded = await recipient.download(sent.messageId);
  expect(downloaded.metadata.chunkCount).toBe(4);
  expect(downloaded.body.length).toBe(payload.length);
  expect(downloaded.body.equals(payload)).toBe(true);
});

test('a chunked message is not in the inbox until its last chunk is in', async () => {
  const authenticator = createMeshAuthenticator(ADAPTER);
  const recipient = clients.for(OTHER_PRACTICE);
  const post = (path: string, headers: Record<string, string>, body: string) =>
    fetch(`${sandbox.url}/messageexchange/${ADAPTER.mailbox}${path}`, {
      method: 'POST',
      headers: { authorization: authenticator.header(), accept: MESH_V2_ACCEPT, ...headers },
      body,
    });
  const first = await post(
    '/outbox',
    { 'mex-to': OTHER_PRACTICE.mailbox, 'mex-workflowid': 'GPFED_CONSULT_REPORT', 'mex-chunk-range': '1:2' },
    'first half, ',
  );
  expect(first.status).toBe(202);
  const { message_id: messageId } = (await first.json()) as { message_id: string };
  expect(await recipient.inbox()).toEqual([]);

  const outOfRange = await post(`/outbox/${messageId}/3`, { 'mex-chunk-range': '3:2' }, 'too far');
  expect(outOfRange.status).toBe(400);

  const second = await post(`/outbox/${messageId}/2`, { 'mex-chunk-range': '2:2' }, 'second half');
  expect(second.status).toBe(202);
  expect(await recipient.inbox()).toEqual([messageId]);
  expect((await recipient.download(messageId)).body.toString()).toBe('first half, second half');

  const late = await post(`/outbox/${messageId}/2`, { 'mex-chunk-range': '2:2' }, 'again');
  expect(late.status).toBe(423);
});

test('a checksum that does not match the content is refused and nothing is delivered', async () => {
  const authenticator = createMeshAuthenticator(ADAPTER);
  const response = await fetch(`${sandbox.url}/messageexchange/${ADAPTER.mailbox}/outbox`, {
    method: 'POST',
    headers: {
      authorization: authenticator.header(),
      accept: MESH_V2_ACCEPT,
      'mex-to': OTHER_PRACTICE.mailbox,
      'mex-workflowid': 'GPFED_CONSULT_REPORT',
      'mex-content-checksum': `sha256:${createHash('sha256').update('something else').digest('hex')}`,
    },
    body: 'the content',
  });
  expect(response.status).toBe(417);
  expect(sandbox.received(OTHER_PRACTICE.mailbox)).toEqual([]);
});

test('an unknown recipient is refused for good with MESH code 12', async () => {
  const error = await rejection(
    clients.for(ADAPTER).send({ to: 'NOSUCHBOX', workflowId: 'GPFED_CONSULT_REPORT', body: DOCUMENT }),
  );
  expect(error).toBeInstanceOf(MeshError);
  expect(error).toMatchObject({ status: 417, verdict: 'reject', code: '12' });
});

test('a workflow the recipient does not take is refused for good with MESH code 17', async () => {
  const error = await rejection(
    clients.for(ADAPTER).send({ to: PATHOLOGY_LAB.mailbox, workflowId: 'GPFED_CONSULT_REPORT', body: DOCUMENT }),
  );
  expect(error).toMatchObject({ status: 417, verdict: 'reject', code: '17' });
  await clients.for(ADAPTER).send({ to: PATHOLOGY_LAB.mailbox, workflowId: 'PATH_TEST_RESULTS', body: DOCUMENT });
  expect(sandbox.received(PATHOLOGY_LAB.mailbox)).toHaveLength(1);
});

test('a message with bad metadata is refused by the client before anything is sent', async () => {
  const error = await rejection(
    clients.for(ADAPTER).send({ to: OTHER_PRACTICE.mailbox, workflowId: '', body: DOCUMENT, subject: 'Ä' }),
  );
  expect(error).toMatchObject({
    verdict: 'reject',
    problems: [
      { path: 'mex-workflowid', message: 'is required' },
      { path: 'mex-subject', message: 'may only contain printable ASCII characters' },
    ],
  });
  expect(error).not.toHaveProperty('status', expect.any(Number));
  expect(sandbox.received(OTHER_PRACTICE.mailbox)).toEqual([]);
});

test('the sandbox names each missing header when a request leaves them out', async () => {
  const authenticator = createMeshAuthenticator(ADAPTER);
  const response = await fetch(`${sandbox.url}/messageexchange/${ADAPTER.mailbox}/outbox`, {
    method: 'POST',
    headers: { authorization: authenticator.header(), accept: MESH_V2_ACCEPT },
    body: 'x',
  });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { detail: { loc: string[] }[] };
  expect(body.detail.map((d) => d.loc.join('.'))).toEqual(['header.mex-to', 'header.mex-workflowid']);
});

test('tracking finds a message by local id, and says so when the local id is not unique', async () => {
  const sender = clients.for(ADAPTER);
  const first = await sender.send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body: DOCUMENT, localId: 'ref-a' });
  expect(await sender.trackByLocalId('ref-a')).toMatchObject({ message_id: first.messageId, status: 'accepted' });

  await sender.send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body: DOCUMENT, localId: 'ref-a' });
  expect(await rejection(sender.trackByLocalId('ref-a'))).toMatchObject({ status: 300, verdict: 'reject' });
  expect(await rejection(sender.trackByLocalId('never-used'))).toMatchObject({ status: 404, verdict: 'reject' });
});

test('tracking shows only the sender its own messages', async () => {
  const sent = await clients.for(ADAPTER).send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body: DOCUMENT });
  expect(await rejection(clients.for(OTHER_PRACTICE).track(sent.messageId))).toMatchObject({ status: 404 });
});

test('the inbox pages through more messages than one page holds', async () => {
  const sender = clients.for(ADAPTER);
  const sent: string[] = [];
  for (let i = 0; i < 12; i += 1) {
    sent.push(
      (await sender.send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body: Buffer.from(`m${i}`) })).messageId,
    );
  }
  const authenticator = createMeshAuthenticator(OTHER_PRACTICE);
  const firstPage = await fetch(`${sandbox.url}/messageexchange/${OTHER_PRACTICE.mailbox}/inbox?max_results=10`, {
    headers: { authorization: authenticator.header(), accept: MESH_V2_ACCEPT },
  });
  const page = (await firstPage.json()) as { messages: string[]; links: { next?: string }; approx_inbox_count: number };
  expect(page.messages).toEqual(sent.slice(0, 10));
  expect(page.approx_inbox_count).toBe(12);
  expect(page.links.next).toBeDefined();

  // The client follows links.next to the end.
  expect(await clients.for(OTHER_PRACTICE).inbox({ pageSize: 10 })).toEqual(sent);
  expect(await clients.for(OTHER_PRACTICE).inbox()).toEqual(sent);
});

test('a client that does not ask for the v2 media type is told so', async () => {
  const authenticator = createMeshAuthenticator(ADAPTER);
  const response = await fetch(`${sandbox.url}/messageexchange/${ADAPTER.mailbox}/inbox`, {
    headers: { authorization: authenticator.header(), accept: 'application/json' },
  });
  expect(response.status).toBe(406);
});

test('a request larger than the sandbox takes is refused for good; the same body in chunks goes through', async () => {
  await sandbox.close();
  sandbox = await startTestSandbox({ maxRequestBytes: 1000 });
  const body = randomBytes(2500);
  const whole = await rejection(clients.for(ADAPTER).send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body }));
  expect(whole).toMatchObject({ status: 413, verdict: 'reject' });

  const sent = await clients
    .for(ADAPTER, { chunkSizeBytes: 1000 })
    .send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body });
  expect(sent.chunkCount).toBe(3);
  expect((await clients.for(OTHER_PRACTICE).download(sent.messageId)).body.equals(body)).toBe(true);
});
