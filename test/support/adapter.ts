/**
 * Starts the real adapter for a test: API, delivery workers and (unless the test brings its own EHR) the embedded
 * sandbox, on free ports, against the real Redis under a unique prefix. Nothing is mocked.
 */
import type { Config } from '../../src/config/schema';
import { parseConfig } from '../../src/config/load';
import type { Logger } from '../../src/observability/logger';
import { silentLogger } from '../../src/observability/logger';
import type { Roles, RunningAdapter } from '../../src/runtime/run';
import { runAdapter } from '../../src/runtime/run';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from './redis';

export interface TestAdapter extends RunningAdapter {
  readonly apiUrl: string;
  readonly prefix: string;
  readonly config: Config;
  /** Stops the adapter and deletes its Redis keys. */
  close(): Promise<void>;
}

/** Fast retries so tests of the retry path take seconds, not minutes. */
export const FAST_RETRY = { baseDelayMs: 200, maxDelayMs: 1000, maxAgeMs: 60_000, requestTimeoutMs: 2000 };

export interface TestAdapterOptions {
  readonly name: string;
  /** Raw config overrides (merged over test defaults). */
  readonly config?: Record<string, unknown>;
  readonly roles?: Roles;
  /** The logger the adapter writes to; silent unless a test reads what is logged. */
  readonly logger?: Logger;
}

export async function startTestAdapter(options: TestAdapterOptions): Promise<TestAdapter> {
  const prefix = uniquePrefix(options.name);
  const config = parseConfig({
    http: { port: 0 },
    redis: { url: TEST_REDIS_URL, prefix },
    sandbox: { port: 0 },
    endpoints: [{ id: 'sandbox', baseUrl: 'sandbox', practices: ['*'], retry: FAST_RETRY }],
    worker: { outboxSweepMs: 500 },
    log: { level: 'silent' },
    ...options.config,
  });
  const adapter = await runAdapter(
    config,
    options.roles ?? { api: true, worker: true, sandbox: true },
    options.logger ?? silentLogger(),
  );
  if (adapter.apiUrl === undefined && (options.roles?.api ?? true)) {
    throw new Error('the API did not start');
  }
  return {
    ...adapter,
    apiUrl: adapter.apiUrl ?? '',
    prefix,
    config,
    async close() {
      await adapter.stop();
      await deleteKeys(prefix);
    },
  };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
  };
}

export async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** Waits until the message reaches one of the given statuses and returns its status document. */
export async function waitForStatus(
  apiUrl: string,
  messageId: string,
  statuses: readonly string[],
  timeoutMs = 15_000,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  return eventually(
    async () => {
      const { body } = await getJson(`${apiUrl}/v1/messages/${messageId}`, headers);
      return statuses.includes(String(body.status)) ? body : undefined;
    },
    timeoutMs,
    `message ${messageId} to reach ${statuses.join('/')}`,
  );
}
