/**
 * Mutual TLS between the real client and the sandbox in HTTPS mode, with the test-only certificates in ./tls:
 * the client's certificate, key and CA, loaded from files, open the connection. Without a certificate, or with
 * one from an unknown CA, the server refuses the connection; when the client does not trust the server's
 * certificate, or its own key is unusable, the client reports a permanent failure (retrying cannot fix that).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MeshTlsFiles } from '../../../src/delivery/mesh';
import {
  MeshClient,
  MeshError,
  createMeshAuthenticator,
  createMeshTransport,
  loadMeshTls,
} from '../../../src/delivery/mesh';
import type { MeshTransportOptions } from '../../../src/delivery/mesh';
import type { RunningMeshSandbox } from '../../../src/sandbox/mesh';
import { ADAPTER, OTHER_PRACTICE, rejection, startTestSandbox } from './mesh-fixtures';

const TLS_DIR = path.join(__dirname, 'tls');
const file = (name: string) => path.join(TLS_DIR, name);
const CLIENT_FILES: MeshTlsFiles = {
  certFile: file('client.pem'),
  keyFile: file('client-key.pem'),
  caFile: file('ca.pem'),
};

let sandbox: RunningMeshSandbox;
const transports: { close(): void }[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox({
    tls: {
      cert: await readFile(file('server.pem')),
      key: await readFile(file('server-key.pem')),
      clientCa: await readFile(file('ca.pem')),
    },
  });
});

afterEach(() => {
  for (const transport of transports.splice(0)) {
    transport.close();
  }
});

afterAll(async () => {
  await sandbox.close();
});

function clientWith(tls: MeshTransportOptions['tls']): MeshClient {
  const transport = createMeshTransport({ timeoutMs: 5000, ...(tls !== undefined ? { tls } : {}) });
  transports.push(transport);
  return new MeshClient({
    baseUrl: sandbox.url,
    mailbox: ADAPTER.mailbox,
    authenticator: createMeshAuthenticator(ADAPTER),
    transport,
  });
}

test('the sandbox serves https', () => {
  expect(sandbox.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

test('a client with its certificate, key and the CA, loaded from files, gets through', async () => {
  const client = clientWith(await loadMeshTls(CLIENT_FILES));
  await client.handshake();
  const sent = await client.send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body: Buffer.from('over TLS') });
  expect(sandbox.received(OTHER_PRACTICE.mailbox).map((m) => m.messageId)).toEqual([sent.messageId]);
});

test('a client without a certificate is turned away with a TLS alert, a permanent failure', async () => {
  const client = clientWith({ ca: await readFile(file('ca.pem')) });
  const error = await rejection(client.handshake());
  expect(error).toBeInstanceOf(MeshError);
  expect(error).toMatchObject({ verdict: 'reject', status: undefined });
  expect((error as Error).message).toContain('certificate required');
});

test('a client certificate from a CA the server does not trust is turned away', async () => {
  const client = clientWith(
    await loadMeshTls({ certFile: file('stranger.pem'), keyFile: file('stranger-key.pem'), caFile: file('ca.pem') }),
  );
  const error = await rejection(
    client.send({ to: OTHER_PRACTICE.mailbox, workflowId: 'W1', body: Buffer.from('should not arrive') }),
  );
  expect(error).toBeInstanceOf(MeshError);
  expect(error).toMatchObject({ status: undefined });
  // Under TLS 1.3 this refusal usually reaches the client as a reset connection, which cannot be told from a
  // network fault (transient); when the server's alert is read first it is a permanent TLS failure.
  expect(['retry', 'reject']).toContain((error as MeshError).verdict);
  const arrived = sandbox.received(OTHER_PRACTICE.mailbox).map((m) => m.body.toString());
  expect(arrived).not.toContain('should not arrive');
});

test('a client that does not trust the server certificate refuses to talk, permanently', async () => {
  const client = clientWith(await loadMeshTls({ certFile: file('client.pem'), keyFile: file('client-key.pem') }));
  const error = await rejection(client.handshake());
  expect(error).toMatchObject({ verdict: 'reject', status: undefined });
  expect((error as Error).message).toContain('MESH handshake failed TLS: self-signed certificate in certificate chain');
});

test('a key that is not a key is a permanent failure, found before anything is sent', async () => {
  const client = clientWith({ cert: await readFile(file('client.pem')), key: Buffer.from('not a key') });
  const error = await rejection(client.handshake());
  expect(error).toMatchObject({ verdict: 'reject', status: undefined });
});

test('loadMeshTls reads the files it is given and fails on a missing one', async () => {
  const material = await loadMeshTls({ ...CLIENT_FILES, keyPassphrase: 'unused' });
  expect(material.cert?.toString()).toContain('BEGIN CERTIFICATE');
  expect(material.key?.toString()).toContain('BEGIN PRIVATE KEY');
  expect(material.ca?.toString()).toContain('BEGIN CERTIFICATE');
  expect(material.passphrase).toBe('unused');
  await expect(loadMeshTls({ certFile: file('missing.pem'), keyFile: file('client-key.pem') })).rejects.toThrow(
    'ENOENT',
  );
});
