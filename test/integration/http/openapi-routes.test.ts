/**
 * Every route the API mounts is in its OpenAPI description, and everything the description names is mounted: the
 * Express app is built as the API process builds it (real Redis, the Bull Board queues included), its router is
 * walked, and each method and path is looked up in /openapi.json's paths. A route added without its description
 * fails here. The only routes left out are the browser pages listed below, which answer HTML, not the API.
 */
import type { Express } from 'express';
import { buildApp } from '../../../src/http/app';
import { openApiDocument } from '../../../src/http/openapi';
import type { BoardQueues } from '../../../src/queue/board-queues';
import { openBoardQueues } from '../../../src/queue/board-queues';
import type { TestAdapter } from '../../support/adapter';
import { startTestAdapter } from '../../support/adapter';

/** Pages a person opens in a browser, described in docs/audit.md and docs/operations.md rather than in OpenAPI. */
const BROWSER_PAGES: readonly string[] = [
  'GET /audit',
  'GET /audit/messages/{id}',
  'GET /audit/reconciliation',
  'GET /audit/verify',
  // Bull Board's own app, mounted whole.
  'USE /admin/queues',
];

interface Layer {
  readonly route?: { readonly path: string | readonly string[]; readonly methods: Record<string, boolean> };
  /** A Router has a stack; an Express app mounted with app.use is wrapped in a function Express names mounted_app. */
  readonly handle: { readonly stack?: readonly Layer[]; readonly name?: string };
  readonly rawPath?: unknown;
}

/** `/v1/messages/:id` as OpenAPI writes it: `/v1/messages/{id}`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

/** Each route of the stack as `METHOD /path`; a router or app mounted on a path of its own is `USE /path`. */
function routesOf(stack: readonly Layer[], base = ''): string[] {
  return stack.flatMap((layer): string[] => {
    if (layer.route !== undefined) {
      const paths = typeof layer.route.path === 'string' ? [layer.route.path] : layer.route.path;
      const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
      return paths.flatMap((path) => methods.map((m) => `${m.toUpperCase()} ${openApiPath(base + path)}`));
    }
    const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '/';
    if (layer.handle.name === 'mounted_app') {
      return [`USE ${base}${mount}`];
    }
    const inner = layer.handle.stack;
    if (inner === undefined) {
      return [];
    }
    return mount === '/' ? routesOf(inner, base) : [`USE ${base}${mount}`];
  });
}

let adapter: TestAdapter;
let board: BoardQueues;
let app: Express;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'openapi-routes',
    roles: { api: true, worker: false, sandbox: true },
    config: {
      sandbox: { port: 0, meshPort: 0 },
      endpoints: [
        {
          id: 'sandbox',
          baseUrl: 'sandbox',
          practices: ['*'],
          routes: ['fhir', 'mesh-send-document'],
          mesh: { mailbox: 'SPFHIR001' },
        },
      ],
    },
  });
  board = openBoardQueues(adapter.services.redis, adapter.config);
  app = buildApp({
    ...adapter.services,
    http: adapter.config.http,
    version: 'test',
    auditorKeys: adapter.config.audit.apiKeys,
    boardQueues: board.adapters,
  });
});

afterAll(async () => {
  await board.close();
  await adapter.close();
});

function mountedRoutes(): string[] {
  const router = (app as unknown as { router: { stack: readonly Layer[] } }).router;
  return [...new Set(routesOf(router.stack))].sort();
}

function describedRoutes(): string[] {
  const paths = openApiDocument('test').paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

test('the walk finds the routes of every area, so an empty walk cannot pass', () => {
  const mounted = mountedRoutes();
  for (const route of [
    'GET /health/live',
    'POST /v1/referrals',
    'GET /v1/messages/{id}',
    'POST /v1/admin/documents/{id}/replay',
    'GET /v1/audit/verify',
    'GET /audit',
    'USE /admin/queues',
  ]) {
    expect(mounted).toContain(route);
  }
});

test('every mounted route is described in the OpenAPI document', () => {
  const described = new Set(describedRoutes());
  const undescribed = mountedRoutes().filter((route) => !described.has(route) && !BROWSER_PAGES.includes(route));
  expect(undescribed).toEqual([]);
});

test('every described route is mounted, and every browser page left out still exists', () => {
  const mounted = new Set(mountedRoutes());
  expect(describedRoutes().filter((route) => !mounted.has(route))).toEqual([]);
  expect(BROWSER_PAGES.filter((route) => !mounted.has(route))).toEqual([]);
});
