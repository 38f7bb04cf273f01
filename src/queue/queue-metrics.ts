/**
 * Puts the depth by state and the age of the oldest waiting job of every queue of the deployment (each endpoint's
 * delivery queue, its Send Document queue and its AuditEvent forwarding queue), and the episode documents waiting
 * for a business acknowledgement, into the metrics at scrape time, so practice IT can alert on a backlog that
 * grows, a job that waits too long or a practice that stops answering. Everything is read from Redis, so any
 * process that serves /metrics reports the whole deployment.
 */
import type { Config } from '../config/schema';
import type { Metrics } from '../observability/metrics';
import type { EpisodeDocumentStore } from '../store/episode-documents';
import type { DeliveryQueues } from './producer';
import { WATCHED_STATES, deploymentQueueStats } from './queue-stats';

export { WATCHED_STATES } from './queue-stats';

export interface QueueMetricsSources {
  readonly queues: DeliveryQueues;
  /** The episode documents, for the acknowledgements outstanding of each endpoint using the MESH route. */
  readonly documents: Pick<EpisodeDocumentStore, 'countByEndpoint'>;
  readonly config: Pick<Config, 'endpoints'>;
  readonly now?: () => number;
}

export function watchQueueMetrics(metrics: Metrics, sources: QueueMetricsSources): void {
  const now = sources.now ?? Date.now;
  metrics.onScrape(async () => {
    // The same reader as the `queues` command: the gauges show what the command lists.
    for (const stats of await deploymentQueueStats(sources.queues, sources.config, now())) {
      const labels = { endpoint: stats.endpoint, queue: stats.queue };
      for (const state of WATCHED_STATES) {
        metrics.queueJobs.set({ ...labels, state }, stats.counts[state]);
      }
      metrics.queueOldestWaitingSeconds.set(labels, stats.oldestWaitingSeconds);
    }
  });
  const meshEndpoints = sources.config.endpoints
    .filter((endpoint) => endpoint.routes.includes('mesh-send-document'))
    .map((endpoint) => endpoint.id);
  if (meshEndpoints.length > 0) {
    metrics.onScrape(async () => {
      const outstanding = await sources.documents.countByEndpoint('awaiting-ack');
      for (const endpoint of meshEndpoints) {
        metrics.acknowledgementsOutstanding.set({ endpoint }, outstanding.get(endpoint) ?? 0);
      }
    });
  }
}
