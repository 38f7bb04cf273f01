/**
 * The registry of target EHR endpoints: which endpoint serves which GP practice, and one FHIR client per endpoint.
 */
import { loadPrivateKey } from '../config/private-key';
import type { EndpointAuth, EndpointConfig } from '../config/schema';
import type { AccessTokenSource, ClientCredentials } from './access-token';
import { clientCredentialsTokenSource } from './access-token';
import { FhirClient } from './fhir-client';

export interface Endpoint {
  readonly config: EndpointConfig;
  readonly baseUrl: string;
  readonly client: FhirClient;
  /** The endpoint's OAuth 2.0 token source, when it uses the client credentials grant. */
  readonly tokens?: AccessTokenSource;
}

export interface EndpointRegistry {
  readonly all: readonly Endpoint[];
  /** The endpoint for a GP practice, or undefined when no endpoint serves it. */
  forPractice(odsCode: string): Endpoint | undefined;
  get(id: string): Endpoint | undefined;
}

export interface RegistryOptions {
  /** The embedded sandbox's base URL, for endpoints configured as "sandbox". */
  readonly sandboxBaseUrl?: string;
}

type ClientCredentialsAuth = Extract<EndpointAuth, { type: 'client-credentials' }>;

/** The token source's view of validated settings; the private key is read here, once, when the adapter starts. */
function clientCredentials(auth: ClientCredentialsAuth, path: string): ClientCredentials {
  const identity = { tokenUrl: auth.tokenUrl, clientId: auth.clientId, scope: auth.scope };
  if (auth.clientAuthentication === 'private_key_jwt') {
    if (auth.keyId === undefined) {
      throw new Error(`${path}.keyId: private_key_jwt needs keyId`);
    }
    const { privateKey, algorithm } = loadPrivateKey(auth, path);
    return { ...identity, clientAuthentication: 'private_key_jwt', key: { privateKey, keyId: auth.keyId, algorithm } };
  }
  if (auth.clientSecret === undefined) {
    throw new Error(`${path}.clientSecret: ${auth.clientAuthentication} needs clientSecret`);
  }
  return { ...identity, clientAuthentication: auth.clientAuthentication, clientSecret: auth.clientSecret };
}

/**
 * A FHIR client for a base URL and auth settings (with its OAuth 2.0 token source for client-credentials); `path`
 * names the settings in start-up errors. Used for the EHR endpoints and for audit repositories.
 */
export function fhirClientFor(
  baseUrl: string,
  auth: EndpointAuth,
  timeoutMs: number,
  path: string,
): { readonly client: FhirClient; readonly tokens?: AccessTokenSource } {
  const tokens =
    auth.type === 'client-credentials'
      ? clientCredentialsTokenSource(clientCredentials(auth, path), { timeoutMs })
      : undefined;
  return {
    client: new FhirClient({ baseUrl, auth, timeoutMs, ...(tokens !== undefined ? { tokens } : {}) }),
    ...(tokens !== undefined ? { tokens } : {}),
  };
}

export function createEndpointRegistry(
  configs: readonly EndpointConfig[],
  options: RegistryOptions = {},
): EndpointRegistry {
  const all = configs.map((config, index): Endpoint => {
    let baseUrl = config.baseUrl;
    if (baseUrl === 'sandbox') {
      if (options.sandboxBaseUrl === undefined) {
        throw new Error(`Endpoint "${config.id}" targets the sandbox, but the sandbox is not running`);
      }
      baseUrl = options.sandboxBaseUrl;
    }
    return {
      config,
      baseUrl,
      ...fhirClientFor(baseUrl, config.auth, config.retry.requestTimeoutMs, `endpoints[${index}].auth`),
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
  };
}
