/**
 * The sandbox's realistic mode: makes the embedded EHR behave like a Medplum server on PostgreSQL with default
 * settings, as the adapter met one. Transactions are applied entry by entry; some writes and some entries fail
 * with PostgreSQL's serialization conflict (409); each client has a FHIR interaction quota per time window, past
 * which it gets 429 with only a `RateLimit` header saying when the quota resets; written versions are in the
 * resource bodies, not in `location`. The failures come from a seeded generator, and counters of what happened
 * are served read-only at `/$sandbox/stats` for tests and the benchmark.
 */
import { tooManyRequests } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import type { RequestHandler } from 'express';
import type { EntryFailure, EntryFailures } from './entry-by-entry';
import { seededRandom } from './seeded-random';

/** The read-only path of the counters, outside the FHIR base. */
export const STATS_PATH = '/$sandbox/stats';

/** PostgreSQL's words for SQLSTATE 40001 under serializable isolation, which Medplum passes on in a 409. */
export const SERIALIZATION_FAILURE = 'could not serialize access due to read/write dependencies among transactions';

export interface RealisticOptions {
  /** Seed of the generator that picks the failing requests and entries. Defaults to 1. */
  readonly seed?: number;
  /** Share of writes (a transaction, or a single create, update, patch or delete) refused whole with a 409. */
  readonly conflictRate?: number;
  /** Share of a transaction's entries that fail alone with a 409 while the others are written. */
  readonly entryConflictRate?: number;
  /** FHIR interaction points each client may spend per window (Medplum's default is 50,000); 0 for no quota. */
  readonly quotaPoints?: number;
  /** Length of the quota window in seconds (Medplum's default is 60). */
  readonly quotaWindowSeconds?: number;
}

export const REALISTIC_DEFAULTS: Required<RealisticOptions> = {
  seed: 1,
  conflictRate: 0.05,
  entryConflictRate: 0.02,
  quotaPoints: 50_000,
  quotaWindowSeconds: 60,
};

export type RequestKind =
  | 'metadata'
  | 'read'
  | 'vread'
  | 'history'
  | 'search'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'operation'
  | 'transaction'
  | 'batch';

/** Points each interaction costs, as Medplum weighs them; a transaction or batch costs the sum of its entries. */
const COSTS: Readonly<Record<Exclude<RequestKind, 'transaction' | 'batch'>, number>> = {
  metadata: 0,
  read: 1,
  vread: 1,
  history: 10,
  search: 20,
  create: 100,
  update: 100,
  patch: 100,
  delete: 100,
  // Medplum charges an operation by the reads and searches it runs; one search is a fair stand-in here.
  operation: 20,
};

const WRITES: ReadonlySet<RequestKind> = new Set(['create', 'update', 'patch', 'delete', 'transaction', 'batch']);

export interface SandboxStats {
  /** Requests received at the FHIR base, by kind, refused ones included. */
  readonly requests: Readonly<Record<string, number>>;
  /** 429s given, by the kind of request refused. */
  readonly throttled: Readonly<Record<string, number>>;
  /** 409 serialization conflicts given: whole requests, and single entries of transactions. */
  readonly conflicts: { readonly requests: number; readonly entries: number };
  /** Transaction entries written, and entries answered with a failure (conflicts and scripted ones). */
  readonly entries: { readonly applied: number; readonly failed: number };
  readonly options: Required<RealisticOptions>;
}

export interface RealisticBehaviour {
  readonly options: Required<RealisticOptions>;
  /** FHIR-base middleware, after the body is parsed: counts the request, applies the quota and whole-request conflicts. */
  readonly handler: RequestHandler;
  /** App-level middleware serving the counters at STATS_PATH. */
  readonly statsRoute: RequestHandler;
  /** The entry failures to use: the scripted ones first, then serialization conflicts at entryConflictRate. */
  entryFailures(scripted: EntryFailures): EntryFailures;
  /** Counts the entries of an entry-by-entry transaction-response and moves versions out of `location`. */
  answered(response: Bundle): Bundle;
  stats(): SandboxStats;
}

/** What kind of FHIR interaction a request (or a transaction entry) is; `url` is relative to the FHIR base. */
export function requestKind(method: string, url: string, body?: unknown): RequestKind {
  const parts = (url.split('?')[0] ?? '').split('/').filter((part) => part !== '');
  if (parts[0] === 'metadata') {
    return 'metadata';
  }
  if (parts.some((part) => part.startsWith('$'))) {
    return 'operation';
  }
  switch (method) {
    case 'POST':
      if (parts.length === 0) {
        return bundleType(body) === 'batch' ? 'batch' : 'transaction';
      }
      return parts[1] === '_search' ? 'search' : 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      if (parts.includes('_history')) {
        return parts.length === 4 ? 'vread' : 'history';
      }
      return parts.length === 2 ? 'read' : 'search';
  }
}

function bundleType(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'type' in body && typeof body.type === 'string'
    ? body.type
    : undefined;
}

function entriesOf(body: unknown): readonly BundleEntry[] {
  return typeof body === 'object' && body !== null && 'entry' in body && Array.isArray(body.entry)
    ? (body.entry as BundleEntry[])
    : [];
}

