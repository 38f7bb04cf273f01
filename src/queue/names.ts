/**
 * Queue names and job shapes. There is one delivery queue per target endpoint, so a slow or broken EHR only ever
 * holds up its own messages. Job data carries ids only: patient data stays in the message store.
 */

export interface DeliveryJobData {
  readonly messageId: string;
}

export const DELIVERY_JOB = 'deliver';

export function deliveryQueueName(endpointId: string): string {
  return `deliver-${endpointId}`;
}

/** BullMQ's own key prefix, under the adapter's prefix so tests and deployments stay apart. */
export function queuePrefix(redisPrefix: string): string {
  return `${redisPrefix}:q`;
}

/**
 * The job id for a message's delivery. BullMQ ignores an add whose id already exists, which makes enqueueing
 * idempotent; a replay uses a new generation so it is not mistaken for the finished job.
 */
export function deliveryJobId(messageId: string, generation = 0): string {
  return generation === 0 ? messageId : `${messageId}.r${generation}`;
}
