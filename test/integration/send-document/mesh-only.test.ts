/**
 * An endpoint whose only route is GP Connect Send Document over MESH, end to end against real Redis and the real
 * MESH sandbox over HTTP: it names no FHIR server, so no sandbox EHR is started and no FHIR request is made; its
 * messages are recorded as handed to the Send Document route, the closure's episode PDF reaches the practice's
 * mailbox and is acknowledged, the message status shows the document, and check-connection checks the MESH
 * mailbox instead of a FHIR server.
 */
import type { MeshRoutes } from '../../../src/runtime/mesh-route';
import { buildMeshRoutes } from '../../../src/runtime/mesh-route';
import type { EndpointReport } from '../../../src/cli/check-connection';
import { checkEndpoint } from '../../../src/cli/check-connection';
import type { TestAdapter } from '../../support/adapter';
import { FAST_RETRY, eventually, getJson, postJson, startTestAdapter } from '../../support/adapter';
import { journeyBody } from '../../support/fixtures';

const NAMED = { nhsNumber: '9990000018', name: { given: 'Ada', family: 'Example' }, birthDate: '1952-04-11' };

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'send-document-mesh-only',
    config: {
      sandbox: { port: 0, meshPort: 0 },
      endpoints: [
        {
          id: 'gp-mesh',
          practices: ['*'],
          retry: FAST_RETRY,
          routes: ['mesh-send-document'],
          mesh: { mailbox: 'SPFHIR001', pollIntervalMs: 250 },
        },
      ],
    },
  });
}, 30_000);

afterAll(async () => {
  await adapter.close();
});

async function post(body: unknown): Promise<string> {
  const answer = await postJson(`${adapter.apiUrl}/v1/referrals`, body);
  expect(answer.status).toBe(202);
  return String(answer.body.messageId);
}

it('starts no sandbox EHR: the endpoint has no FHIR server', () => {
  expect(adapter.sandbox).toBeUndefined();
  expect(adapter.meshSandbox).toBeDefined();
  expect(adapter.services.endpoints.get('gp-mesh')?.client).toBeUndefined();
});

it('sends the closure as an episode document and records the messages as handed to that route', async () => {
  const named = (file: string): unknown => {
    const body = journeyBody(`a-quick-connection/${file}`) as { source: Record<string, unknown> };
    return { ...body, source: { ...body.source, recordId: 'MESH-ONLY-1' }, patient: NAMED };
  };
  const referral = await post(named('01-referral.json'));
  const closure = await post(named('04-closure.json'));

  const status = await eventually(
    async () => {
      const { body } = await getJson(`${adapter.apiUrl}/v1/messages/${closure}`);
      const document = body.episodeDocument as { status?: string } | undefined;
      return document?.status === 'delivered' ? body : undefined;
    },
    20_000,
    'the episode document to be delivered',
  );
  expect(status).toMatchObject({
    status: 'delivered',
    resources: [],
    episodeDocument: {
      status: 'delivered',
      version: 1,
      sendNo: 1,
      milestone: 'closure',
      acknowledgements: { infrastructure: '20013', business: '30001' },
    },
  });
  expect((await getJson(`${adapter.apiUrl}/v1/messages/${referral}`)).body).toMatchObject({ status: 'delivered' });

  // The ledger says no FHIR request was made: the delivered entry names the route and no patient or HTTP status.
  const delivered = (await adapter.services.ledger.timeline(closure)).find((e) => e.event?.type === 'delivered');
  expect(delivered?.fields).toMatchObject({ route: 'mesh-send-document', resources: '' });
  expect(delivered?.fields.patient).toBeUndefined();
  expect(delivered?.fields.httpStatus).toBeUndefined();

  const reports = adapter.meshSandbox
    ?.received('A81001')
    .filter(
      (m) =>
        m.workflowId === 'GPFED_CONSULT_REPORT' &&
        m.localId?.startsWith(`${(status.episodeDocument as { documentId: string }).documentId}.`) === true,
    );
  expect(reports).toHaveLength(1);
}, 30_000);

