/**
 * An endpoint's request budget: every HTTP request sent to one EHR (searches, reads, transactions, token requests)
 * takes one send slot, and a request waits, rather than fails, until its slot comes. The slots are reserved on one
 * schedule in Redis shared by every worker process, so the endpoint's requests stay within its declared rate over
 * any one-second window however many processes deliver to it.
 */
import { z } from 'zod';
import type { RedisConnection } from './connection';
import { LuaScript } from './lua-script';

export interface RequestBudget {
  /** Waits until one request may be sent, its slot reserved. */
  take(): Promise<void>;
  /** The rate requests are let out at now, in requests per second (before the safety margin). */
  rate(): number;
  /** Lets requests out at `perSecond` from the next slot on (held between the floor and the declared maximum). */
  setRate(perSecond: number): void;
  /** Holds every request until the given time (ms since the epoch); an earlier time than one already set is ignored. */
  pauseUntil(epochMs: number): void;
}

export interface RequestBudgetOptions {
  /** The endpoint's declared limit, which the requests never exceed in any one-second window. */
  readonly maxPerSecond: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Where one endpoint's shared schedule lives, under the deployment's prefix. */
export function requestBudgetKeyPrefix(prefix: string, endpointId: string): string {
  return `${prefix}:request-budget:${endpointId}`;
}

/** The lowest rate the budget lets out: one request a second, or the declared rate when that is lower. */
export function rateFloor(maxPerSecond: number): number {
  return Math.min(1, maxPerSecond);
}

/**
 * The share of the rate kept in hand: slots are spaced at the rate × (1 − margin). A request's way from its slot
 * to the EHR (the event loop, the connection pool, the network) varies by some milliseconds, so requests sent on
 * evenly spaced slots can arrive closer together than they were sent; the margin leaves room for that, so the EHR
 * still sees no more than the declared rate in any second.
 */
export const RATE_MARGIN = 0.05;

/** The gap between two slots at `perSecond`, with the safety margin, in whole microseconds (at least one). */
export function slotIntervalMicros(perSecond: number, margin = RATE_MARGIN): number {
  return Math.max(1, Math.ceil(1_000_000 / (perSecond * (1 - margin))));
}

/** Reserves the endpoint's next slot on the shared schedule (lua/reserve-send-slot.lua); answers µs to wait. */
export const RESERVE_SLOT = new LuaScript('reserve-send-slot', z.number().int().min(0));

const defaultSleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * A budget on a schedule in Redis: each request reserves the next free slot of the endpoint (Redis's own clock
 * decides, so every process shares one timeline) and waits for it. `redis` is called on the first request, so a
 * process that never sends one never connects for it. When Redis cannot be reached the process falls back to
 * spacing its own requests at the rate rather than stopping delivery.
 */
export function createRequestBudget(
  redis: () => RedisConnection,
  keyPrefix: string,
  options: RequestBudgetOptions,
): RequestBudget {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const max = options.maxPerSecond;
  const floor = rateFloor(max);
  const scheduleKey = `${keyPrefix}:schedule`;
  let current = max;
  let pausedUntil = 0;
  let nextLocalSlot = Number.NEGATIVE_INFINITY;

  async function waitUntil(at: number): Promise<void> {
    for (let wait = at - now(); wait > 0; wait = at - now()) {
      await sleep(wait);
    }
  }

  /** The shared slot: reserved in one step in Redis, then waited for here. */
  async function shared(): Promise<void> {
    const waitMicros = await RESERVE_SLOT.run(
      redis(),
      [scheduleKey],
      [slotIntervalMicros(current), Math.ceil(pausedUntil * 1000)],
    );
    await waitUntil(now() + waitMicros / 1000);
  }

  /** This process's own next slot, for when Redis cannot be reached. */
  async function spacedHere(): Promise<void> {
    const slot = Math.max(now(), pausedUntil, nextLocalSlot);
    nextLocalSlot = slot + slotIntervalMicros(current) / 1000;
    await waitUntil(slot);
  }

  return {
    async take() {
      try {
        await shared();
      } catch {
        await spacedHere();
      }
    },
    rate: () => current,
    setRate(perSecond) {
      current = Math.min(max, Math.max(floor, perSecond));
    },
    pauseUntil(epochMs) {
      pausedUntil = Math.max(pausedUntil, epochMs);
    },
  };
}
