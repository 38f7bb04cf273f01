/**
 * The sandbox EHR behind a counter: the same Express app and validating repository `startSandbox` serves, with
 * every request counted where the EHR receives it (by method and resource type, a transaction as `POST /`) and the
 * moment it arrived, so tests and the benchmark can say how many requests each message cost the EHR and how fast
 * they came.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FHIR_BASE_PATH, ValidatingMemoryRepository, createSandboxApp, seedSandbox } from '../../src/sandbox';
import { closeServer } from '../../src/sandbox/http-server';

export interface CountingSandbox {
  readonly baseUrl: string;
  readonly repository: ValidatingMemoryRepository;
  /** Requests received since the start or the last reset, in total and by `METHOD ResourceType`. */
  counts(): { readonly total: number; readonly byKind: Readonly<Record<string, number>> };
  /** When each of those requests arrived, in milliseconds since the epoch (fractional), in order. */
  arrivals(): readonly number[];
  reset(): void;
  close(): Promise<void>;
}

/** `GET Patient`, `POST /` (a transaction or batch), `DELETE Patient`... without ids or query strings. */
function kindOf(method: string | undefined, url: string | undefined): string {
  const path = (url ?? '').split('?')[0]?.slice(FHIR_BASE_PATH.length).replace(/^\/+/, '') ?? '';
  const resourceType = path.split('/')[0] ?? '';
  return `${method ?? '?'} ${resourceType === '' ? '/' : resourceType}`;
}

export async function startCountingSandbox(
  options: { readonly port?: number; readonly host?: string } = {},
): Promise<CountingSandbox> {
  const repository = new ValidatingMemoryRepository();
  await seedSandbox(repository);
  const app = createSandboxApp({ repository });
  let byKind: Record<string, number> = {};
  let arrivals: number[] = [];
  const server = createServer((req, res) => {
    if (req.url?.startsWith(FHIR_BASE_PATH) === true) {
      const kind = kindOf(req.method, req.url);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      arrivals.push(performance.timeOrigin + performance.now());
    }
    app(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const sandbox: CountingSandbox = {
    baseUrl: `http://${host}:${String(port)}${FHIR_BASE_PATH}`,
    repository,
    counts: () => ({ total: Object.values(byKind).reduce((sum, n) => sum + n, 0), byKind: { ...byKind } }),
    arrivals: () => [...arrivals],
    reset: () => {
      byKind = {};
      arrivals = [];
    },
    close: async () => closeServer(server),
  };
  return sandbox;
}
