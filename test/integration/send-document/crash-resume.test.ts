/**
 * A send whose worker dies after MESH accepted the message but before the adapter recorded it is resumed without
 * a second message: the next try finds the first by its MESH local id and adopts it. Real Redis, the real MESH
 * sandbox over HTTP; the crash is a client whose send completes and then throws, as a killed process would stop.
 */
import type { MeshRoute } from '../../../src/delivery/send-document';
import { scanMilestones, sendEpisodeDocument } from '../../../src/delivery/send-document';
import type { MeshRoutes } from '../../../src/runtime/mesh-route';
import { buildMeshRoutes, sendDocumentDeps } from '../../../src/runtime/mesh-route';
import type { TestAdapter } from '../../support/adapter';
import { postJson, startTestAdapter } from '../../support/adapter';
import { journeyBody } from '../../support/fixtures';

const NAMED = { nhsNumber: '9990000018', name: { given: 'Ada', family: 'Example' }, birthDate: '1952-04-11' };

let adapter: TestAdapter;
let meshRoutes: MeshRoutes;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'send-document-crash',
    // No workers: the test drives the route's steps itself.
    roles: { api: true, worker: false, sandbox: true },
    config: {
      sandbox: { port: 0, meshPort: 0 },
      endpoints: [
        {
          id: 'sandbox',
          baseUrl: 'sandbox',
          practices: ['*'],
          routes: ['fhir', 'mesh-send-document'],
          mesh: { mailbox: 'SPFHIR001' },
        },
      ],
    },
  });
  meshRoutes = await buildMeshRoutes(adapter.services.config, adapter.meshSandbox?.url);
}, 30_000);

afterAll(async () => {
  meshRoutes.close();
  await adapter.close();
});

class WorkerKilled extends Error {}

it('adopts the message MESH already holds instead of sending it twice', async () => {
  // The route counts as started before the referral and its closure are accepted.
  const routeStartedAt = new Date();
  const [route] = meshRoutes.routes;
  if (route === undefined || adapter.meshSandbox === undefined) {
    throw new Error('the MESH route did not start');
  }
  for (const file of ['01-referral.json', '04-closure.json']) {
    const body = journeyBody(`a-quick-connection/${file}`) as { source: Record<string, unknown> };
    const answer = await postJson(`${adapter.apiUrl}/v1/referrals`, {
      ...body,
      source: { ...body.source, recordId: 'SD-CRASH' },
      patient: NAMED,
    });
    expect(answer.status).toBe(202);
  }
  const dying: MeshRoute = {
    ...route,
    client: {
      handshake: () => route.client.handshake(),
      send: async (message) => {
        await route.client.send(message);
        throw new WorkerKilled('the worker died after MESH accepted the message');
      },
      trackByLocalId: (id) => route.client.trackByLocalId(id),
      inbox: () => route.client.inbox(),
      download: (id) => route.client.download(id),
      acknowledge: (id) => route.client.acknowledge(id),
    },
  };
  const staleClaimMs = 50;
  const deps = sendDocumentDeps(adapter.services, [dying], staleClaimMs);
  const [requested] = await scanMilestones(deps, 'sandbox', route.settings, routeStartedAt);
  if (requested === undefined) {
    throw new Error('the closure asked for no document');
  }
  await expect(sendEpisodeDocument(deps, requested.id)).rejects.toThrow(WorkerKilled);
  expect((await adapter.services.documents.get(requested.id))?.status).toBe('sending');
  // A second worker while the claim is fresh leaves it alone.
  expect(await sendEpisodeDocument(sendDocumentDeps(adapter.services, [route], 60_000), requested.id)).toMatchObject({
    kind: 'skipped',
  });

  await new Promise((resolve) => setTimeout(resolve, staleClaimMs * 2));
  const resumed = await sendEpisodeDocument(sendDocumentDeps(adapter.services, [route], staleClaimMs), requested.id);
  expect(resumed).toMatchObject({ kind: 'sent', adopted: true });
  const reports = adapter.meshSandbox.received('A81001').filter((m) => m.workflowId === 'GPFED_CONSULT_REPORT');
  expect(reports).toHaveLength(1);
  expect(resumed.kind === 'sent' ? resumed.meshMessageId : '').toBe(reports[0]?.messageId);
  const document = await adapter.services.documents.get(requested.id);
  expect(document).toMatchObject({ status: 'awaiting-ack', attempts: 2, meshMessageId: reports[0]?.messageId });
});
