/**
 * One message at a time on an idle adapter, the link worker's everyday case: how long from the POST until the
 * store says delivered (polled every 5 ms).
 */
import { silentLogger } from '../../src/observability/logger';
import { runAdapter } from '../../src/runtime/run';
import { accept, sleep } from '../load';
import type { Scenario } from '../scenario';
import { percentiles } from '../stats';

const NAME = 'single';

export const single: Scenario = {
  name: NAME,
  describe: 'one message at a time on an idle adapter: POST to delivered',
  async run(context) {
    const adapter = await runAdapter(context.config(NAME), { api: true, worker: true, sandbox: false }, silentLogger());
    try {
      const times: number[] = [];
      for (const doc of context.takeDocs(context.options.singleMessages)) {
        const started = performance.now();
        const id = await accept(adapter.apiUrl ?? '', doc);
        for (;;) {
          const record = await adapter.services.store.get(id);
          if (record?.status === 'delivered') {
            break;
          }
          if (record === undefined || record.status === 'failed') {
            throw new Error(`message ${id} failed during the benchmark`);
          }
          await sleep(5);
        }
        times.push(performance.now() - started);
      }
      return { figures: { count: times.length, postToDeliveredMs: percentiles(times) } };
    } finally {
      await adapter.stop();
    }
  },
};
