/**
 * Reads the configuration once, at the edge: an optional JSON file (CONFIG_FILE) overlaid with environment
 * variables, validated by the schema and frozen. Everything else receives the Config object explicitly.
 */
import { readFileSync } from 'node:fs';

import type { CliErrorCode } from '../lib/error-catalogue';
import { zodProblems } from '../lib/zod-outcome';
import { PrivateKeyError, SigningKeys, loadPrivateKey } from './private-key';
import type { MeshSecrets } from './mesh-secrets';
import { loadMeshSecrets } from './mesh-secrets';
import type { Config, EndpointAuth } from './schema';
import { configSchema, endpointAuthSchema } from './schema';

/**
 * The validated settings with the secrets they name already loaded: the private keys of private_key_jwt clients,
 * read once here so a missing or unusable key stops start-up and nothing later reads a file or the environment.
 */
export interface LoadedConfig extends Config {
  readonly signingKeys: SigningKeys;
  /** The MESH mailbox password and shared secret of each endpoint with a live MESH mailbox, by endpoint id. */
  readonly meshSecrets: ReadonlyMap<string, MeshSecrets>;
}

/** Each problem is one line naming the setting; a single problem makes a one-line message. */
export class ConfigError extends Error {
  /** Its entry in the error catalogue (docs/errors.md). */
  readonly code: CliErrorCode = 'config-invalid';

  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `Invalid configuration: ${problems.join('')}`
        : `Invalid configuration:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'ConfigError';
  }
}

/** The environment variable behind each auth setting of the one-endpoint shortcut (FHIR_BASE_URL). */
const SHORTCUT_VARIABLES: Readonly<Record<string, string>> = {
  'endpoints[0].baseUrl': 'FHIR_BASE_URL',
  'endpoints[0].id': 'FHIR_ENDPOINT_ID',
  'endpoints[0].auth.token': 'FHIR_BEARER_TOKEN',
  'endpoints[0].auth.tokenUrl': 'FHIR_TOKEN_URL',
  'endpoints[0].auth.clientId': 'FHIR_CLIENT_ID',
  'endpoints[0].auth.clientSecret': 'FHIR_CLIENT_SECRET',
  'endpoints[0].auth.scope': 'FHIR_SCOPE',
  'endpoints[0].auth.privateKeyFile': 'FHIR_CLIENT_PRIVATE_KEY_FILE',
  'endpoints[0].auth.privateKeyEnv': 'FHIR_CLIENT_PRIVATE_KEY',
  'endpoints[0].auth.keyId': 'FHIR_CLIENT_KEY_ID',
  'endpoints[0].auth.algorithm': 'FHIR_CLIENT_KEY_ALG',
};

type Env = Readonly<Record<string, string | undefined>>;
type Json = Record<string, unknown>;

function section(target: Json, name: string): Json {
  const existing = target[name];
  if (existing !== null && typeof existing === 'object' && !Array.isArray(existing)) {
    return existing as Json;
  }
  const created: Json = {};
  target[name] = created;
  return created;
}

function parseApiKeys(value: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const pair of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const colon = pair.indexOf(':');
    if (colon <= 0) {
      throw new ConfigError(['API_KEYS must be a comma-separated list of clientId:key pairs']);
    }
    keys[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return keys;
}

/** CLIENTS holds the `clients` array as JSON, for deployments configured by environment alone. */
function parseClients(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new ConfigError([`CLIENTS must be the clients array as JSON: ${(error as Error).message}`]);
  }
}

/**
 * OAuth 2.0 client credentials for the one-endpoint shortcut: a private key (FHIR_CLIENT_PRIVATE_KEY_FILE, or the
 * PEM itself in FHIR_CLIENT_PRIVATE_KEY) selects private_key_jwt, otherwise FHIR_CLIENT_SECRET is used.
 */
function shortcutClientCredentials(env: Env, tokenUrl: string): Json {
  const optional = (name: string, value: string | undefined): Json => (value !== undefined ? { [name]: value } : {});
  const withKey = env.FHIR_CLIENT_PRIVATE_KEY_FILE !== undefined || env.FHIR_CLIENT_PRIVATE_KEY !== undefined;
  return {
    type: 'client-credentials',
    tokenUrl,
    clientId: env.FHIR_CLIENT_ID,
    ...optional('scope', env.FHIR_SCOPE),
    ...(withKey
      ? {
          clientAuthentication: 'private_key_jwt',
          ...optional('privateKeyFile', env.FHIR_CLIENT_PRIVATE_KEY_FILE),
          ...(env.FHIR_CLIENT_PRIVATE_KEY !== undefined ? { privateKeyEnv: 'FHIR_CLIENT_PRIVATE_KEY' } : {}),
          keyId: env.FHIR_CLIENT_KEY_ID,
          ...optional('algorithm', env.FHIR_CLIENT_KEY_ALG),
        }
      : { clientSecret: env.FHIR_CLIENT_SECRET }),
  };
}

/** A yes/no variable (true/false, 1/0, yes/no, on/off); anything else is left for the schema to reject by name. */
function envFlag(value: string): boolean | string {
  const flag = { true: true, '1': true, yes: true, on: true, false: false, '0': false, no: false, off: false }[
    value.trim().toLowerCase()
  ];
  return flag ?? value;
}

/** TRUST_PROXY: true/false, a number of hops, or a list of addresses and subnets as Express takes it. */
function trustProxySetting(value: string): boolean | number | string {
  // Digits are a number of hops, so "1" trusts one proxy rather than any.
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  const flag = envFlag(value);
  return typeof flag === 'boolean' ? flag : value;
}

/** The environment variables the adapter reads, applied over the file's values. */
function applyEnv(raw: Json, env: Env): void {
  const http = section(raw, 'http');
  const redis = section(raw, 'redis');
  const sandbox = section(raw, 'sandbox');
  if (env.HOST !== undefined) {
    http.host = env.HOST;
  }
  if (env.PORT !== undefined) {
    http.port = Number(env.PORT);
  }
  if (env.PUBLIC_URL !== undefined) {
    http.publicUrl = env.PUBLIC_URL;
  }
  if (env.TRUST_PROXY !== undefined) {
    http.trustProxy = trustProxySetting(env.TRUST_PROXY);
  }
  if (env.RATE_LIMITS !== undefined) {
    section(http, 'rateLimits').enabled = envFlag(env.RATE_LIMITS);
  }
  if (env.INTAKE_CHECK_THREADS !== undefined) {
    http.intakeCheckThreads = Number(env.INTAKE_CHECK_THREADS);
  }
  if (env.API_KEYS !== undefined) {
    http.apiKeys = parseApiKeys(env.API_KEYS);
  }
  if (env.ADMIN_API_KEYS !== undefined) {
    http.adminKeys = parseApiKeys(env.ADMIN_API_KEYS);
  }
  if (env.AUDIT_API_KEYS !== undefined) {
    section(raw, 'audit').apiKeys = parseApiKeys(env.AUDIT_API_KEYS);
  }
  if (env.CLIENTS !== undefined) {
    raw.clients = parseClients(env.CLIENTS);
  }
  if (env.ALLOW_INSECURE_HTTP !== undefined) {
    http.allowInsecure = envFlag(env.ALLOW_INSECURE_HTTP);
  }
  // Empty counts as unset, so a compose file can pass these through whether or not the shell sets them.
  const given = (value: string | undefined): value is string => value !== undefined && value !== '';
  if (given(env.OAUTH_ISSUER)) {
    http.oauth = {
      ...(typeof http.oauth === 'object' ? http.oauth : {}),
      issuer: env.OAUTH_ISSUER,
      ...(given(env.OAUTH_AUDIENCE) ? { audience: env.OAUTH_AUDIENCE } : {}),
      ...(given(env.OAUTH_JWKS_URL) ? { jwksUrl: env.OAUTH_JWKS_URL } : {}),
    };
  }
  if (env.AUDIT_PATIENT_KEY_SECRET !== undefined) {
    section(raw, 'audit').patientKeySecret = env.AUDIT_PATIENT_KEY_SECRET;
  }
  if (env.AUDIT_RETENTION_DAYS !== undefined) {
    section(raw, 'audit').retentionDays = Number(env.AUDIT_RETENTION_DAYS);
  }
  if (env.AUDIT_PURGE_FAILED !== undefined) {
    section(raw, 'audit').purgeFailed = envFlag(env.AUDIT_PURGE_FAILED);
  }
  if (env.AUDIT_CHECKPOINT_SECRET !== undefined) {
    section(raw, 'audit').checkpointSecret = env.AUDIT_CHECKPOINT_SECRET;
  }
  if (env.AUDIT_SETTLED_TTL_DAYS !== undefined) {
    section(raw, 'audit').settledMessageTtlDays = Number(env.AUDIT_SETTLED_TTL_DAYS);
  }
  if (env.REDIS_URL !== undefined) {
    redis.url = env.REDIS_URL;
  }
  if (env.REDIS_PREFIX !== undefined) {
    redis.prefix = env.REDIS_PREFIX;
  }
  if (env.SANDBOX !== undefined) {
    sandbox.enabled = !['0', 'false', 'off', 'no'].includes(env.SANDBOX.toLowerCase());
  }
  if (env.SANDBOX_PORT !== undefined) {
    sandbox.port = Number(env.SANDBOX_PORT);
  }
  if (env.FHIR_BASE_URL !== undefined) {
    // The one-endpoint shortcut: every practice goes to this FHIR server.
    raw.endpoints = [
      {
        id: env.FHIR_ENDPOINT_ID ?? 'default',
        baseUrl: env.FHIR_BASE_URL,
        practices: ['*'],
        ...(env.FHIR_BEARER_TOKEN !== undefined ? { auth: { type: 'bearer', token: env.FHIR_BEARER_TOKEN } } : {}),
        ...(env.FHIR_TOKEN_URL !== undefined ? { auth: shortcutClientCredentials(env, env.FHIR_TOKEN_URL) } : {}),
      },
    ];
  }
  if (env.LOG_LEVEL !== undefined) {
    section(raw, 'log').level = env.LOG_LEVEL;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) {
      deepFreeze(inner);
    }
    Object.freeze(value);
  }
  return value;
}

export function loadConfig(env: Env = process.env): LoadedConfig {
  let raw: Json = {};
  if (env.CONFIG_FILE !== undefined) {
    try {
      raw = JSON.parse(readFileSync(env.CONFIG_FILE, 'utf8')) as Json;
    } catch (error) {
      throw new ConfigError([`CONFIG_FILE ${env.CONFIG_FILE}: ${(error as Error).message}`]);
    }
  }
  applyEnv(raw, env);
  try {
    return parseConfig(raw, env);
  } catch (error) {
    if (error instanceof ConfigError && env.FHIR_BASE_URL !== undefined && env.CONFIG_FILE === undefined) {
      throw new ConfigError(error.problems.map((problem) => withVariableName(problem)));
    }
    throw error;
  }
}

/** "endpoints[0].auth.clientId: …" becomes "FHIR_CLIENT_ID (endpoints[0].auth.clientId): …". */
function withVariableName(problem: string): string {
  const colon = problem.indexOf(': ');
  const path = colon < 0 ? '' : problem.slice(0, colon);
  const variable = SHORTCUT_VARIABLES[path];
  return variable === undefined ? problem : `${variable} (${path})${problem.slice(colon)}`;
}

/** Auth settings and where they sit in the configuration, e.g. "endpoints[0].auth". */
interface AuthAt {
  readonly auth: EndpointAuth;
  readonly path: string;
}

/** Loads the private key of every private_key_jwt setting; each problem is one line naming its setting. */
function loadSigningKeys(settings: readonly AuthAt[], env: Env): SigningKeys {
  const keys = new SigningKeys();
  const problems: string[] = [];
  for (const { auth, path } of settings) {
    if (auth.type === 'client-credentials' && auth.clientAuthentication === 'private_key_jwt') {
      try {
        keys.add(auth, loadPrivateKey(auth, path, env));
      } catch (error) {
        if (!(error instanceof PrivateKeyError)) {
          throw error;
        }
        problems.push(error.message);
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return keys;
}

/**
 * Validates a raw configuration object (from a file, a test or the environment) and freezes the result. Private
 * keys the endpoints name are loaded from `env` or disk here too, so a missing or unusable key stops start-up.
 */
export function parseConfig(raw: unknown, env: Env = process.env): LoadedConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(zodProblems(parsed.error, raw).map((problem) => `${problem.expression}: ${problem.message}`));
  }
  const config = deepFreeze(parsed.data);
  const ids = new Set<string>();
  for (const endpoint of config.endpoints) {
    if (ids.has(endpoint.id)) {
      throw new ConfigError([`endpoints: the id "${endpoint.id}" is used twice`]);
    }
    ids.add(endpoint.id);
  }
  // Every private key an endpoint or its audit repository names is loaded now, so a bad one stops start-up.
  const signingKeys = loadSigningKeys(
    config.endpoints.flatMap((endpoint, index) => [
      { auth: endpoint.auth, path: `endpoints[${index}].auth` },
      ...(endpoint.auditEvents.auth !== undefined
        ? [{ auth: endpoint.auditEvents.auth, path: `endpoints[${index}].auditEvents.auth` }]
        : []),
    ]),
    env,
  );
  // MESH passwords and shared secrets come from the environment or files only, read now so a missing one stops start-up.
  const meshSecrets = loadMeshSecrets(config.endpoints, env);
  if (!meshSecrets.ok) {
    throw new ConfigError(meshSecrets.problems);
  }
  // The settings stay frozen; the keys object is what the composition root hands to the delivery layer.
  return Object.freeze({ ...config, signingKeys, meshSecrets: meshSecrets.secrets });
}

/** Auth settings for one FHIR server given outside the configuration (operator commands' options), loaded. */
export interface LoadedAuth {
  readonly auth: EndpointAuth;
  readonly signingKeys: SigningKeys;
}

/**
 * Validates auth settings of an endpoint's shape and loads the private key they name; problems are named by the
 * setting (`<path>.clientId: …`), as configuration problems are.
 */
export function parseEndpointAuth(raw: unknown, path: string, env: Env = process.env): LoadedAuth {
  const parsed = endpointAuthSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      zodProblems(parsed.error, raw).map(
        (problem) => `${problem.expression === '$this' ? path : `${path}.${problem.expression}`}: ${problem.message}`,
      ),
    );
  }
  const auth = deepFreeze(parsed.data);
  return { auth, signingKeys: loadSigningKeys([{ auth, path }], env) };
}
