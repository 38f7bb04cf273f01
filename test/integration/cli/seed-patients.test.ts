/**
 * `seed-patients` against a secured FHIR server (the sandbox demanding OAuth 2.0 tokens): with client credentials
 * from the command's options every synthetic patient is created, and a second run only updates them; without
 * credentials the server's 401 stops it.
 */
import { seedPatients } from '../../../src/cli/seed-patients';
import { serverConnection } from '../../../src/cli/server-options';
import type { RunningSandbox } from '../../../src/sandbox';
import { SANDBOX_PATIENTS, TOKEN_PATH, startSandbox } from '../../../src/sandbox';

const CLIENT = 'seed-client';
const SECRET = 'seed-secret-0123456789';
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: false, oauth: { clients: { [CLIENT]: SECRET } } });
}, 60_000);

afterAll(async () => {
  await sandbox.close();
});

test('with client credentials every patient is written once, then updated', async () => {
  const { client } = serverConnection({
    baseUrl: sandbox.baseUrl,
    tokenUrl: `http://127.0.0.1:${String(sandbox.port)}${TOKEN_PATH}`,
    clientId: CLIENT,
    clientSecret: SECRET,
    clientAuth: 'client_secret_post',
    timeoutMs: '5000',
  });
  const first = await seedPatients(client);
  expect(first).toHaveLength(SANDBOX_PATIENTS.length);
  expect(first.every((line) => line.startsWith('created '))).toBe(true);
  const second = await seedPatients(client);
  expect(second.every((line) => line.startsWith('updated '))).toBe(true);
  expect(sandbox.oauth?.issued()).toBe(1);
});

test('without credentials the server refuses and the command says so', async () => {
  const { client } = serverConnection({ baseUrl: sandbox.baseUrl, timeoutMs: '5000' });
  await expect(seedPatients(client)).rejects.toThrow('writing patient sandbox-patient-1 failed: HTTP 401');
});

test('a bearer token is sent as given (one the server did not issue is refused)', async () => {
  const { client } = serverConnection({ baseUrl: sandbox.baseUrl, bearerToken: 'not-issued', timeoutMs: '5000' });
  await expect(seedPatients(client)).rejects.toThrow('HTTP 401');
});
