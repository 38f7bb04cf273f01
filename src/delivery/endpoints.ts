/**
 * The registry of target EHR endpoints: which endpoint serves which GP practice, and one FHIR client per endpoint
 * that delivers by route "fhir" (and per audit repository), built once from validated settings and the private
 * keys configuration loading read. An endpoint whose only route is mesh-send-document has no FHIR client.
 */
import type { SigningKeys } from '../config/private-key';
import type { EndpointAuth, EndpointConfig } from '../config/schema';
import type { TlsFiles } from '../config/tls-schema';
import type { AccessTokenSource, ClientCredentials } from './access-token';
import { clientCredentialsTokenSource } from './access-token';
import type { RequestHook } from './fhir-client';
import { FhirClient } from './fhir-client';
import type { EndpointPacing } from './request-pacing';
import type { HttpTransport } from './http-dispatcher';
import { createHttpTransport } from './http-dispatcher';

export interface FhirConnection {
  readonly client: FhirClient;
  /** The OAuth 2.0 token source, when the server uses the client credentials grant. */
  readonly tokens?: AccessTokenSource;
  /** The pooled keep-alive connections (with the client certificate) both of them send through. */
  readonly transport?: HttpTransport;
}

export interface Endpoint extends Partial<FhirConnection> {
  readonly config: EndpointConfig;
  /** The EHR's FHIR base URL; absent, with the client, when the endpoint has no route "fhir". */
  readonly baseUrl?: string;
  /** Where this endpoint's AuditEvents go when they are sent to a separate audit repository. */
  readonly auditRepository?: { readonly baseUrl: string; readonly client: FhirClient };
  /** The endpoint's request budget and back-pressure, which its client and token source go through. */
  readonly pacing?: EndpointPacing;
}

export interface EndpointRegistry {
  readonly all: readonly Endpoint[];
  /** The endpoint for a GP practice, or undefined when no endpoint serves it. */
  forPractice(odsCode: string): Endpoint | undefined;
  get(id: string): Endpoint | undefined;
  /** Closes every endpoint's pooled connections. */
  close(): Promise<void>;
}

export interface RegistryOptions {
  /** The private keys loaded with the configuration, for endpoints using private_key_jwt. */
  readonly signingKeys: SigningKeys;
  /** The embedded sandbox's base URL, for endpoints configured as "sandbox". */
  readonly sandboxBaseUrl?: string;
  /** Builds each endpoint's request budget and back-pressure; without it, requests are not paced. */
  readonly pacing?: (config: EndpointConfig) => EndpointPacing;
}

type ClientCredentialsAuth = Extract<EndpointAuth, { type: 'client-credentials' }>;

/** The token source's view of validated settings, with the private key loaded when the configuration was read. */
function clientCredentials(auth: ClientCredentialsAuth, path: string, signingKeys: SigningKeys): ClientCredentials {
  const identity = { tokenUrl: auth.tokenUrl, clientId: auth.clientId, scope: auth.scope };
  if (auth.clientAuthentication === 'private_key_jwt') {
    const loaded = signingKeys.for(auth);
    if (auth.keyId === undefined || loaded === undefined) {
      throw new Error(`${path}: private_key_jwt needs keyId and a private key loaded with the configuration`);
    }
    return {
      ...identity,
      clientAuthentication: 'private_key_jwt',
      key: { privateKey: loaded.privateKey, keyId: auth.keyId, algorithm: loaded.algorithm },
    };
  }
  if (auth.clientSecret === undefined) {
    throw new Error(`${path}.clientSecret: ${auth.clientAuthentication} needs clientSecret`);
  }
  return { ...identity, clientAuthentication: auth.clientAuthentication, clientSecret: auth.clientSecret };
}

/**
 * A FHIR client for a base URL and auth settings (with its OAuth 2.0 token source for client-credentials); `path`
 * names the settings in start-up errors. Used for the EHR endpoints, audit repositories and operator commands.
 */