it('sends no episode document for a closure that records consent to share with the GP withdrawn', async () => {
  const named = (file: string, recordId: string, changes: Record<string, unknown> = {}): unknown => {
    const body = journeyBody(`a-quick-connection/${file}`) as { source: Record<string, unknown> };
    return { ...body, source: { ...body.source, recordId }, patient: NAMED, ...changes };
  };
  const withdrawn = { recordedAt: '2026-10-20T08:00:00Z', gpPractice: 'withdrawn', others: [] };
  await post(named('01-referral.json', 'MESH-WITHDRAWN'));
  const closedWithout = await post(named('04-closure.json', 'MESH-WITHDRAWN', { consent: withdrawn }));
  // A closure received after it: once its document is delivered, the milestone scan has read past the first.
  await post(named('01-referral.json', 'MESH-AFTER'));
  const after = await post(named('04-closure.json', 'MESH-AFTER'));
  await eventually(
    async () => {
      const { body } = await getJson(`${adapter.apiUrl}/v1/messages/${after}`);
      return (body.episodeDocument as { status?: string } | undefined)?.status === 'delivered' ? body : undefined;
    },
    20_000,
    'the later episode document to be delivered',
  );
  const { body } = await getJson(`${adapter.apiUrl}/v1/messages/${closedWithout}`);
  expect(body.status).toBe('delivered');
  expect(body.episodeDocument).toBeUndefined();
  const sent = adapter.meshSandbox?.received('A81001').filter((m) => m.workflowId === 'GPFED_CONSULT_REPORT') ?? [];
  // The first test's document and the later closure's: none for the withdrawn episode.
  expect(sent).toHaveLength(2);
}, 30_000);

describe('check-connection', () => {
  let routes: MeshRoutes;
  beforeAll(async () => {
    routes = await buildMeshRoutes(adapter.services.config, adapter.meshSandbox?.url);
  });
  afterAll(() => {
    routes.close();
  });

  it('checks the MESH mailbox and no FHIR server', async () => {
    const endpoint = adapter.services.endpoints.get('gp-mesh');
    if (endpoint === undefined) {
      throw new Error('no endpoint gp-mesh');
    }
    const report = await checkEndpoint(endpoint, 0, { dryRun: true, now: () => new Date() }, routes.routes[0]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.check, c.status])).toEqual([
      ['mesh mailbox', 'pass'],
      ['mesh inbox', 'pass'],
      ['mesh test message', 'pass'],
    ]);
    expect(report.baseUrl).toBe(adapter.meshSandbox?.url);
    // The sandbox mailbox got a test message from itself, and it was taken out of the inbox again.
    expect(report.checks[2]?.detail).toMatch(
      /^sent \S+ to SPFHIR001 \(workflow SPFA_CONNECTION_TEST\); MESH tracking says "[^"]+"/,
    );
    const [route] = routes.routes;
    expect(await route?.client.inbox()).not.toContain(report.checks[2]?.detail.split(' ')[1]);
  });

  it('sends no test message when told not to, and says how to fix a recipient MESH does not know', async () => {
    const endpoint = adapter.services.endpoints.get('gp-mesh');
    if (endpoint === undefined) {
      throw new Error('no endpoint gp-mesh');
    }
    const run = async (meshTest: { send?: boolean; to?: string }): Promise<EndpointReport> =>
      checkEndpoint(endpoint, 0, { dryRun: true, now: () => new Date(), meshTest }, routes.routes[0]);
    const none = await run({ send: false });
    expect(none.checks[2]).toMatchObject({ check: 'mesh test message', status: 'skip' });
    expect(none.ok).toBe(true);

    const stranger = await run({ to: 'NOSUCH02' });
    expect(stranger.ok).toBe(false);
    expect(stranger.checks[2]).toMatchObject({ check: 'mesh test message', status: 'fail' });
    expect(stranger.checks[2]?.detail).toContain('417');
    expect(stranger.checks[2]?.fix).toContain('MESH has no mailbox NOSUCH02');

    // To a practice's mailbox the message is sent and tracked, and stays there: it is the practice's to take.
    const practice = await run({ to: 'A81001' });
    expect(practice.checks[2]).toMatchObject({ check: 'mesh test message', status: 'pass' });
    expect(adapter.meshSandbox?.received('A81001').some((m) => m.workflowId === 'SPFA_CONNECTION_TEST')).toBe(true);
  });

  it('says how to fix a mailbox the MESH server does not know', async () => {
    const endpoint = adapter.services.endpoints.get('gp-mesh');
    const [route] = routes.routes;
    if (endpoint === undefined || route === undefined) {
      throw new Error('no endpoint gp-mesh');
    }
    const stranger = await buildMeshRoutes(
      {
        ...adapter.services.config,
        endpoints: [{ ...endpoint.config, mesh: { ...route.settings, mailbox: 'NOSUCH01' } }],
      },
      adapter.meshSandbox?.url,
    );
    try {
      const report = await checkEndpoint(endpoint, 0, { dryRun: true, now: () => new Date() }, stranger.routes[0]);
      expect(report.ok).toBe(false);
      const [mailbox, inbox] = report.checks;
      expect(mailbox).toMatchObject({ check: 'mesh mailbox', status: 'fail' });
      expect(mailbox?.fix).toContain('does not know mailbox NOSUCH01');
      expect(inbox).toMatchObject({ check: 'mesh inbox', status: 'skip' });
      expect(report.checks[2]).toMatchObject({ check: 'mesh test message', status: 'skip' });
    } finally {
      stranger.close();
    }
  });
});
