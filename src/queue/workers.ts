/**
 * Starts one BullMQ worker per target endpoint, each with that endpoint's concurrency (lowered and raised again by
 * the endpoint's back-pressure, which also pauses the queue when the EHR says when to come back), and the outbox
 * sweeper that re-enqueues messages accepted by an API process that died before confirming the enqueue.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryDeps } from '../delivery/deliver-message';
import type { Endpoint } from '../delivery/endpoints';
import type { Logger } from '../observability/logger';
import { runPeriodically } from '../lib/periodic';
import type { MessageStore } from '../store/message-store';
import type { Metrics } from '../observability/metrics';
import type { DeliveryJobData } from './names';
import { deliveryQueueName, queuePrefix } from './names';
import { RetryLaterError, createDeliveryProcessor, deliveryBackoff } from './processor';
import type { DeliveryQueues } from './producer';

export interface WorkerPool {
  readonly workers: readonly Worker<DeliveryJobData>[];
  /**
   * Stops taking jobs and waits up to `graceMs` for in-flight deliveries. Jobs still running after that keep
   * their lock until it lapses and are then taken over by another worker, so nothing is lost or done twice.
   */
  close(graceMs?: number): Promise<void>;
}

export interface WorkerPoolOptions {
  readonly connection: Redis;
  readonly redisPrefix: string;
  readonly endpoints: readonly Endpoint[];
  readonly deps: DeliveryDeps;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** The endpoints' queues, which back-pressure pauses when the EHR says when to come back. */
  readonly queues?: DeliveryQueues;
  /** How long a job stays locked to its worker before a crashed worker's job is taken over. */
  readonly lockDurationMs?: number;
  /** How often stalled jobs (their worker died) are looked for. */
  readonly stalledIntervalMs?: number;
}

/**
 * A job whose worker died is taken over however many times that happens: giving up would leave its message
 * "delivering" for ever, and redelivery is harmless (conditional writes, version check, record lease).
 */
export const UNBOUNDED_STALLS = 1_000_000;

/**
 * The BullMQ limiter (at most `max` deliveries per `duration` ms): every delivery sends at least one request, so
 * no more deliveries start per second than the endpoint allows requests. The requests themselves are counted by
 * the endpoint's request budget (`store/request-budget.ts`); this limiter is also what lets back-pressure pause the
 * whole queue (`Worker.rateLimit` only holds jobs back on a queue that has one). Below one a second the window
 * stretches instead of rounding up to one a second.
 */
export function deliveryLimiter(maxRequestsPerSecond: number): { max: number; duration: number } {
  if (maxRequestsPerSecond >= 1) {
    return { max: Math.floor(maxRequestsPerSecond), duration: 1000 };
  }
  return { max: 1, duration: Math.ceil(1000 / maxRequestsPerSecond) };
}

