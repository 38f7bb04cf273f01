/**
 * Reads the configuration once, at the edge: an optional JSON file (CONFIG_FILE) overlaid with environment
 * variables, validated by the schema and frozen. Everything else receives the Config object explicitly.
 */
import { readFileSync } from 'node:fs';

import type { Config } from './schema';
import { configSchema } from './schema';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

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
  if (env.API_KEYS !== undefined) {
    http.apiKeys = parseApiKeys(env.API_KEYS);
  }
  if (env.ADMIN_API_KEYS !== undefined) {
    http.adminKeys = parseApiKeys(env.ADMIN_API_KEYS);
  }
  if (env.AUDIT_API_KEYS !== undefined) {
    section(raw, 'audit').apiKeys = parseApiKeys(env.AUDIT_API_KEYS);
  }
  if (env.AUDIT_PATIENT_KEY_SECRET !== undefined) {
    section(raw, 'audit').patientKeySecret = env.AUDIT_PATIENT_KEY_SECRET;
  }
  if (env.AUDIT_RETENTION_DAYS !== undefined) {
    section(raw, 'audit').retentionDays = Number(env.AUDIT_RETENTION_DAYS);
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
        ...(env.FHIR_TOKEN_URL !== undefined
          ? {
              auth: {
                type: 'client-credentials',
                tokenUrl: env.FHIR_TOKEN_URL,
                clientId: env.FHIR_CLIENT_ID,
                clientSecret: env.FHIR_CLIENT_SECRET,
                ...(env.FHIR_SCOPE !== undefined ? { scope: env.FHIR_SCOPE } : {}),
              },
            }
          : {}),
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

export function loadConfig(env: Env = process.env): Config {
  let raw: Json = {};
  if (env.CONFIG_FILE !== undefined) {
    try {
      raw = JSON.parse(readFileSync(env.CONFIG_FILE, 'utf8')) as Json;
    } catch (error) {
      throw new ConfigError([`CONFIG_FILE ${env.CONFIG_FILE}: ${(error as Error).message}`]);
    }
  }
  applyEnv(raw, env);
  return parseConfig(raw);
}

/** Validates a raw configuration object (from a file, a test or the environment) and freezes the result. */
export function parseConfig(raw: unknown): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  const config = parsed.data;
  const ids = new Set<string>();
  for (const endpoint of config.endpoints) {
    if (ids.has(endpoint.id)) {
      throw new ConfigError([`endpoints: the id "${endpoint.id}" is used twice`]);
    }
    ids.add(endpoint.id);
  }
  return deepFreeze(config);
}
