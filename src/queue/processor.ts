/**
 * The delivery worker's job processor: a thin translation from the domain's decision to BullMQ's vocabulary.
 * Delivered and settled jobs complete, permanent failures stop retrying, transient ones throw so BullMQ retries
 * after the delay the delivery policy chose.
 */
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { DeliveryDecision, DeliveryDeps } from '../delivery/deliver-message';
import { deliverMessage } from '../delivery/deliver-message';
import type { DeliveryJobData } from './names';

/** A transient failure carrying the wait the delivery policy chose for the next attempt. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** The processor reads only the job's data, so it can be run without a queue. */
export type DeliveryJob = Pick<Job<DeliveryJobData>, 'data'>;

export type DeliveryProcessor = (job: DeliveryJob) => Promise<DeliveryDecision>;

export function createDeliveryProcessor(deps: DeliveryDeps): DeliveryProcessor {
  return async (job) => {
    const decision = await deliverMessage(job.data.messageId, deps);
    switch (decision.kind) {
      case 'delivered':
      case 'settled':
      case 'superseded':
        return decision;
      case 'failed':
        throw new UnrecoverableError(decision.reason);
      case 'retry':
        throw new RetryLaterError(decision.reason, decision.delayMs);
    }
  };
}

/** BullMQ backoff strategy: use the delay the delivery policy already chose. */
export function deliveryBackoff(_attemptsMade: number, _type?: string, error?: Error): number {
  return error instanceof RetryLaterError ? error.delayMs : 1000;
}