export function startDeliveryWorkers(options: WorkerPoolOptions): WorkerPool {
  const deliver = createDeliveryProcessor(options.deps);
  const workers = options.endpoints.map((endpoint) => {
    const labels = { endpoint: endpoint.config.id };
    const processor: typeof deliver = async (job) => {
      const stopTimer = options.metrics?.deliveryDuration.startTimer(labels);
      let result = 'error';
      try {
        const decision = await deliver(job);
        result = decision.kind;
        return decision;
      } catch (error) {
        result = error instanceof RetryLaterError ? 'retry' : error instanceof UnrecoverableError ? 'failed' : 'error';
        throw error;
      } finally {
        stopTimer?.({ result });
        options.metrics?.deliveries.inc({ ...labels, result });
      }
    };
    const worker = new Worker<DeliveryJobData>(deliveryQueueName(endpoint.config.id), processor, {
      connection: options.connection,
      prefix: queuePrefix(options.redisPrefix),
      concurrency: endpoint.config.concurrency,
      limiter: deliveryLimiter(endpoint.config.maxRequestsPerSecond),
      settings: { backoffStrategy: deliveryBackoff },
      maxStalledCount: UNBOUNDED_STALLS,
      ...(options.lockDurationMs !== undefined ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs !== undefined ? { stalledInterval: options.stalledIntervalMs } : {}),
    });
    const log = options.logger.child({ endpoint: endpoint.config.id });
    const queue = options.queues?.queue(endpoint.config.id);
    followBackPressure(worker, endpoint, log, queue !== undefined ? async (ms) => queue.rateLimit(ms) : undefined);
    worker.on('error', (error) => {
      log.error({ err: error }, 'delivery worker error');
    });
    worker.on('failed', (job, error) => {
      log.info(
        { jobId: job?.id, messageId: job?.data.messageId, attempt: job?.attemptsMade, reason: error.name },
        'delivery attempt did not deliver',
      );
    });
    worker.on('completed', (job) => {
      log.debug({ jobId: job.id, messageId: job.data.messageId }, 'delivery job completed');
    });
    return worker;
  });
  return {
    workers,
    async close(graceMs = Number.POSITIVE_INFINITY) {
      const graceful = Promise.all(workers.map(async (worker) => worker.close()));
      if (!Number.isFinite(graceMs)) {
        await graceful;
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => {
          resolve('expired');
        }, graceMs);
      });
      const outcome = await Promise.race([graceful.then(() => 'closed' as const), expired]);
      clearTimeout(timer);
      if (outcome === 'expired') {
        options.logger.warn(
          { graceMs },
          'in-flight deliveries did not finish in time; another worker will resume them',
        );
        await Promise.all(workers.map(async (worker) => worker.close(true)));
      }
    },
  };
}

/**
 * Applies the endpoint's back-pressure to its worker: the allowed concurrency at once, and a pause of the whole
 * queue (every worker process) until the server's reset time when it gave one. The request budget has already
 * been changed by the time this is told.
 */
function followBackPressure(
  worker: Worker<DeliveryJobData>,
  endpoint: Endpoint,
  log: Logger,
  pauseQueue: ((ms: number) => Promise<void>) | undefined,
): void {
  const { pacing } = endpoint;
  if (pacing === undefined) {
    return;
  }
  worker.concurrency = pacing.limits().concurrency;
  let pausedUntil = 0;
  pacing.onChange(({ reason, limits }) => {
    worker.concurrency = limits.concurrency;
    log.info({ reason, rate: limits.rate, concurrency: limits.concurrency }, 'endpoint back-pressure changed');
    const pauseMs = limits.pausedUntil - Date.now();
    if (pauseQueue !== undefined && limits.pausedUntil > pausedUntil && pauseMs > 0) {
      pausedUntil = limits.pausedUntil;
      pauseQueue(pauseMs).catch((error: unknown) => {
        log.warn({ err: error }, 'could not pause the endpoint queue; its request budget still holds requests');
      });
    }
  });
}

export interface OutboxSweeper {
  sweepOnce(): Promise<number>;
  stop(): void;
}

/**
 * Periodically re-enqueues accepted messages whose enqueue was never confirmed. Enqueueing is idempotent (the job
 * id is the message id) and delivery re-checks the message's state, so a sweep that races a live API is harmless.
 */
export function startOutboxSweeper(options: {
  readonly store: MessageStore;
  readonly queues: DeliveryQueues;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly now: () => Date;
}): OutboxSweeper {
  const sweepOnce = async (): Promise<number> => {
    const due = await options.store.outboxDue(new Date(options.now().getTime() - options.intervalMs), 500);
    let count = 0;
    for (const id of due) {
      const record = await options.store.get(id);
      if (record !== undefined) {
        await options.queues.requeue(record.endpointId, id);
      }
      await options.store.markEnqueued(id);
      count += 1;
    }
    if (count > 0) {
      options.logger.warn({ count }, 'outbox sweep enqueued messages whose enqueue had not been confirmed');
    }
    return count;
  };
  const schedule = runPeriodically(sweepOnce, {
    intervalMs: options.intervalMs,
    onError: (error) => {
      options.logger.warn({ err: error }, 'outbox sweep failed; will try again');
    },
  });
  return {
    sweepOnce,
    stop: () => {
      schedule.stop();
    },
  };
}
