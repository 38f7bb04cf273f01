/**
 * The registry of target EHR endpoints: which endpoint serves which GP practice, and one FHIR client per endpoint.
 */
import type { EndpointConfig } from '../config/schema';
import type { AccessTokenSource } from './access-token';
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

export function createEndpointRegistry(
  configs: readonly EndpointConfig[],
  options: RegistryOptions = {},
): EndpointRegistry {
  const all = configs.map((config): Endpoint => {
    let baseUrl = config.baseUrl;
    if (baseUrl === 'sandbox') {
      if (options.sandboxBaseUrl === undefined) {
        throw new Error(`Endpoint "${config.id}" targets the sandbox, but the sandbox is not running`);
      }
      baseUrl = options.sandboxBaseUrl;
    }
    const timeoutMs = config.retry.requestTimeoutMs;
    const tokens =
      config.auth.type === 'client-credentials' ? clientCredentialsTokenSource(config.auth, { timeoutMs }) : undefined;
    return {
      config,
      baseUrl,
      client: new FhirClient({
        baseUrl,
        auth: config.auth,
        timeoutMs,
        ...(tokens !== undefined ? { tokens } : {}),
      }),
      ...(tokens !== undefined ? { tokens } : {}),
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
