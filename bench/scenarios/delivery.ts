/**
 * Delivery of a backlog: referrals accepted with the workers off, then the workers started and the drain timed.
 * Messages delivered per second into the EHR, the EHR requests that took (counted at the EHR) per second and per
 * message, and accepted-to-delivered time (which includes queueing, since the backlog was built first).
 */
import type { LoadedConfig } from '../../src/config/load';
import { silentLogger } from '../../src/observability/logger';
import { runAdapter } from '../../src/runtime/run';
import type { EhrCounts } from '../ehr';
import { accept, runPool, sleep } from '../load';
import type { BenchContext, Scenario } from '../scenario';
import { percentiles } from '../stats';

const NAME = 'delivery';

/** What draining one backlog measured. */
export interface Drained {
  readonly ids: readonly string[];
  readonly seconds: number;
  /** EHR requests during the drain, counted where they arrive (undefined for an external EHR). */
  readonly counts: EhrCounts | undefined;
  /** Accepted-to-delivered times of up to 1,000 of the messages, in ms. */
  readonly endToEndMs: readonly number[];
}

/**
 * Accepts `count` fresh referrals with the workers off, then starts the workers and times the drain until every
 * message is delivered (failing if any fails). Shared by the scenarios that measure a backlog's delivery.
 */
export async function drainBacklog(context: BenchContext, config: LoadedConfig, count: number): Promise<Drained> {
  const api = await runAdapter(config, { api: true, worker: false, sandbox: false }, silentLogger());
  const ids: string[] = [];
  try {
    await runPool(context.takeDocs(count), context.options.concurrency, async (doc) => {
      ids.push(await accept(api.apiUrl ?? '', doc));
    });
  } finally {
    await api.stop();
  }
  await context.ehr.reset();
  const started = performance.now();
  const workers = await runAdapter(config, { api: false, worker: true, sandbox: false }, silentLogger());
  try {
    const store = workers.services.store;
    for (;;) {
      const failed = await store.countByStatus('failed');
      if (failed > 0) {
        throw new Error(`${String(failed)} messages failed during the benchmark`);
      }
      if ((await store.countByStatus('delivered')) >= ids.length) {
        break;
      }
      await sleep(50);
    }
    const seconds = (performance.now() - started) / 1000;
    const counts = await context.ehr.counts();
    const records = await Promise.all(ids.slice(0, 1000).map(async (id) => store.get(id)));
    const endToEndMs = records.map((r) => (r?.deliveredAt ? Date.parse(r.deliveredAt) - Date.parse(r.receivedAt) : 0));
    return { ids, seconds, counts, endToEndMs };
  } finally {
    await workers.stop();
  }
}

export const delivery: Scenario = {
  name: NAME,
  describe: 'a backlog drained into the EHR: delivered/s, EHR requests/s and per message',
  async run(context) {
    const { ids, seconds, counts, endToEndMs } = await drainBacklog(
      context,
      context.config(NAME),
      context.options.messages,
    );
    const perMessage = counts === undefined ? undefined : Math.round((counts.total / ids.length) * 100) / 100;
    return {
      figures: {
        messages: ids.length,
        ehrConcurrency: context.options.ehrConcurrency,
        deliveredPerSecond: Math.round(ids.length / seconds),
        drainSeconds: Math.round(seconds * 10) / 10,
        ehrRequests: counts ?? 'not counted (external EHR)',
        ...(counts !== undefined
          ? { ehrRequestsPerSecond: Math.round(counts.total / seconds), ehrRequestsPerMessage: perMessage }
          : {}),
        acceptedToDeliveredMs: percentiles(endToEndMs),
        note: 'the backlog is built first, so accepted-to-delivered includes queueing time',
      },
      targets: [
        {
          target: 'EHR requests per delivered referral (3 to 4 before the lookup cache)',
          goal: '≤ 2',
          measured: perMessage === undefined ? 'not counted (external EHR)' : String(perMessage),
          ...(perMessage !== undefined
            ? { ratio: Math.round((perMessage / 2) * 100) / 100, met: perMessage <= 2 }
            : {}),
        },
      ],
    };
  },
};
