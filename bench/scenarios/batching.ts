/**
 * Micro-batching measured against the same EHR in the same run: one backlog drained with the endpoint's
 * transactions sent one message at a time, then another of the same size drained with `batch` set, so that
 * transactions of messages ready together go out as one. Delivered/s, EHR requests/s and per message, and the
 * transactions sent, side by side.
 */
import type { LoadedConfig } from '../../src/config/load';
import type { Scenario } from '../scenario';
import { percentiles } from '../stats';
import type { Drained } from './delivery';
import { drainBacklog } from './delivery';

const NAME = 'batching';
/** The settings measured: up to 50 entries (some 15 referrals) per transaction, waiting at most 20 ms for them. */
const BATCH = { maxEntries: 50, maxWaitMs: 20 } as const;

function batched(config: LoadedConfig): LoadedConfig {
  return { ...config, endpoints: config.endpoints.map((endpoint) => ({ ...endpoint, batch: BATCH })) };
}

function figuresOf({ ids, seconds, counts, endToEndMs }: Drained): Record<string, unknown> {
  const round = (value: number): number => Math.round(value * 100) / 100;
  return {
    messages: ids.length,
    deliveredPerSecond: Math.round(ids.length / seconds),
    drainSeconds: Math.round(seconds * 10) / 10,
    ...(counts !== undefined
      ? {
          ehrRequestsPerSecond: Math.round(counts.total / seconds),
          ehrRequestsPerMessage: round(counts.total / ids.length),
          transactions: counts.byKind['POST /'] ?? 0,
          ehrRequests: counts,
        }
      : { ehrRequests: 'not counted (external EHR)' }),
    acceptedToDeliveredMs: percentiles([...endToEndMs]),
  };
}

export const batching: Scenario = {
  name: NAME,
  describe: 'the same backlog drained without and with micro-batching: delivered/s and EHR requests/s',
  async run(context) {
    const count = context.options.messages;
    const plain = figuresOf(await drainBacklog(context, context.config(`${NAME}-off`), count));
    const withBatches = figuresOf(await drainBacklog(context, batched(context.config(`${NAME}-on`)), count));
    const rate = (figures: Record<string, unknown>): number => Number(figures.deliveredPerSecond);
    const ratio = rate(plain) > 0 ? Math.round((rate(withBatches) / rate(plain)) * 100) / 100 : undefined;
    return {
      figures: {
        ehrConcurrency: context.options.ehrConcurrency,
        batch: BATCH,
        withoutBatching: plain,
        withBatching: withBatches,
        note: 'two backlogs of the same size, one after the other, against the same EHR',
      },
      targets: [
        {
          target: 'delivered/s with micro-batching, against the same backlog without it',
          goal: '> 1×',
          measured: `${String(rate(withBatches))}/s vs ${String(rate(plain))}/s`,
          ...(ratio !== undefined ? { ratio, met: ratio > 1 } : {}),
        },
      ],
    };
  },
};
