/**
 * Failures the client meets on the way to MESH and how it classifies them: injected 503s (through the TS API and
 * the HTTP controls) are transient and carry Retry-After, and the request after them goes through; a sandbox that
 * is not there at all is transient too; a slow answer past the timeout likewise.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MeshTransport } from '../../../src/delivery/mesh';
import { MeshClient, MeshError, createMeshAuthenticator, createMeshTransport } from '../../../src/delivery/mesh';
import type { RunningMeshSandbox } from '../../../src/sandbox/mesh';
import { ADAPTER, Clients, OTHER_PRACTICE, rejection, startTestSandbox } from './mesh-fixtures';

let sandbox: RunningMeshSandbox;
const clients = new Clients(() => sandbox);

beforeEach(async () => {
  sandbox = await startTestSandbox();
});

afterEach(async () => {
  clients.closeAll();
  await sandbox.close();
});

test('injected 503s are transient, say when to retry, and the next request succeeds', async () => {
  const client = clients.for(ADAPTER);
  sandbox.failNextRequests(2);
  const message = { to: OTHER_PRACTICE.mailbox, workflowId: 'GPFED_CONSULT_REPORT', body: Buffer.from('x') };

  for (let attempt = 0; attempt < 2; attempt += 1) {
    const error = await rejection(client.send(message));
    expect(error).toBeInstanceOf(MeshError);
    expect(error).toMatchObject({ status: 503, verdict: 'retry', retryAfterMs: 1000 });
  }
  expect(sandbox.received(OTHER_PRACTICE.mailbox)).toEqual([]);
  await client.send(message);
  expect(sandbox.received(OTHER_PRACTICE.mailbox)).toHaveLength(1);
});

test('a failure injected in the middle of a chunked send fails that send transiently', async () => {
  // The real transport, with the failure switched on just before the second request (chunk 2) leaves.
  const real = createMeshTransport({ timeoutMs: 5000 });
  let requests = 0;
  const failingAtChunkTwo: MeshTransport = {
    send: (request) => {
      requests += 1;
      if (requests === 2) {
        sandbox.failNextRequests(1, 502);
      }
      return real.send(request);
    },
    close: () => {
      real.close();
    },
  };
  try {
    const client = new MeshClient({
      baseUrl: sandbox.url,
      mailbox: ADAPTER.mailbox,
      authenticator: createMeshAuthenticator(ADAPTER),
      transport: failingAtChunkTwo,
      chunkSizeBytes: 4,
    });
    const error = await rejection(
      client.send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body: Buffer.from('0123456789') }),
    );
    expect(error).toMatchObject({ status: 502, verdict: 'retry' });
    expect(requests).toBe(2);
    expect(sandbox.received(OTHER_PRACTICE.mailbox)).toEqual([]);
  } finally {
    failingAtChunkTwo.close();
  }
});

test('failures injected through the HTTP controls, with a chosen status', async () => {
  const injected = await fetch(`${sandbox.url}/_sandbox/failures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: 1, status: 429 }),
  });
  expect(injected.status).toBe(204);
  const client = clients.for(ADAPTER);
  expect(await rejection(client.inbox())).toMatchObject({ status: 429, verdict: 'retry' });
  await expect(client.inbox()).resolves.toEqual([]);

  const bad = await fetch(`${sandbox.url}/_sandbox/failures`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: -1, status: 200 }),
  });
  expect(bad.status).toBe(400);
  const { problems } = (await bad.json()) as { problems: { path: string }[] };
  expect(problems.map((p) => p.path).sort()).toEqual(['count', 'status']);
});

test('a MESH server that is not listening is transient, with no status', async () => {
  const url = sandbox.url;
  await sandbox.close();
  const transport = createMeshTransport({ timeoutMs: 2000 });
  try {
    const client = new MeshClient({
      baseUrl: url,
      mailbox: ADAPTER.mailbox,
      authenticator: createMeshAuthenticator(ADAPTER),
      transport,
    });
    const error = await rejection(client.handshake());
    expect(error).toBeInstanceOf(MeshError);
    expect(error).toMatchObject({ verdict: 'retry', status: undefined });
  } finally {
    transport.close();
  }
});

test('a MESH server that does not answer in time is transient', async () => {
  const silent = createServer(() => {
    // Never answers.
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const transport = createMeshTransport({ timeoutMs: 200 });
  try {
    const client = new MeshClient({
      baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      mailbox: ADAPTER.mailbox,
      authenticator: createMeshAuthenticator(ADAPTER),
      transport,
    });
    const error = await rejection(client.inbox());
    expect(error).toMatchObject({ verdict: 'retry', status: undefined });
    expect((error as Error).message).toContain('no answer before the request timeout');
  } finally {
    transport.close();
    silent.closeAllConnections();
    await new Promise<void>((resolve) => {
      silent.close(() => {
        resolve();
      });
    });
  }
});
