/**
 * A steady 100 messages per second through the whole adapter (API and workers in one process) for the run's
 * steady seconds: accepted-to-delivered p50 and p99 from the store's own timestamps, the latency target of issue
 * 12; and the EHR requests that took, counted at the EHR.
 */
import { silentLogger } from '../../src/observability/logger';
import { runAdapter } from '../../src/runtime/run';
import { accept, runOpenLoop, sleep } from '../load';
import type { Scenario } from '../scenario';
import { percentiles } from '../stats';

const NAME = 'steady';
const PER_SECOND = 100;

export const steady: Scenario = {
  name: NAME,
  describe: 'a steady 100 msg/s: accepted-to-delivered p50 and p99',
  async run(context) {
    const adapter = await runAdapter(context.config(NAME), { api: true, worker: true, sandbox: false }, silentLogger());
    try {
      const docs = context.takeDocs(PER_SECOND * context.options.steadySeconds);
      const ids: string[] = [];
      await context.ehr.reset();
      await runOpenLoop(docs, PER_SECOND, async (doc) => {
        ids.push(await accept(adapter.apiUrl ?? '', doc));
      });
      const store = adapter.services.store;
      const deadline = Date.now() + 120_000;
      while ((await store.countByStatus('delivered')) < ids.length && Date.now() < deadline) {
        await sleep(50);
      }
      const counts = await context.ehr.counts();
      const records = await Promise.all(ids.map(async (id) => store.get(id)));
      const delivered = records.filter((r) => r?.deliveredAt !== undefined);
      const latency = percentiles(
        delivered.map((r) => Date.parse(r?.deliveredAt ?? '') - Date.parse(r?.receivedAt ?? '')),
      );
      return {
        figures: {
          offeredPerSecond: PER_SECOND,
          seconds: context.options.steadySeconds,
          accepted: ids.length,
          delivered: delivered.length,
          acceptedToDeliveredMs: latency,
          ...(counts !== undefined
            ? { ehrRequestsPerMessage: Math.round((counts.total / Math.max(1, delivered.length)) * 100) / 100 }
            : {}),
          note: "timestamps are the store's receivedAt and deliveredAt, to the millisecond",
        },
        targets: [
          {
            target: `steady ${String(PER_SECOND)} msg/s for ${String(context.options.steadySeconds)} s: accepted-to-delivered p99`,
            goal: '≤ 250 ms',
            measured: `${String(latency.p99)} ms (p50 ${String(latency.p50)} ms; ${String(delivered.length)} of ${String(ids.length)} delivered)`,
            ratio: Math.round((latency.p99 / 250) * 100) / 100,
            met: latency.p99 <= 250 && delivered.length === ids.length,
          },
        ],
      };
    } finally {
      await adapter.stop();
    }
  },
};
