/**
 * One queue's state as operators read it: jobs per BullMQ state and how long the oldest waiting job has waited,
 * for one queue or for every queue of the deployment. Shared by the metrics scrape and the `queues` and
 * `endpoints list` commands, so the gauges and the commands can never disagree on what a queue holds.
 */
import type { Queue } from 'bullmq';
import type { Config } from '../config/schema';
import type { QueueKind } from './board-queues';
import { deploymentQueues } from './board-queues';
import type { DeliveryQueues } from './producer';

/** The BullMQ job states worth watching: waiting (incl. prioritised), delayed (retry backoff), active, failed. */
export const WATCHED_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export type WatchedState = (typeof WATCHED_STATES)[number];

export interface QueueStats {
  readonly endpoint: string;
  readonly counts: Readonly<Record<WatchedState, number>>;
  /** Seconds the oldest waiting job has waited; 0 when none waits. */
  readonly oldestWaitingSeconds: number;
}

export async function queueStats(queues: DeliveryQueues, endpoint: string, now: number): Promise<QueueStats> {
  return statsOfQueue(queues.queue(endpoint), endpoint, now);
}

/** The same figures for any BullMQ queue, named by the endpoint it serves. */
export async function statsOfQueue(queue: Queue, endpoint: string, now: number): Promise<QueueStats> {
  const raw = await queue.getJobCounts(...WATCHED_STATES);
  const counts = Object.fromEntries(WATCHED_STATES.map((state) => [state, raw[state] ?? 0])) as Record<
    WatchedState,
    number
  >;
  // The oldest waiting job sits at one end of the wait list; which end depends on how BullMQ orders the
  // listing, so both ends are read (two jobs at most) and the earlier taken.
  const ends = [...(await queue.getWaiting(0, 0)), ...(await queue.getWaiting(-1, -1))];
  const oldest = Math.min(...ends.map((job) => job.timestamp));
  const oldestWaitingSeconds = ends.length === 0 ? 0 : Math.max(0, (now - oldest) / 1000);
  return { endpoint, counts, oldestWaitingSeconds };
}

/** One queue of the deployment: which endpoint it serves, what it carries, its BullMQ name and its state. */
export interface DeploymentQueueStats extends QueueStats {
  readonly queue: QueueKind;
  readonly name: string;
}

/** Every queue the configuration makes (delivery, Send Document, AuditEvent forwarding), endpoint by endpoint. */
export async function deploymentQueueStats(
  queues: DeliveryQueues,
  config: Pick<Config, 'endpoints'>,
  now: number,
): Promise<DeploymentQueueStats[]> {
  const rows: DeploymentQueueStats[] = [];
  for (const { endpoint, kind, name } of deploymentQueues(config)) {
    const queue = kind === 'delivery' ? queues.queue(endpoint) : queues.watch(name);
    rows.push({ ...(await statsOfQueue(queue, endpoint, now)), queue: kind, name });
  }
  return rows;
}
