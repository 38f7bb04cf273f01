/**
 * NHSMESH authentication between the real client and the real sandbox over HTTP: a good header passes; a wrong
 * shared key or password, a replayed nonce, a stale timestamp or another mailbox's header is refused with 403,
 * which the client reports as permanent.
 */
import type { MeshAuthenticator } from '../../../src/delivery/mesh';
import {
  MESH_V2_ACCEPT,
  MeshClient,
  MeshError,
  createMeshAuthenticator,
  createMeshTransport,
  meshAuthorization,
} from '../../../src/delivery/mesh';
import type { RunningMeshSandbox } from '../../../src/sandbox/mesh';
import { ADAPTER, Clients, PRACTICE, rejection, startTestSandbox } from './mesh-fixtures';

let sandbox: RunningMeshSandbox;
const clients = new Clients(() => sandbox);

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterEach(() => {
  clients.closeAll();
});

afterAll(async () => {
  await sandbox.close();
});

async function expectForbidden(promise: Promise<unknown>): Promise<MeshError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(MeshError);
  const meshError = error as MeshError;
  expect(meshError.status).toBe(403);
  expect(meshError.verdict).toBe('reject');
  return meshError;
}

test('a correct header passes the handshake and the inbox', async () => {
  const client = clients.for(ADAPTER);
  await expect(client.handshake()).resolves.toBeUndefined();
  await expect(client.inbox()).resolves.toEqual([]);
});

test('a wrong shared key is refused', async () => {
  const error = await expectForbidden(clients.for({ ...ADAPTER, sharedKey: 'not-the-key' }).handshake());
  expect(error.message).toContain('bad-hmac');
});

test('a wrong password is refused', async () => {
  await expectForbidden(clients.for({ ...ADAPTER, password: 'guess' }).inbox());
});

test('a header used a second time is refused, though it was accepted the first time', async () => {
  const header = meshAuthorization({ ...ADAPTER, nonce: 'replayed-nonce', nonceCount: 1, at: new Date() });
  const replaying: MeshAuthenticator = { header: () => header };
  const transport = createMeshTransport({ timeoutMs: 5000 });
  try {
    const client = new MeshClient({
      baseUrl: sandbox.url,
      mailbox: ADAPTER.mailbox,
      authenticator: replaying,
      transport,
    });
    await expect(client.inbox()).resolves.toEqual([]);
    const error = await expectForbidden(client.inbox());
    expect(error.message).toContain('replayed-nonce');
  } finally {
    transport.close();
  }
});

test('the same nonce with the next count is a new header and passes', async () => {
  let count = 0;
  const counting: MeshAuthenticator = {
    header: () => meshAuthorization({ ...ADAPTER, nonce: 'shared-nonce', nonceCount: ++count, at: new Date() }),
  };
  const transport = createMeshTransport({ timeoutMs: 5000 });
  try {
    const client = new MeshClient({
      baseUrl: sandbox.url,
      mailbox: ADAPTER.mailbox,
      authenticator: counting,
      transport,
    });
    await client.inbox();
    await client.inbox();
    expect(count).toBe(2);
  } finally {
    transport.close();
  }
});

test('a timestamp more than two hours from the server clock is refused, either way', async () => {
  const threeHours = 3 * 60 * 60 * 1000;
  const behind = await expectForbidden(
    clients.for(ADAPTER, { auth: { now: () => new Date(Date.now() - threeHours) } }).handshake(),
  );
  expect(behind.message).toContain('stale-timestamp');
  await expectForbidden(clients.for(ADAPTER, { auth: { now: () => new Date(Date.now() + threeHours) } }).handshake());
  // Well inside the window still passes.
  await clients.for(ADAPTER, { auth: { now: () => new Date(Date.now() - 60 * 60 * 1000) } }).handshake();
});

test('a valid header for one mailbox does not open another mailbox', async () => {
  const authenticator = createMeshAuthenticator(ADAPTER);
  const response = await fetch(`${sandbox.url}/messageexchange/${PRACTICE.mailbox}/inbox`, {
    headers: { authorization: authenticator.header(), accept: MESH_V2_ACCEPT },
  });
  expect(response.status).toBe(403);
  expect(JSON.stringify(await response.json())).toContain('mailbox-mismatch');
});

test('a request without an NHSMESH header, or with a malformed one, is refused', async () => {
  for (const authorization of [
    undefined,
    'Bearer abc',
    'NHSMESH SPFHIR001:only:three',
    'NHSMESH spfhir001:n:1:202601010000:ab',
  ]) {
    const response = await fetch(`${sandbox.url}/messageexchange/${ADAPTER.mailbox}/inbox`, {
      headers: { accept: MESH_V2_ACCEPT, ...(authorization !== undefined ? { authorization } : {}) },
    });
    expect(response.status).toBe(403);
  }
});
