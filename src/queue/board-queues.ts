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

export function openBoardQueues(connection: Redis, config: Pick<Config, 'endpoints' | 'redis'>): BoardQueues {
  const prefix = queuePrefix(config.redis.prefix);
  const names = config.endpoints.flatMap((endpoint) => [
    deliveryQueueName(endpoint.id),
    ...(endpoint.routes.includes('mesh-send-document') ? [sendDocumentQueueName(endpoint.id)] : []),
    ...(endpoint.auditEvents.send !== 'none' ? [auditForwardQueueName(endpoint.id)] : []),
  ]);
  const queues = names.map((name) => new Queue(name, { connection, prefix }));
  return {
    adapters: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false })),
    close: async () => {
      await Promise.all(queues.map(async (queue) => queue.close()));
    },
  };
}