/** The points a request costs. */
export function requestCost(kind: RequestKind, body?: unknown): number {
  if (kind !== 'transaction' && kind !== 'batch') {
    return COSTS[kind];
  }
  return entriesOf(body).reduce((sum, entry) => {
    const entryKind = requestKind(entry.request?.method ?? 'GET', entry.request?.url ?? '');
    return sum + requestCost(entryKind);
  }, 0);
}

export interface QuotaDecision {
  readonly allowed: boolean;
  readonly remaining: number;
  /** Whole seconds until the client's window resets. */
  readonly resetSeconds: number;
}

/**
 * A fixed-window quota per client. A request is refused, and not charged, when it would take the client past
 * its points; a request costing more than the whole quota still passes at the start of a window, so no request
 * is refused for ever.
 */
export function createQuota(
  points: number,
  windowSeconds: number,
): (client: string, cost: number, now: number) => QuotaDecision {
  const windows = new Map<string, { startedAt: number; used: number }>();
  const windowMs = windowSeconds * 1000;
  return (client, cost, now) => {
    let window = windows.get(client);
    if (window === undefined || now - window.startedAt >= windowMs) {
      window = { startedAt: now, used: 0 };
      windows.set(client, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
    const allowed = window.used + cost <= points || window.used === 0;
    if (allowed) {
      window.used += cost;
    }
    return { allowed, remaining: Math.max(0, points - window.used), resetSeconds };
  };
}

function conflictOutcome(): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'conflict', details: { text: SERIALIZATION_FAILURE } }],
  };
}

/** `Type/id/_history/vid` → `Type/id`: this server reports the version in the resource only. */
function withoutVersion(location: string): string {
  return location.replace(/\/_history\/[^/]+\/?$/, '');
}

export function createRealisticBehaviour(options: RealisticOptions = {}): RealisticBehaviour {
  const settings: Required<RealisticOptions> = { ...REALISTIC_DEFAULTS, ...options };
  const random = seededRandom(settings.seed);
  const quota = settings.quotaPoints > 0 ? createQuota(settings.quotaPoints, settings.quotaWindowSeconds) : undefined;
  const requests: Record<string, number> = {};
  const throttled: Record<string, number> = {};
  const conflicts = { requests: 0, entries: 0 };
  const entries = { applied: 0, failed: 0 };

  const handler: RequestHandler = (req, res, next) => {
    const body: unknown = req.body;
    const kind = requestKind(req.method, req.url, body);
    requests[kind] = (requests[kind] ?? 0) + 1;
    if (quota !== undefined && kind !== 'metadata') {
      // Medplum keeps a quota per user; a client's bearer token stands for its user here.
      const client = req.get('authorization') ?? 'anonymous';
      const decision = quota(client, requestCost(kind, body), Date.now());
      res.setHeader('RateLimit', `"fhirInteractions";r=${decision.remaining};t=${decision.resetSeconds}`);
      if (!decision.allowed) {
        throttled[kind] = (throttled[kind] ?? 0) + 1;
        res.status(429).type('application/fhir+json').send(JSON.stringify(tooManyRequests));
        return;
      }
    }
    if (WRITES.has(kind) && random() < settings.conflictRate) {
      conflicts.requests += 1;
      res.status(409).type('application/fhir+json').send(JSON.stringify(conflictOutcome()));
      return;
    }
    next();
  };

  const statsRoute: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' || req.path !== STATS_PATH) {
      next();
      return;
    }
    res.json(stats());
  };

  const stats = (): SandboxStats => ({
    requests: { ...requests },
    throttled: { ...throttled },
    conflicts: { ...conflicts },
    entries: { ...entries },
    options: settings,
  });

  return {
    options: settings,
    handler,
    statsRoute,
    entryFailures: (scripted) => ({
      failNext: (...failures) => {
        scripted.failNext(...failures);
      },
      pending: () => scripted.pending(),
      take: (resourceType): EntryFailure | undefined => {
        const failure = scripted.take(resourceType);
        if (failure !== undefined || !(random() < settings.entryConflictRate)) {
          return failure;
        }
        conflicts.entries += 1;
        return { resourceType, status: 409, code: 'conflict', text: SERIALIZATION_FAILURE };
      },
    }),
    answered: (response) => {
      const answered = (response.entry ?? []).map((entry): BundleEntry => {
        const status = Number.parseInt(entry.response?.status ?? '', 10);
        if (status >= 200 && status < 300) {
          entries.applied += 1;
        } else {
          entries.failed += 1;
        }
        if (entry.response === undefined) {
          return entry;
        }
        // Rebuilt without the etag: the version is left in the resource's meta alone.
        const { location, lastModified, outcome } = entry.response;
        return {
          ...entry,
          response: {
            status: entry.response.status,
            ...(location !== undefined ? { location: withoutVersion(location) } : {}),
            ...(lastModified !== undefined ? { lastModified } : {}),
            ...(outcome !== undefined ? { outcome } : {}),
          },
        };
      });
      return { ...response, entry: answered };
    },
    stats,
  };
}
