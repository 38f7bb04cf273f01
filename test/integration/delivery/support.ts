/**
 * What the delivery integration tests share: an adapter with a link-worker and an admin key, authenticated status
 * reads and replays, the ledger entries of one message read back from Redis, and plain FHIR requests to an EHR.
 */
import { Redis } from 'ioredis';
import type { TestAdapter, TestAdapterOptions } from '../../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../../support/adapter';
import { TEST_REDIS_URL } from '../../support/redis';

const KEY = 'link-worker-key-0123456789';
export const AUTH = { authorization: `Bearer ${KEY}` };
const ADMIN_KEY = 'practice-it-admin-key-0123456789';
export const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };

export async function startDeliveryAdapter(
  name: string,
  options: Omit<TestAdapterOptions, 'name'> = {},
): Promise<TestAdapter> {
  return startTestAdapter({
    name,
    ...options,
    config: {
      http: { port: 0, apiKeys: { 'link-worker': KEY }, adminKeys: { 'practice-it': ADMIN_KEY } },
      ...options.config,
    },
  });
}

/** Submits a message and returns its id, failing unless it was accepted. */
export async function submit(adapter: TestAdapter, path: string, body: unknown): Promise<string> {
  const response = await postJson(`${adapter.apiUrl}${path}`, body, AUTH);
  if (response.status !== 202) {
    throw new Error(`${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return String(response.body.messageId);
}

export async function settled(
  adapter: TestAdapter,
  id: string,
  statuses: readonly string[] = ['delivered', 'failed', 'superseded'],
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  return waitForStatus(adapter.apiUrl, id, statuses, timeoutMs, AUTH);
}

export async function replay(adapter: TestAdapter, id: string): Promise<number> {
  const response = await fetch(`${adapter.apiUrl}/v1/admin/messages/${id}/replay`, { method: 'POST', headers: ADMIN });
  return response.status;
}

/** The ledger entries of one message as field maps, oldest first. */
export async function ledgerOf(adapter: TestAdapter, messageId: string): Promise<Record<string, string>[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const entries = await redis.xrange(`${adapter.prefix}:ledger`, '-', '+');
    return entries
      .map(([, fields]) => {
        const record: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) {
          record[fields[i] ?? ''] = fields[i + 1] ?? '';
        }
        return record;
      })
      .filter((fields) => fields.messageId === messageId);
  } finally {
    await redis.quit();
  }
}

/** One FHIR request straight to an EHR (outside the adapter); the body is parsed JSON, or undefined when empty. */
export async function fhirRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}/${path}`, {
    method,
    headers: { 'content-type': 'application/fhir+json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
