/**
 * Puts each endpoint queue's depth by state and the age of its oldest waiting job into the metrics at scrape time,
 * so practice IT can alert on a backlog that grows or a message that waits too long.
 */
import type { Metrics } from '../observability/metrics';
import type { DeliveryQueues } from './producer';

/** The BullMQ job states worth watching: waiting (incl. prioritised), delayed (retry backoff), active, failed. */
export const WATCHED_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export function watchQueueMetrics(
  metrics: Metrics,
  queues: DeliveryQueues,
  endpointIds: readonly string[],
  now: () => number = Date.now,
): void {
  metrics.onScrape(async () => {
    for (const endpoint of endpointIds) {
      const queue = queues.queue(endpoint);
      const counts = await queue.getJobCounts(...WATCHED_STATES);
      for (const state of WATCHED_STATES) {
        metrics.queueJobs.set({ endpoint, state }, counts[state] ?? 0);
      }
      // The oldest waiting job sits at one end of the wait list; which end depends on how BullMQ orders the
      // listing, so both ends are read (two jobs at most) and the earlier taken.
      const ends = [...(await queue.getWaiting(0, 0)), ...(await queue.getWaiting(-1, -1))];
      const oldest = Math.min(...ends.map((job) => job.timestamp));
      const age = ends.length === 0 ? 0 : Math.max(0, (now() - oldest) / 1000);
      metrics.queueOldestWaitingSeconds.set({ endpoint }, age);
    }
  });
}
