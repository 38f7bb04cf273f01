/**
 * The OpenAPI description covers the admin routes, and says what they really answer: each documented admin
 * operation is called on the real app (real Redis) with an admin key, and the status it gives must be one the
 * description lists for it; a query parameter the description names is accepted, one it does not name is refused.
 */
import type { TestAdapter } from '../../support/adapter';
import { startTestAdapter } from '../../support/adapter';

interface Operation {
  readonly parameters?: readonly { readonly name: string; readonly in: string }[];
  readonly requestBody?: unknown;
  readonly responses: Record<string, unknown>;
  readonly security?: unknown;
}

let adapter: TestAdapter;
let key: string;
let paths: Record<string, Record<string, Operation>>;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'openapi-admin',
    roles: { api: true, worker: false, sandbox: true },
    config: { clients: [{ id: 'practice-it', practices: ['*'], roles: ['admin'] }] },
  });
  key = (await adapter.services.apiKeys.create('practice-it', ['admin'], new Date())).key;
  const answer = await fetch(`${adapter.apiUrl}/openapi.json`);
  expect(answer.status).toBe(200);
  paths = ((await answer.json()) as { paths: typeof paths }).paths;
});

afterAll(async () => {
  await adapter.close();
});

async function call(method: string, path: string, body?: unknown): Promise<number> {
  const answer = await fetch(`${adapter.apiUrl}${path}`, {
    method: method.toUpperCase(),
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await answer.arrayBuffer();
  return answer.status;
}

const ADMIN_OPERATIONS: readonly (readonly [string, string, unknown, string])[] = [
  ['get', '/v1/admin/messages', undefined, '200'],
  ['post', '/v1/admin/messages/replay', {}, '202'],
  ['post', '/v1/admin/messages/{id}/replay', undefined, '404'],
  ['get', '/v1/admin/documents', undefined, '200'],
  ['post', '/v1/admin/documents/replay', { dryRun: true }, '200'],
  ['post', '/v1/admin/documents/replay', {}, '202'],
  ['post', '/v1/admin/documents/{id}/replay', undefined, '404'],
];

test.each(ADMIN_OPERATIONS)(
  '%s %s is described, and answers a status it lists',
  async (method, path, body, expected) => {
    const operation = paths[path]?.[method];
    expect(operation).toBeDefined();
    expect(operation?.security).toEqual([{ apiKey: [] }]);
    const status = await call(method, path.replace('{id}', UNKNOWN_ID), body);
    expect(String(status)).toBe(expected);
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining([expected, '400', '401', '403']));
  },
);

test.each(['/v1/admin/messages', '/v1/admin/documents'])(
  'the listing %s takes exactly the query parameters described',
  async (path) => {
    const names = (paths[path]?.get?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['status', 'practice', 'endpoint', 'limit', 'cursor']));
    const valid: Record<string, string> = {
      status: 'failed',
      practice: 'A81001',
      endpoint: 'sandbox',
      limit: '5',
      cursor: '0',
    };
    for (const name of names) {
      const value = valid[name] ?? new Date().toISOString();
      expect(await call('get', `${path}?${name}=${encodeURIComponent(value)}`)).toBe(200);
    }
    expect(await call('get', `${path}?colour=blue`)).toBe(400);
    expect(Object.keys(paths[path]?.get?.responses ?? {})).toContain('400');
  },
);

test('a request body is described for each replay operation that reads one', () => {
  for (const path of ['/v1/admin/messages/replay', '/v1/admin/documents/replay', '/v1/admin/messages/{id}/replay']) {
    expect(paths[path]?.post?.requestBody).toBeDefined();
  }
  const replayFilter = JSON.stringify(paths['/v1/admin/documents/replay']?.post?.requestBody);
  expect(replayFilter).toContain('dryRun');
  expect(replayFilter).toContain('max');
});
