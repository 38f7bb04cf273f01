/**
 * `interop` over HTTP: against the embedded sandbox secured by OAuth 2.0 (client credentials from the command's
 * own options) every step passes, every written resource is read back and `--cleanup` removes them; against a
 * server whose CapabilityStatement lacks the transaction interaction, and against the sandbox told to refuse the
 * transactions, the report fails at the step concerned and says why. The shipped journeys are the test journeys.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { loadJourneys, shippedJourneysDir } from '../../../src/cli/interop/journeys';
import type { InteropReport } from '../../../src/cli/interop/run';
import { INTEROP_TAG, reportLines, runInterop } from '../../../src/cli/interop/run';
import { serverConnection } from '../../../src/cli/server-options';
import { createConformanceChecker } from '../../../src/conformance';
import type { ConformanceChecker } from '../../../src/conformance';
import { ConfigError } from '../../../src/config/load';
import type { RunningSandbox } from '../../../src/sandbox';
import { TOKEN_PATH, startSandbox } from '../../../src/sandbox';

const CLIENT = 'interop-client';
const SECRET = 'interop-secret-0123456789';
const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'journeys');

let sandbox: RunningSandbox;
let conformance: ConformanceChecker;

beforeAll(async () => {
  conformance = createConformanceChecker();
  // Without its own patients: the check has to write the synthetic patient itself.
  sandbox = await startSandbox({ port: 0, seed: false, oauth: { clients: { [CLIENT]: SECRET } } });
}, 60_000);

afterAll(async () => {
  await sandbox.close();
});

function securedConnection(baseUrl = sandbox.baseUrl): ReturnType<typeof serverConnection> {
  return serverConnection({
    baseUrl,
    tokenUrl: `http://127.0.0.1:${String(sandbox.port)}${TOKEN_PATH}`,
    clientId: CLIENT,
    clientSecret: SECRET,
    timeoutMs: '5000',
  });
}

async function interop(baseUrl: string, cleanup: boolean): Promise<InteropReport> {
  const { client } = securedConnection(baseUrl);
  return runInterop(
    { journeys: loadJourneys(shippedJourneysDir(), new Date()), cleanup },
    { client, conformance, now: () => new Date() },
  );
}

function step(report: InteropReport, name: string): InteropReport['steps'][number] | undefined {
  return report.steps.find((s) => s.name === name);
}

test('the shipped journeys are the ones the journey tests send', () => {
  const names = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((journey) =>
        readdirSync(path.join(dir, journey))
          .filter((f) => !f.endsWith('.fhir.json'))
          .sort()
          .map((f) => `${journey}/${f}`),
      );
  expect(names(shippedJourneysDir())).toEqual(names(FIXTURES));
  for (const name of names(FIXTURES)) {
    expect(readFileSync(path.join(shippedJourneysDir(), name), 'utf8')).toBe(
      readFileSync(path.join(FIXTURES, name), 'utf8'),
    );
  }
});

test('against the secured sandbox every step passes, and --cleanup deletes what was written', async () => {
  const report = await interop(sandbox.baseUrl, true);
  expect({ ok: report.ok, lines: reportLines(report) }).toEqual({ ok: true, lines: expect.any(Array) as unknown });
  expect(report.steps.map((s) => [s.name, s.ok])).toEqual([
    ['capabilities', true],
    ['synthetic patients', true],
    ['send journeys', true],
    ['read back', true],
    ['replay', true],
    ['cleanup', true],
  ]);
  const sent = step(report, 'send journeys')?.lines ?? [];
  expect(sent).toHaveLength(23);
  expect(sent.every((line) => line.includes(': written ('))).toBe(true);
  expect(step(report, 'synthetic patients')?.lines[0]).toContain('created');
  expect(step(report, 'read back')?.lines.at(-1)).toMatch(/^\d+ resources read back; [1-9]\d* references checked$/);
  expect(step(report, 'replay')?.lines.at(-1)).toMatch(/^[1-9]\d* identifiers each name exactly one resource$/);
  expect(step(report, 'cleanup')?.lines.at(-1)).toMatch(/^(\d+) of \1 resources deleted$/);

  // Nothing it wrote is left: the patient it created is gone too.
  const { client } = securedConnection();
  const patients = await client.search('Patient', { _tag: `${INTEROP_TAG.system}|${INTEROP_TAG.code}` });
  expect(patients.status).toBe(200);
  expect((patients.body as { entry?: unknown[] }).entry ?? []).toHaveLength(0);
  const requests = await client.search('ServiceRequest', {});
  expect((requests.body as { entry?: unknown[] }).entry ?? []).toHaveLength(0);
}, 120_000);

test('without credentials the secured sandbox refuses the first write, and the report says so there', async () => {
  const { client } = serverConnection({ baseUrl: sandbox.baseUrl, timeoutMs: '5000' });
  const report = await runInterop(
    { journeys: loadJourneys(shippedJourneysDir(), new Date()), cleanup: false },
    { client, conformance, now: () => new Date() },
  );
  expect(report.ok).toBe(false);
  // The CapabilityStatement is public, as SMART servers publish it; writing the patient is not.
  expect(report.steps.map((s) => [s.name, s.ok])).toEqual([
    ['capabilities', true],
    ['synthetic patients', false],
  ]);
  expect(step(report, 'synthetic patients')?.lines).toEqual([
    'FAIL writing patient sandbox-patient-1 failed: HTTP 401',
  ]);
});

test('a server whose CapabilityStatement lacks transaction fails at capabilities, naming what is missing', async () => {
  const capability: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        interaction: [{ code: 'batch' }],
        resource: [{ type: 'Patient', interaction: [{ code: 'read' }, { code: 'search-type' }] }],
      },
    ],
  };
  const server: Server = createServer((req, res) => {
    res.writeHead(req.url === '/fhir/metadata' ? 200 : 404, { 'content-type': 'application/fhir+json' });
    res.end(req.url === '/fhir/metadata' ? JSON.stringify(capability) : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const { client } = serverConnection({ baseUrl: `http://127.0.0.1:${String(port)}/fhir`, timeoutMs: '5000' });
    const report = await runInterop(
      { journeys: loadJourneys(shippedJourneysDir(), new Date()), cleanup: true },
      { client, conformance, now: () => new Date() },
    );
    expect(report.ok).toBe(false);
    const capabilities = step(report, 'capabilities');
    expect(capabilities?.ok).toBe(false);
    expect(capabilities?.lines).toEqual(
      expect.arrayContaining([
        expect.stringContaining('does not list the transaction interaction'),
        'FAIL Patient: search-type and update are needed, the server lists read, search-type',
        'FAIL ServiceRequest: not listed in the CapabilityStatement',
      ]),
    );
    // Nothing was sent, so there is nothing to clean up either.
    expect(report.steps.map((s) => s.name)).toEqual(['capabilities']);
  } finally {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
});

test('a server that refuses a transaction fails the send step with its answer', async () => {
  sandbox.answers.answerNext({
    status: 422,
    body: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-supported', diagnostics: 'transactions are disabled' }],
    },
  });
  try {
    const report = await interop(sandbox.baseUrl, true);
    expect(report.ok).toBe(false);
    const send = step(report, 'send journeys');
    expect(send?.ok).toBe(false);
    expect(send?.lines[0]).toMatch(
      /^FAIL a-quick-connection\/01-referral\.json: transaction: HTTP 422 .*transactions are disabled/,
    );
    // The referral never arrived, so what refers to it cannot be written either.
    expect(send?.lines[1]).toBe(
      'FAIL a-quick-connection/02-contact.json: referral JA-REF is not in the EHR yet (a delivery would be retried later)',
    );
    expect(step(report, 'read back')).toBeUndefined();
    expect(step(report, 'cleanup')?.ok).toBe(true);
  } finally {
    expect(sandbox.answers.pending()).toBe(0);
  }
}, 60_000);

test('auth options are checked like endpoint settings and named by their option', () => {
  expect(() =>
    serverConnection({ baseUrl: sandbox.baseUrl, tokenUrl: 'http://127.0.0.1/token', timeoutMs: '5000' }),
  ).toThrow(ConfigError);
  try {
    serverConnection({ baseUrl: sandbox.baseUrl, tokenUrl: 'http://127.0.0.1/token', timeoutMs: '5000' });
  } catch (error) {
    expect((error as ConfigError).problems).toEqual(['--client-id: is required']);
  }
  expect(() =>
    serverConnection({
      baseUrl: sandbox.baseUrl,
      tokenUrl: 'http://127.0.0.1/token',
      clientId: 'x',
      privateKeyFile: '/nonexistent/key.pem',
      keyId: 'k',
      timeoutMs: '5000',
    }),
  ).toThrow(/--private-key-file: cannot read \/nonexistent\/key\.pem \(ENOENT\)/);
});
