/**
 * Hands accepted messages to their endpoint's delivery queue. Retrying is decided per attempt by the delivery
 * policy (see the worker), so BullMQ is told to allow practically unlimited attempts.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryJobData } from './names';
import { DELIVERY_JOB, deliveryJobId, deliveryQueueName, queuePrefix } from './names';

/** The attempt limit BullMQ enforces; the real limit is the message's maximum age. */
export const UNBOUNDED_ATTEMPTS = 1_000_000;

export class DeliveryQueues {
  private readonly queues = new Map<string, Queue<DeliveryJobData>>();

  constructor(
    private readonly connection: Redis,
    private readonly redisPrefix: string,
  ) {}

  queue(endpointId: string): Queue<DeliveryJobData> {
    let queue = this.queues.get(endpointId);
    if (queue === undefined) {
      queue = new Queue<DeliveryJobData>(deliveryQueueName(endpointId), {
        connection: this.connection,
        prefix: queuePrefix(this.redisPrefix),
        defaultJobOptions: {
          attempts: UNBOUNDED_ATTEMPTS,
          backoff: { type: 'delivery-policy' },
          removeOnComplete: { age: 24 * 3600, count: 10_000 },
          // Failed jobs are the dead-letter list's mirror; the message store keeps the authoritative record.
          removeOnFail: false,
        },
      });
      this.queues.set(endpointId, queue);
    }
    return queue;
  }

  async enqueue(endpointId: string, messageId: string, generation = 0): Promise<void> {
    await this.queue(endpointId).add(DELIVERY_JOB, { messageId }, { jobId: deliveryJobId(messageId, generation) });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map(async (queue) => queue.close()));
    this.queues.clear();
  }
}
