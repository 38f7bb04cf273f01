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
  private readonly watched = new Map<string, Queue>();

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

  /**
   * Enqueues a message that may have been delivered or failed before (a replay, or an outbox sweep after one): a
   * finished job with the same id would make BullMQ ignore the add, so it is removed first. A job still waiting or
   * running is left alone; it will deliver the message anyway.
   */
  async requeue(endpointId: string, messageId: string): Promise<void> {
    const queue = this.queue(endpointId);
    const existing = await queue.getJob(deliveryJobId(messageId));
    if (existing !== undefined) {
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') {
        await existing.remove();
      }
    }
    await this.enqueue(endpointId, messageId);
  }

  /**
   * Any queue of the deployment by its BullMQ name (a Send Document or AuditEvent queue too), on the same
   * connection, for reading its state: operators' commands look, they never add jobs through it.
   */
  watch(name: string): Queue {
    let queue = this.watched.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: this.connection, prefix: queuePrefix(this.redisPrefix) });
      this.watched.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values(), ...this.watched.values()].map(async (queue) => queue.close()));
    this.queues.clear();
    this.watched.clear();
  }
}
