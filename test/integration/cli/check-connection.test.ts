/**
 * check-connection against real servers: the sandbox EHR over HTTP (as it is, and told to answer with a poor
 * CapabilityStatement), a closed port, a reserved `.invalid` host name, HTTPS servers started here with a
 * self-signed, an expired and a wrong-host certificate, a token endpoint that cannot be reached, and the sandbox
 * behind mutual TLS. Each misconfiguration must fail its own check and come with its fix.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@medplum/fhirtypes';
import type { CheckResult, EndpointReport } from '../../../src/cli/check-connection';
import type { CheckOptions } from '../../../src/cli/connection-checks/run-checks';
import { checkEndpoint } from '../../../src/cli/check-connection';
import { checkDryRun, dryRunResources } from '../../../src/cli/connection-checks/dry-run';
import { renderJson, renderText } from '../../../src/cli/connection-checks/render';
import { parseConfig } from '../../../src/config/load';
import { createEndpointRegistry } from '../../../src/delivery/endpoints';
import { EhrUnreachableError } from '../../../src/delivery/fhir-client';
import { isValidNhsNumber } from '../../../src/messages/nhs-number';
import type { RunningSandbox } from '../../../src/sandbox';
import {
  FHIR_BASE_PATH,
  SANDBOX_PATIENTS,
  ValidatingMemoryRepository,
  createSandboxApp,
  seedSandbox,
  startSandbox,
} from '../../../src/sandbox';
import type { PemPair, TestCertificates } from '../../support/tls-certs';
import { createTestCertificates } from '../../support/tls-certs';

const OPTIONS: CheckOptions = { dryRun: true, now: () => new Date('2026-11-03T10:00:00Z'), timeoutMs: 5000 };
const [KNOWN_PATIENT] = SANDBOX_PATIENTS;

let sandbox: RunningSandbox;
let certs: TestCertificates;
const servers: Server[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  certs = createTestCertificates();
});

afterAll(async () => {
  await Promise.all(servers.map(async (server) => new Promise((resolve) => server.close(resolve))));
  await sandbox.close();
  certs.remove();
});

/** The report for one endpoint configured as in the adapter's settings. */
async function check(endpoint: Record<string, unknown>, options = OPTIONS): Promise<EndpointReport> {
  const config = parseConfig({ endpoints: [{ id: 'ehr', practices: ['*'], ...endpoint }] });
  const registry = createEndpointRegistry(config.endpoints, { signingKeys: config.signingKeys });
  const [first] = registry.all;
  if (first === undefined) {
    throw new Error('one endpoint expected');
  }
  try {
    return await checkEndpoint(first, 0, options);
  } finally {
    await registry.close();
  }
}

function result(report: EndpointReport, name: string): CheckResult {
  const found = report.checks.find((entry) => entry.check === name);
  if (found === undefined) {
    throw new Error(`no "${name}" check in ${JSON.stringify(report.checks.map((entry) => entry.check))}`);
  }
  return found;
}

function failed(report: EndpointReport): string[] {
  return report.checks.filter((entry) => entry.status === 'fail').map((entry) => entry.check);
}

