/**
 * What `endpoints list` and `queues` report: each configured endpoint with its settings, queue depth, failed
 * messages and latest delivery outcome, and each queue of the deployment (delivery, Send Document, AuditEvent
 * forwarding) with its jobs by state and the age of the oldest waiting one. Read from Redis only; no EHR is contacted.
 */
import type { EndpointConfig } from '../config/schema';
import type { MessageStatus } from '../messages/record';
import type { DeploymentQueueStats, QueueStats } from '../queue/queue-stats';
import { deploymentQueueStats, queueStats } from '../queue/queue-stats';
import type { CommandDeps } from './deps';

export interface EndpointRow {
  readonly id: string;
  /** The delivery routes configured for the endpoint, when the configuration names them. */
  readonly routes?: readonly string[];
  /** The FHIR base URL; "-" for an endpoint without route "fhir". */
  readonly baseUrl: string;
  readonly auth: string;
  readonly practices: readonly string[];
  readonly concurrency: number;
  readonly maxRequestsPerSecond: number;
  /** Jobs waiting, prioritised, delayed (retry backoff) or being delivered. */
  readonly queueDepth: number;
  /** Messages that failed for good and wait for a fix and a replay. */
  readonly failedMessages: number;
  /** The most recent delivery outcome among recently settled messages, when there is one. */
  readonly lastDelivery?: { readonly outcome: 'delivered' | 'failed'; readonly at: string };
}

type StatusDeps = Pick<CommandDeps, 'config' | 'store' | 'queues' | 'now'>;

const PAGE = 500;
/** How many of the most recent delivered and failed messages are read to find each endpoint's latest outcome. */
const RECENT = 200;

function routesOf(endpoint: EndpointConfig): readonly string[] | undefined {
  // Endpoints name their routes once the configuration has them; until then every endpoint is FHIR REST.
  return 'routes' in endpoint && Array.isArray(endpoint.routes) ? endpoint.routes.map(String) : undefined;
}

export function queueDepth(stats: QueueStats): number {
  return stats.counts.waiting + stats.counts.prioritized + stats.counts.delayed + stats.counts.active;
}

/** Failed messages per endpoint, counted over the whole failed index a page at a time. */
async function failedByEndpoint(deps: StatusDeps): Promise<Map<string, number>> {
  const { messages, ledger } = deps.store();
  const counts = new Map<string, number>();
  for (let offset = 0; ; offset += PAGE) {
    const ids = await messages.idsByStatus('failed', 0, Number.MAX_SAFE_INTEGER, offset, PAGE);
    for (const id of ids) {
      const endpoint = await ledger.messages.endpointOf(id);
      if (endpoint !== undefined) {
        counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
      }
    }
    if (ids.length < PAGE) {
      return counts;
    }
  }
}

/** Each endpoint's latest outcome among the most recent delivered and failed messages. */
async function latestOutcomes(deps: StatusDeps): Promise<Map<string, NonNullable<EndpointRow['lastDelivery']>>> {
  const { messages } = deps.store();
  const latest = new Map<string, NonNullable<EndpointRow['lastDelivery']>>();
  for (const status of ['delivered', 'failed'] as const satisfies readonly MessageStatus[]) {
    const total = await messages.countByStatus(status);
    const ids = await messages.idsByStatus(status, 0, Number.MAX_SAFE_INTEGER, Math.max(0, total - RECENT), RECENT);
    for (const id of ids) {
      const record = await messages.get(id);
      if (record === undefined) {
        continue;
      }
      const at = status === 'delivered' ? (record.deliveredAt ?? record.updatedAt) : record.updatedAt;
      const known = latest.get(record.endpointId);
      if (known === undefined || known.at < at) {
        latest.set(record.endpointId, { outcome: status, at });
      }
    }
  }
  return latest;
}

export async function endpointRows(deps: StatusDeps): Promise<EndpointRow[]> {
  const failed = await failedByEndpoint(deps);
  const latest = await latestOutcomes(deps);
  const now = deps.now().getTime();
  const rows: EndpointRow[] = [];
  for (const endpoint of deps.config.endpoints) {
    const stats = await queueStats(deps.queues(), endpoint.id, now);
    const routes = routesOf(endpoint);
    const last = latest.get(endpoint.id);
    rows.push({
      id: endpoint.id,
      ...(routes !== undefined ? { routes } : {}),
      baseUrl: endpoint.baseUrl ?? '-',
      auth:
        endpoint.auth.type === 'client-credentials'
          ? `client-credentials (${endpoint.auth.clientAuthentication})`
          : endpoint.auth.type,
      practices: endpoint.practices,
      concurrency: endpoint.concurrency,
      maxRequestsPerSecond: endpoint.maxRequestsPerSecond,
      queueDepth: queueDepth(stats),
      failedMessages: failed.get(endpoint.id) ?? 0,
      ...(last !== undefined ? { lastDelivery: last } : {}),
    });
  }
  return rows;
}

/** One queue of the deployment: which endpoint it serves, what it carries, its BullMQ name and its state. */
export type QueueRow = DeploymentQueueStats;

/** Every queue the configuration makes (delivery, Send Document, AuditEvent forwarding), endpoint by endpoint. */
export async function queueRows(deps: StatusDeps): Promise<QueueRow[]> {
  return deploymentQueueStats(deps.queues(), deps.config, deps.now().getTime());
}