export function fhirClientFor(
  baseUrl: string,
  auth: EndpointAuth,
  options: {
    readonly timeoutMs: number;
    readonly path: string;
    readonly signingKeys: SigningKeys;
    readonly hook?: RequestHook;
    /** Sizes the connection pool; without it (and without tls) requests go through Node's own fetch. */
    readonly concurrency?: number;
    /** Client certificate, key and CA bundle for mutual TLS; `tlsPath` names them in errors. */
    readonly tls?: TlsFiles | undefined;
    readonly tlsPath?: string;
  },
): FhirConnection {
  const { timeoutMs, path, signingKeys, hook } = options;
  const paced = hook !== undefined ? { hook } : {};
  const transport =
    options.concurrency !== undefined || options.tls !== undefined
      ? createHttpTransport({
          concurrency: options.concurrency ?? 1,
          tls: options.tls,
          path: options.tlsPath ?? path,
        })
      : undefined;
  const fetch = transport !== undefined ? { fetch: transport.fetch } : {};
  const tokens =
    auth.type === 'client-credentials'
      ? clientCredentialsTokenSource(clientCredentials(auth, path, signingKeys), { timeoutMs, ...paced, ...fetch })
      : undefined;
  return {
    client: new FhirClient({
      baseUrl,
      auth,
      timeoutMs,
      ...paced,
      ...(tokens !== undefined ? { tokens } : {}),
      ...fetch,
    }),
    ...(tokens !== undefined ? { tokens } : {}),
    ...(transport !== undefined ? { transport } : {}),
  };
}

export function createEndpointRegistry(configs: readonly EndpointConfig[], options: RegistryOptions): EndpointRegistry {
  const { signingKeys } = options;
  const transports: HttpTransport[] = [];
  const all = configs.map((config, index): Endpoint => {
    let baseUrl = config.baseUrl;
    if (baseUrl === undefined || !config.routes.includes('fhir')) {
      // Nothing to connect to: the configuration refuses FHIR settings (auth, tls, AuditEvents to the EHR) here,
      // and its deliveries write no AuditEvents (nothing was sent to a FHIR server).
      return { config };
    }
    if (baseUrl === 'sandbox') {
      if (options.sandboxBaseUrl === undefined) {
        throw new Error(`Endpoint "${config.id}" targets the sandbox, but the sandbox is not running`);
      }
      baseUrl = options.sandboxBaseUrl;
    }
    const timeoutMs = config.retry.requestTimeoutMs;
    const { auditEvents } = config;
    const at = `endpoints[${String(index)}]`;
    const audit =
      auditEvents.send === 'repository' && auditEvents.repositoryUrl !== undefined
        ? fhirClientFor(auditEvents.repositoryUrl, auditEvents.auth ?? { type: 'none' }, {
            timeoutMs,
            path: `${at}.auditEvents.auth`,
            signingKeys,
            concurrency: 1,
            tls: auditEvents.tls,
            tlsPath: `${at}.auditEvents.tls`,
          })
        : undefined;
    const pacing = options.pacing?.(config);
    if (audit?.transport !== undefined) {
      transports.push(audit.transport);
    }
    const connection = fhirClientFor(baseUrl, config.auth, {
      timeoutMs,
      path: `${at}.auth`,
      signingKeys,
      concurrency: config.concurrency,
      tls: config.tls,
      tlsPath: `${at}.tls`,
      ...(pacing !== undefined ? { hook: pacing } : {}),
    });
    if (connection.transport !== undefined) {
      transports.push(connection.transport);
    }
    return {
      config,
      baseUrl,
      ...connection,
      ...(audit !== undefined && auditEvents.repositoryUrl !== undefined
        ? { auditRepository: { baseUrl: auditEvents.repositoryUrl, client: audit.client } }
        : {}),
      ...(pacing !== undefined ? { pacing } : {}),
    };
  });
  const byPractice = new Map<string, Endpoint>();
  let fallback: Endpoint | undefined;
  for (const endpoint of all) {
    for (const practice of endpoint.config.practices) {
      if (practice === '*') {
        fallback ??= endpoint;
      } else {
        byPractice.set(practice, endpoint);
      }
    }
  }
  const byId = new Map(all.map((endpoint) => [endpoint.config.id, endpoint]));
  return {
    all,
    forPractice: (odsCode) => byPractice.get(odsCode) ?? fallback,
    get: (id) => byId.get(id),
    close: async () => {
      await Promise.all(transports.map(async (transport) => transport.close()));
    },
  };
}
