import type { ServiceRequest } from '@medplum/fhirtypes';
import type { RunningSandbox } from '../../src/sandbox';
import { startSandbox } from '../../src/sandbox';
import { fhir } from './fhir-http';

const running: RunningSandbox[] = [];

afterAll(async () => {
  for (const sandbox of running) {
    await sandbox.close();
  }
});

test('stopping and restarting on the same port with the same repository keeps the data', async () => {
  const first = await startSandbox({ port: 0 });
  running.push(first);
  const created = await fhir<ServiceRequest>(first.baseUrl, 'POST', 'ServiceRequest', {
    resourceType: 'ServiceRequest',
    identifier: [{ system: 'https://example.org/test/referral-id', value: 'outage-1' }],
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/sandbox-patient-2' },
  });
  expect(created.status).toBe(201);

  // The request above left a keep-alive connection open; close() must still free the port at once.
  await first.close();
  await expect(fetch(`${first.baseUrl}/metadata`)).rejects.toThrow();

  const second = await startSandbox({ port: first.port, repository: first.repository });
  running.push(second);
  expect(second.port).toBe(first.port);
  expect(second.baseUrl).toBe(first.baseUrl);

  const read = await fhir<ServiceRequest>(second.baseUrl, 'GET', `ServiceRequest/${created.body.id!}`);
  expect(read.status).toBe(200);
  expect(read.body.identifier?.[0]?.value).toBe('outage-1');
});

test('close can be called twice', async () => {
  const sandbox = await startSandbox({ port: 0, seed: false });
  await sandbox.close();
  await expect(sandbox.close()).resolves.toBeUndefined();
});
