/**
 * Runs the Send Document route for each endpoint that uses it: a BullMQ queue and worker per endpoint (one send at
 * a time, so an episode's versions go out in order) and a periodic round that asks for the documents new
 * milestones call for, enqueues the ones due, handles missing acknowledgements and reads the inbox for ITK3
 * acknowledgements, acknowledging each MESH message only once what it says is stored.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { MeshRoute, SendDocumentDeps } from '../delivery/send-document';
import {
  documentsDue,
  handleOverdue,
  receiveAcknowledgement,
  scanMilestones,
  sendEpisodeDocument,
  sendJobId,
} from '../delivery/send-document';
import { pollInbox } from '../delivery/mesh/poll';
import type { Periodic } from '../lib/periodic';
import { runPeriodically } from '../lib/periodic';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { queuePrefix } from './names';
import { UNBOUNDED_STALLS } from './workers';

export interface SendDocumentJobData {
  readonly documentId: string;
}

export function sendDocumentQueueName(endpointId: string): string {
  return `send-document-${endpointId}`;
}

export interface DocumentRouteOptions {
  readonly connection: Redis;
  readonly redisPrefix: string;
  readonly routes: readonly MeshRoute[];
  readonly deps: SendDocumentDeps;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

export interface DocumentRoute {
  /** One round for every endpoint now: milestones, due sends, overdue acknowledgements, the inbox. */
  runOnce(): Promise<void>;
  close(): Promise<void>;
}

export function startDocumentRoute(options: DocumentRouteOptions): DocumentRoute {
  const { deps, metrics } = options;
  const prefix = queuePrefix(options.redisPrefix);
  const queues = new Map<string, Queue<SendDocumentJobData>>();
  const workers: Worker<SendDocumentJobData>[] = [];
  const rounds: Periodic[] = [];
  const byEndpoint = new Map(options.routes.map((route) => [route.endpointId, route]));
  // The route's start in this process: an endpoint's first round records it as when the route was enabled for it,
  // so closures accepted between the start and that round still count.
  const startedAt = deps.now();

  for (const route of options.routes) {
    const name = sendDocumentQueueName(route.endpointId);
    const log = options.logger.child({ endpoint: route.endpointId, route: 'mesh-send-document' });
    queues.set(name, new Queue<SendDocumentJobData>(name, { connection: options.connection, prefix }));
    const worker = new Worker<SendDocumentJobData>(
      name,
      async (job) => {
        const decision = await sendEpisodeDocument(deps, job.data.documentId);
        if (decision.kind !== 'skipped') {
          metrics?.documentsSent.inc({
            endpoint: route.endpointId,
            outcome: decision.kind === 'retry-later' ? 'retry' : decision.kind,
          });
        }
        if (decision.kind === 'failed') {
          log.warn({ document: job.data.documentId, reason: decision.reason }, 'episode document failed');
        }
        return decision.kind;
      },
      {
        connection: options.connection,
        prefix,
        concurrency: 1,
        maxStalledCount: UNBOUNDED_STALLS,
        ...(options.lockDurationMs !== undefined ? { lockDuration: options.lockDurationMs } : {}),
        ...(options.stalledIntervalMs !== undefined ? { stalledInterval: options.stalledIntervalMs } : {}),
      },
    );
    worker.on('error', (error) => {
      log.error({ err: error }, 'send document worker error');
    });
    workers.push(worker);
  }

  const enqueue = async (documentId: string, endpointId: string, jobId: string): Promise<void> => {
    await queues
      .get(sendDocumentQueueName(endpointId))
      ?.add('send', { documentId }, { jobId, removeOnComplete: true, removeOnFail: 1000 });
  };

  const round = async (route: MeshRoute): Promise<void> => {
    const id = route.endpointId;
    for (const outcome of await scanMilestones(deps, id, route.settings, startedAt)) {
      const record = await deps.documents.get(outcome.id);
      if (record?.status === 'pending') {
        await enqueue(record.id, id, sendJobId(record));
      }
    }
    const overdue = await handleOverdue(deps);
    metrics?.documentsSent.inc({ endpoint: id, outcome: 'timeout' }, overdue.resent.length + overdue.failed.length);
    for (const record of await documentsDue(deps)) {
      if (record.endpoint === id) {
        await enqueue(record.id, id, sendJobId(record));
      }
    }
    await pollInbox(route.client, async (message) => {
      const outcome = await receiveAcknowledgement(deps, message);
      if (outcome.kind === 'recorded' && (outcome.status === 'delivered' || outcome.status === 'failed')) {
        metrics?.documentsSent.inc({
          endpoint: id,
          outcome: outcome.status === 'delivered' ? 'delivered' : 'rejected',
        });
      }
    });
  };

  for (const route of options.routes) {
    const log = options.logger.child({ endpoint: route.endpointId, route: 'mesh-send-document' });
    rounds.push(
      runPeriodically(() => round(route), {
        intervalMs: route.settings.pollIntervalMs,
        onError: (error) => {
          log.warn({ err: error }, 'send document round failed; the next round tries again');
        },
      }),
    );
  }

  return {
    runOnce: async () => {
      for (const route of byEndpoint.values()) {
        await round(route);
      }
    },
    close: async () => {
      for (const periodic of rounds) {
        periodic.stop();
      }
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
