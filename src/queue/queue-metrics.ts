/**
 * Puts each endpoint queue's depth by state and the age of its oldest waiting job into the metrics at scrape time,
 * so practice IT can alert on a backlog that grows or a message that waits too long.
 */
import type { Metrics } from '../observability/metrics';
import type { DeliveryQueues } from './producer';
import { WATCHED_STATES, queueStats } from './queue-stats';

export { WATCHED_STATES } from './queue-stats';

export function watchQueueMetrics(
  metrics: Metrics,
  queues: DeliveryQueues,
  endpointIds: readonly string[],
  now: () => number = Date.now,
): void {
  metrics.onScrape(async () => {
    for (const endpoint of endpointIds) {
      const stats = await queueStats(queues, endpoint, now());
      for (const state of WATCHED_STATES) {
        metrics.queueJobs.set({ endpoint, state }, stats.counts[state]);
      }
      metrics.queueOldestWaitingSeconds.set({ endpoint }, stats.oldestWaitingSeconds);
    }
  });
}
