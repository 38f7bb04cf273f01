/**
 * The OpenAPI description covers the audit routes, and says what they really answer: each documented audit
 * operation is called on the real app (real Redis) with an auditor key, and the status it gives must be one the
 * description lists for it; each query parameter the description names is accepted (the required ones are the ones
 * the route cannot do without), one it does not name is refused, and HTTP Basic is accepted as described.
 */
import type { TestAdapter } from '../../support/adapter';
import { startTestAdapter } from '../../support/adapter';

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
}

interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly responses: Record<string, { readonly content?: Record<string, unknown> }>;
  readonly security?: unknown;
}

let adapter: TestAdapter;
let key: string;
let paths: Record<string, Record<string, Operation>>;
let schemes: Record<string, unknown>;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const PERIOD = 'practice=A81001&from=2026-01-01&to=2026-12-31';

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'openapi-audit',
    roles: { api: true, worker: false, sandbox: true },
    config: { clients: [{ id: 'audit-team', practices: ['*'], roles: ['auditor'] }] },
  });
  key = (await adapter.services.apiKeys.create('audit-team', ['auditor'], new Date())).key;
  const answer = await fetch(`${adapter.apiUrl}/openapi.json`);
  expect(answer.status).toBe(200);
  const document = (await answer.json()) as {
    paths: typeof paths;
    components: { securitySchemes: typeof schemes };
  };
  paths = document.paths;
  schemes = document.components.securitySchemes;
});

afterAll(async () => {
  await adapter.close();
});

async function call(path: string, authorization = `Bearer ${key}`): Promise<{ status: number; type: string }> {
  const answer = await fetch(`${adapter.apiUrl}${path}`, { headers: { authorization } });
  await answer.arrayBuffer();
  return { status: answer.status, type: answer.headers.get('content-type') ?? '' };
}

const AUDIT_OPERATIONS: readonly (readonly [string, string, string, string])[] = [
  ['/v1/audit/messages', '', '200', 'application/json'],
  ['/v1/audit/messages/{id}', '', '404', 'application/fhir+json'],
  ['/v1/audit/reconciliation', `?${PERIOD}`, '200', 'application/json'],
  ['/v1/audit/reconciliation', '', '400', 'application/fhir+json'],
  ['/v1/audit/reconciliation', `?${PERIOD}&format=csv`, '200', 'text/csv'],
  ['/v1/audit/ledger', '', '200', 'application/json'],
  ['/v1/audit/ledger', '?format=ndjson', '200', 'application/x-ndjson'],
  ['/v1/audit/audit-events', '', '200', 'application/fhir+json'],
  ['/v1/audit/verify', '', '200', 'application/json'],
];

test.each(AUDIT_OPERATIONS)(
  'GET %s%s is described for auditors, and answers %s with a media type it lists',
  async (path, query, expected, mediaType) => {
    const operation = paths[path]?.get;
    expect(operation).toBeDefined();
    expect(operation?.security).toEqual([{ apiKey: [] }, { basicKey: [] }]);
    const answer = await call(`${path.replace('{id}', UNKNOWN_ID)}${query}`);
    expect(String(answer.status)).toBe(expected);
    expect(answer.type.split(';')[0]).toBe(mediaType);
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining([expected, '400', '401', '403']));
    expect(Object.keys(operation?.responses[expected]?.content ?? {})).toContain(mediaType);
  },
);

test('a key of another role, and no key, get the answers described', async () => {
  const admin = (await adapter.services.apiKeys.create('audit-team', ['admin'], new Date())).key;
  expect((await call('/v1/audit/verify', `Bearer ${admin}`)).status).toBe(403);
  expect((await call('/v1/audit/verify', '')).status).toBe(401);
});

test('HTTP Basic with the key as password is accepted, as the basicKey scheme says', async () => {
  expect(schemes.basicKey).toMatchObject({ type: 'http', scheme: 'basic' });
  const basic = `Basic ${Buffer.from(`anyone:${key}`).toString('base64')}`;
  expect((await call('/v1/audit/verify', basic)).status).toBe(200);
});

/** A value each described parameter accepts. */
const VALID: Record<string, string> = {
  messageId: UNKNOWN_ID,
  recordId: 'REF-1001',
  nhsNumber: '9990000018',
  practice: 'A81001',
  endpoint: 'sandbox',
  status: 'delivered',
  from: '2026-01-01T00:00:00Z',
  to: '2026-12-31T00:00:00Z',
  page: '1',
  pageSize: '10',
  type: 'received',
  format: 'csv',
};

test.each(['/v1/audit/messages', '/v1/audit/reconciliation', '/v1/audit/ledger', '/v1/audit/audit-events'])(
  '%s takes each query parameter described, needs the required ones, and refuses one not described',
  async (path) => {
    const parameters = (paths[path]?.get?.parameters ?? []).filter((p) => p.in === 'query');
    expect(parameters.length).toBeGreaterThan(0);
    const required = parameters.filter((p) => p.required === true).map((p) => p.name);
    const base = required.map((name) => `${name}=${encodeURIComponent(VALID[name] ?? '')}`);
    for (const { name } of parameters) {
      const value = VALID[name];
      expect(value).toBeDefined();
      const query = [
        ...base.filter((pair) => !pair.startsWith(`${name}=`)),
        `${name}=${encodeURIComponent(value ?? '')}`,
      ];
      expect({ name, status: (await call(`${path}?${query.join('&')}`)).status }).toEqual({ name, status: 200 });
    }
    for (const name of required) {
      const without = base.filter((pair) => !pair.startsWith(`${name}=`));
      expect({ name, status: (await call(`${path}?${without.join('&')}`)).status }).toEqual({ name, status: 400 });
    }
    expect((await call(`${path}?${[...base, 'colour=blue'].join('&')}`)).status).toBe(400);
  },
);

test('only the reconciliation has required parameters: its practice and period', () => {
  const requiredOf = (path: string): string[] =>
    (paths[path]?.get?.parameters ?? []).filter((p) => p.required === true).map((p) => p.name);
  expect(requiredOf('/v1/audit/reconciliation').sort()).toEqual(['from', 'practice', 'to']);
  for (const path of ['/v1/audit/messages', '/v1/audit/ledger', '/v1/audit/audit-events']) {
    expect(requiredOf(path)).toEqual([]);
  }
});
