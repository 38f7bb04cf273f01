/**
 * Every BullMQ queue of a deployment, opened for Bull Board to look at: each endpoint's delivery queue, the Send
 * Document queue of each endpoint that uses that route, and the AuditEvent forwarding queue of each endpoint that
 * forwards them. The board gets them read-only: a message or a document is sent again only by a replay, which the
 * ledger records with who asked, never by retrying a BullMQ job behind the ledger's back. Closing them leaves the
 * shared connection open.
 */
import type { BaseAdapter } from '@bull-board/api/baseAdapter';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema';
import { auditForwardQueueName } from './audit-forward-worker';
import { sendDocumentQueueName } from './document-route';
import { deliveryQueueName, queuePrefix } from './names';

export interface BoardQueues {
  readonly adapters: readonly BaseAdapter[];
  close(): Promise<void>;
}

/** What a queue of the deployment carries: messages to deliver, episode documents to send, AuditEvents to forward. */
export type QueueKind = 'delivery' | 'send-document' | 'audit-events';

export interface DeploymentQueue {
  readonly endpoint: string;
  readonly kind: QueueKind;
  /** The BullMQ queue name. */
  readonly name: string;
}

/** Every queue the configuration makes, endpoint by endpoint: the board and the `queues` command list the same. */
export function deploymentQueues(config: Pick<Config, 'endpoints'>): DeploymentQueue[] {
  return config.endpoints.flatMap((endpoint): DeploymentQueue[] => [
    { endpoint: endpoint.id, kind: 'delivery', name: deliveryQueueName(endpoint.id) },
    ...(endpoint.routes.includes('mesh-send-document')
      ? [{ endpoint: endpoint.id, kind: 'send-document' as const, name: sendDocumentQueueName(endpoint.id) }]
      : []),
    ...(endpoint.auditEvents.send !== 'none'
      ? [{ endpoint: endpoint.id, kind: 'audit-events' as const, name: auditForwardQueueName(endpoint.id) }]
      : []),
  ]);
}

export function openBoardQueues(connection: Redis, config: Pick<Config, 'endpoints' | 'redis'>): BoardQueues {
  const prefix = queuePrefix(config.redis.prefix);
  const queues = deploymentQueues(config).map(({ name }) => new Queue(name, { connection, prefix }));
  return {
    adapters: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false })),
    close: async () => {
      await Promise.all(queues.map(async (queue) => queue.close()));
    },
  };
}
