/**
 * One queue's state as operators read it: jobs per BullMQ state and how long the oldest waiting job has waited.
 * Shared by the metrics scrape and the `queues` and `endpoints list` commands.
 */
import type { Queue } from 'bullmq';
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