/** The sandbox EHR app over HTTPS with the given server certificate, optionally demanding client certificates. */
async function httpsSandbox(
  server: PemPair,
  options: { readonly requireClientCertFromCa?: boolean } = {},
): Promise<string> {
  const repository = new ValidatingMemoryRepository();
  await seedSandbox(repository);
  const https = createHttpsServer(
    {
      cert: server.cert,
      key: server.key,
      ...(options.requireClientCertFromCa === true
        ? { ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    createSandboxApp({ repository }),
  );
  servers.push(https);
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${String((https.address() as AddressInfo).port)}${FHIR_BASE_PATH}`;
}

/** A valid NHS number in the test range that no sandbox patient has. */
function unknownNhsNumber(): string {
  const known = new Set(SANDBOX_PATIENTS.map((patient) => patient.nhsNumber));
  for (let n = 9990099990; ; n -= 1) {
    const candidate = String(n);
    if (isValidNhsNumber(candidate) && !known.has(candidate)) {
      return candidate;
    }
  }
}

test('the sandbox EHR passes every check, including a test patient and the $validate dry run', async () => {
  const report = await check({ baseUrl: sandbox.baseUrl }, { ...OPTIONS, testPatient: KNOWN_PATIENT?.nhsNumber });
  expect(failed(report)).toEqual([]);
  expect(report.ok).toBe(true);
  expect(result(report, 'dns').detail).toContain('IP address');
  expect(result(report, 'tls').status).toBe('skip');
  expect(result(report, 'capability: FHIR version').detail).toContain('4.0.1');
  expect(result(report, 'capability: Provenance').detail).toContain('conditional update on its write-key tag');
  expect(result(report, 'test patient').detail).toMatch(/^\*{6}\d{4} is Patient\//);
  const dryRun = report.checks.filter((entry) => entry.check.startsWith('dry run: '));
  expect(dryRun.map((entry) => entry.check)).toEqual(
    expect.arrayContaining(['dry run: ServiceRequest', 'dry run: Provenance']),
  );
  expect(dryRun.every((entry) => entry.status === 'pass')).toBe(true);
  // Nothing was written by the dry run.
  expect(await sandbox.repository.searchResources({ resourceType: 'ServiceRequest' })).toEqual([]);
  const text = renderText([report]);
  expect(text).toMatch(/^OK +ehr http:\/\/127\.0\.0\.1/);
  expect(text).not.toContain(KNOWN_PATIENT?.nhsNumber ?? 'never');
  expect(JSON.parse(renderJson([report]))).toMatchObject({ ok: true, endpoints: [{ endpoint: 'ehr', ok: true }] });
});

test('an unknown test patient and an invalid NHS number fail with what to check', async () => {
  const unknown = await check({ baseUrl: sandbox.baseUrl }, { ...OPTIONS, testPatient: unknownNhsNumber() });
  expect(failed(unknown)).toEqual(['test patient']);
  expect(result(unknown, 'test patient').fix).toContain('never creates patients');
  const invalid = await check({ baseUrl: sandbox.baseUrl }, { ...OPTIONS, testPatient: '1234567890', dryRun: false });
  expect(result(invalid, 'test patient').detail).toContain('is not a valid NHS number');
});

test('a CapabilityStatement without R4, transactions, conditional update or identifier search fails each line with its fix', async () => {
  sandbox.answers.answerNext({
    to: 'any',
    status: 200,
    body: {
      resourceType: 'CapabilityStatement',
      status: 'active',
      kind: 'instance',
      fhirVersion: '3.0.2',
      rest: [
        {
          mode: 'server',
          interaction: [{ code: 'batch' }],
          resource: [
            { type: 'Patient', interaction: [{ code: 'read' }] },
            {
              type: 'ServiceRequest',
              interaction: [{ code: 'update' }, { code: 'search-type' }],
              searchParam: [{ name: 'identifier', type: 'token' }],
            },
            { type: 'Provenance', interaction: [{ code: 'update' }], updateCreate: false },
          ],
        },
      ],
    },
  });
  const report = await check({ baseUrl: sandbox.baseUrl }, { ...OPTIONS, dryRun: false });
  expect(report.ok).toBe(false);
  expect(failed(report)).toEqual(
    expect.arrayContaining([
      'capability: FHIR version',
      'capability: transaction',
      'capability: ServiceRequest',
      'capability: Goal',
      'capability: Provenance',
      'capability: search Patient by identifier',
    ]),
  );
  expect(failed(report)).not.toContain('capability: search ServiceRequest by identifier');
  expect(result(report, 'capability: FHIR version').fix).toContain('R4');
  expect(result(report, 'capability: transaction').fix).toContain('enable FHIR transactions');
  expect(result(report, 'capability: ServiceRequest').detail).toContain('conditional update');
  expect(result(report, 'capability: Goal').detail).toContain('not in the CapabilityStatement');
  expect(result(report, 'capability: Provenance').detail).toContain('conditional update');
});

test('a base URL that is not a FHIR base fails the CapabilityStatement with where to point it', async () => {
  sandbox.answers.answerNext({ to: 'any', status: 404, body: '<html>Not found</html>' });
  const report = await check({ baseUrl: sandbox.baseUrl });
  expect(failed(report)).toEqual(['capability']);
  expect(result(report, 'capability').fix).toContain('FHIR base itself');
  expect(result(report, 'dry run').status).toBe('skip');
});

test('the dry run reports the EHR refusing a resource, and an EHR without $validate', async () => {
  const registry = createEndpointRegistry(
    parseConfig({ endpoints: [{ id: 'ehr', baseUrl: sandbox.baseUrl, practices: ['*'] }] }).endpoints,
    {
      signingKeys: parseConfig({}).signingKeys,
    },
  );
  const client = registry.all[0]?.client;
  if (client === undefined) {
    throw new Error('one endpoint expected');
  }
  // A Goal without its required description and subject.
  const invalid: Resource = { resourceType: 'Goal', lifecycleStatus: 'active' } as Resource;
  const [refused] = await checkDryRun(client, [invalid]);
  expect(refused?.status).toBe('fail');
  expect(refused?.detail).toContain("the EHR's $validate refuses the Goal");
  sandbox.answers.answerNext({
    to: 'any',
    status: 404,
    body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] },
  });
  const [missing] = await checkDryRun(client, [invalid]);
  expect(missing?.detail).toContain('answered HTTP 404');
  expect(missing?.fix).toContain('does not offer $validate');
  await registry.close();
});

test('a closed port fails the TCP check and says nothing listens there', async () => {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const report = await check({ baseUrl: `http://127.0.0.1:${String(port)}/fhir` });
  expect(failed(report)).toEqual(['tcp']);
  expect(result(report, 'tcp').detail).toContain('ECONNREFUSED');
  expect(result(report, 'tcp').fix).toContain('Nothing listens on 127.0.0.1');
  expect(result(report, 'capability').status).toBe('skip');
});

test('a host name that does not resolve fails the DNS check', async () => {
  const report = await check({ baseUrl: 'https://ehr.example.invalid/fhir' });
  expect(failed(report)).toEqual(['dns']);
  expect(result(report, 'dns').detail).toContain('ehr.example.invalid');
  expect(result(report, 'dns').fix).toMatch(/endpoints\[0\]\.baseUrl|DNS settings/);
  expect(report.checks.slice(1).every((entry) => entry.status === 'skip')).toBe(true);
});

test('a self-signed, an expired and a wrong-host server certificate each fail TLS with their own fix', async () => {
  const selfSigned = await check({ baseUrl: await httpsSandbox(certs.selfSigned) });
  expect(failed(selfSigned)).toEqual(['tls']);
  expect(result(selfSigned, 'tls').detail).toContain('not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)');
  expect(result(selfSigned, 'tls').fix).toContain('tls.caFile');

  const tls = { certFile: certs.client.certFile, keyFile: certs.client.keyFile, caFile: certs.ca.certFile };
  const expired = await check({ baseUrl: await httpsSandbox(certs.expired), tls });
  expect(failed(expired)).toEqual(['tls']);
  expect(result(expired, 'tls').detail).toContain('is expired');
  expect(result(expired, 'tls').fix).toContain('renew');

  const otherHost = await check({ baseUrl: await httpsSandbox(certs.otherHost), tls });
  expect(failed(otherHost)).toEqual(['tls']);
  expect(result(otherHost, 'tls').detail).toContain('is not for 127.0.0.1');
  expect(result(otherHost, 'tls').detail).toContain('ehr.example.org');
});

test('a token endpoint that cannot be reached fails the token check and names tokenUrl', async () => {
  const report = await check({
    baseUrl: sandbox.baseUrl,
    auth: {
      type: 'client-credentials',
      tokenUrl: 'http://127.0.0.1:9/auth/token',
      clientId: 'adapter',
      clientSecret: 'a-secret-that-must-not-show',
    },
  });
  expect(failed(report)).toEqual(['token']);
  expect(result(report, 'token').fix).toContain('endpoints[0].auth.tokenUrl');
  expect(JSON.stringify(report)).not.toContain('a-secret-that-must-not-show');
});

describe('mutual TLS', () => {
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await httpsSandbox(certs.server, { requireClientCertFromCa: true });
  });

  test('with the client certificate the EHR accepts, every check passes and deliveries go through', async () => {
    const tls = { certFile: certs.client.certFile, keyFile: certs.client.keyFile, caFile: certs.ca.certFile };
    const report = await check({ baseUrl, tls }, { ...OPTIONS, testPatient: KNOWN_PATIENT?.nhsNumber });
    expect(failed(report)).toEqual([]);
    expect(result(report, 'tls').detail).toContain('client certificate "sp-fhir-adapter test client"');
    expect(result(report, 'dry run: ServiceRequest').status).toBe('pass');
    // The delivery client sends a real transaction over the same mutual TLS connection pool.
    const config = parseConfig({ endpoints: [{ id: 'ehr', practices: ['*'], baseUrl, tls }] });
    const registry = createEndpointRegistry(config.endpoints, { signingKeys: config.signingKeys });
    const resources = dryRunResources(undefined, 'Patient/sandbox-patient-1', OPTIONS.now());
    const answer = await registry.all[0]?.client?.transaction({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((resource) => ({
        resource,
        request: { method: 'POST' as const, url: resource.resourceType },
      })),
    });
    expect(answer?.status).toBe(200);
    await registry.close();
  });

  test('with a certificate its CA did not issue, check-connection says the client certificate was refused', async () => {
    const tls = {
      certFile: certs.strangerClient.certFile,
      keyFile: certs.strangerClient.keyFile,
      caFile: certs.ca.certFile,
    };
    const report = await check({ baseUrl, tls });
    expect(failed(report)).toEqual(['tls']);
    expect(result(report, 'tls').detail).toContain('the EHR refused the client certificate "stranger"');
    expect(result(report, 'tls').fix).toContain('endpoints[0].tls.certFile');
    // The delivery client is refused in the same way.
    const config = parseConfig({ endpoints: [{ id: 'ehr', practices: ['*'], baseUrl, tls }] });
    const registry = createEndpointRegistry(config.endpoints, { signingKeys: config.signingKeys });
    await expect(registry.all[0]?.client?.metadata()).rejects.toBeInstanceOf(EhrUnreachableError);
    await registry.close();
  });
});
