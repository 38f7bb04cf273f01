/**
 * Builds the Send Document route's MESH clients from the configuration (the embedded sandbox's address and
 * credentials for "sandbox", else the live mailbox's secrets and client certificate) and starts the route's
 * queues, workers and acknowledgement rounds.
 */
import type { LoadedConfig } from '../config/load';
import { MeshClient, createMeshAuthenticator, createMeshTransport, loadMeshTls } from '../delivery/mesh';
import type { MeshTransport } from '../delivery/mesh';
import type { MeshRoute, SendDocumentDeps } from '../delivery/send-document';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { DocumentRoute } from '../queue/document-route';
import { startDocumentRoute } from '../queue/document-route';
import type { RedisConnection } from '../store/connection';
import { meshSandboxCredentials } from './mesh-sandbox';
import type { Services } from './services';

export interface MeshRoutes {
  readonly routes: readonly MeshRoute[];
  close(): void;
}

/** One route per endpoint that uses mesh-send-document; `sandboxUrl` is where the embedded MESH sandbox listens. */
export async function buildMeshRoutes(config: LoadedConfig, sandboxUrl: string | undefined): Promise<MeshRoutes> {
  const transports: MeshTransport[] = [];
  const routes: MeshRoute[] = [];
  for (const [index, endpoint] of config.endpoints.entries()) {
    const { mesh } = endpoint;
    if (mesh === undefined || !endpoint.routes.includes('mesh-send-document')) {
      continue;
    }
    let baseUrl: string;
    let credentials;
    if (mesh.baseUrl === 'sandbox') {
      // A worker-only process reaches the MESH sandbox another process runs, at its configured address.
      baseUrl = sandboxUrl ?? `http://${config.sandbox.host}:${String(config.sandbox.meshPort)}`;
      credentials = meshSandboxCredentials(mesh.mailbox);
    } else {
      const secrets = config.meshSecrets.get(endpoint.id);
      if (secrets === undefined) {
        throw new Error(`endpoints[${String(index)}].mesh: the mailbox password and shared secret were not loaded`);
      }
      baseUrl = mesh.baseUrl;
      credentials = { mailbox: mesh.mailbox, password: secrets.password, sharedKey: secrets.sharedSecret };
    }
    const tls = mesh.tls === undefined ? undefined : await loadMeshTls(mesh.tls);
    const transport = createMeshTransport({ timeoutMs: mesh.requestTimeoutMs, ...(tls !== undefined ? { tls } : {}) });
    transports.push(transport);
    routes.push({
      endpointId: endpoint.id,
      baseUrl,
      settings: mesh,
      retry: endpoint.retry,
      client: new MeshClient({
        baseUrl,
        mailbox: mesh.mailbox,
        authenticator: createMeshAuthenticator(credentials),
        transport,
      }),
    });
  }
  return {
    routes,
    close: () => {
      for (const transport of transports) {
        transport.close();
      }
    },
  };
}

export function sendDocumentDeps(
  services: Services,
  routes: readonly MeshRoute[],
  staleClaimMs: number,
): SendDocumentDeps {
  const byEndpoint = new Map(routes.map((route) => [route.endpointId, route]));
  return {
    documents: services.documents,
    messages: services.store,
    ledger: services.ledger,
    patientKey: services.patientKey,
    meshRoute: (endpointId) => byEndpoint.get(endpointId),
    staleClaimMs,
    now: services.now,
  };
}

export function startMeshRoute(options: {
  readonly config: LoadedConfig;
  readonly services: Services;
  readonly routes: readonly MeshRoute[];
  readonly connection: RedisConnection;
  readonly logger: Logger;
  readonly metrics: Metrics;
}): DocumentRoute {
  const { config } = options;
  return startDocumentRoute({
    connection: options.connection,
    redisPrefix: config.redis.prefix,
    routes: options.routes,
    // A send holding its claim longer than a job lock has lost its worker.
    deps: sendDocumentDeps(options.services, options.routes, config.worker.lockDurationMs),
    logger: options.logger,
    metrics: options.metrics,
    lockDurationMs: config.worker.lockDurationMs,
    stalledIntervalMs: config.worker.stalledIntervalMs,
  });
}
