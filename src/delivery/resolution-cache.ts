/**
 * Remembers, per endpoint, what a delivery's EHR lookups found (the Patient for an NHS number, the ServiceRequest
 * for a referral identifier), so the next message for the same patient or referral needs no search. Entries live
 * in a bounded in-memory LRU with a TTL and, when given, in Redis for every worker of the deployment. A cached
 * resolution is a hint, never the truth: the transaction that uses one re-reads it inside itself (see
 * verify-reads.ts), and a resolution the EHR no longer holds is forgotten and looked up again.
 */
import { z } from 'zod';
import type { EndpointConfig } from '../config/schema';
import { LruCache } from '../lib/lru-cache';
import type { ResolutionKind, SharedResolutions } from '../store/shared-resolutions';

export type { ResolutionKind };

/** What a lookup found: the resource's id and, for a patient, the fields patient matching compares. */
export interface Resolution {
  readonly id: string;
  readonly name?: readonly { readonly family?: string }[];
  readonly birthDate?: string;
}

const resolutionSchema = z.object({
  id: z.string().min(1),
  name: z.array(z.object({ family: z.string().optional() })).optional(),
  birthDate: z.string().optional(),
});

export interface ResolutionCache {
  get(kind: ResolutionKind, key: string): Promise<Resolution | undefined>;
  remember(kind: ResolutionKind, key: string, resolution: Resolution): Promise<void>;
  forget(kind: ResolutionKind, key: string): Promise<void>;
}

export interface ResolutionCacheOptions {
  readonly endpointId: string;
  /** Entries kept in memory; 0 turns the cache off (the shared side included). */
  readonly maxEntries: number;
  readonly ttlMs: number;
  /** The deployment-wide side in Redis; without it each process keeps its own. */
  readonly shared?: SharedResolutions;
  readonly now?: () => number;
  /** Told when Redis cannot be reached: the lookup then goes to the EHR as if nothing were cached. */
  readonly onSharedError?: (error: unknown) => void;
}

/** Only what patient matching needs is kept: the family names and the birth date, not the whole Patient. */
function trimmed(resolution: Resolution): Resolution {
  return {
    id: resolution.id,
    ...(resolution.name !== undefined
      ? { name: resolution.name.map((name) => (name.family !== undefined ? { family: name.family } : {})) }
      : {}),
    ...(resolution.birthDate !== undefined ? { birthDate: resolution.birthDate } : {}),
  };
}

function parsed(text: string | undefined): Resolution | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const result = resolutionSchema.safeParse(JSON.parse(text));
    return result.success ? trimmed(result.data) : undefined;
  } catch {
    return undefined;
  }
}

export function createResolutionCache(options: ResolutionCacheOptions): ResolutionCache {
  const { endpointId, shared, maxEntries, ttlMs } = options;
  const local = new LruCache<Resolution>({ maxEntries, ttlMs, ...(options.now ? { now: options.now } : {}) });
  const enabled = maxEntries > 0;
  const sharedCall = async <T>(call: (side: SharedResolutions) => Promise<T>): Promise<T | undefined> => {
    if (shared === undefined || !enabled) {
      return undefined;
    }
    try {
      return await call(shared);
    } catch (error) {
      options.onSharedError?.(error);
      return undefined;
    }
  };
  const localKey = (kind: ResolutionKind, key: string): string => `${kind}\n${key}`;
  return {
    async get(kind, key) {
      const hit = local.get(localKey(kind, key));
      if (hit !== undefined) {
        return hit;
      }
      const fromShared = parsed(await sharedCall(async (side) => side.get(endpointId, kind, key)));
      if (fromShared !== undefined) {
        local.set(localKey(kind, key), fromShared);
      }
      return fromShared;
    },
    async remember(kind, key, resolution) {
      if (!enabled) {
        return;
      }
      const kept = trimmed(resolution);
      local.set(localKey(kind, key), kept);
      await sharedCall(async (side) => side.set(endpointId, kind, key, JSON.stringify(kept), ttlMs));
    },
    async forget(kind, key) {
      local.delete(localKey(kind, key));
      await sharedCall(async (side) => side.delete(endpointId, kind, key));
    },
  };
}

/** One cache per configured endpoint, as its `lookupCache` settings say; none for an endpoint that turns it off. */
export function endpointResolutionCaches(
  endpoints: readonly Pick<EndpointConfig, 'id' | 'lookupCache'>[],
  shared: SharedResolutions | undefined,
  onSharedError?: (error: unknown) => void,
): (endpointId: string) => ResolutionCache | undefined {
  const caches = new Map<string, ResolutionCache>();
  for (const { id, lookupCache } of endpoints) {
    if (lookupCache.maxEntries > 0) {
      caches.set(
        id,
        createResolutionCache({
          endpointId: id,
          maxEntries: lookupCache.maxEntries,
          ttlMs: lookupCache.ttlSeconds * 1000,
          ...(lookupCache.shared && shared !== undefined ? { shared } : {}),
          ...(onSharedError !== undefined ? { onSharedError } : {}),
        }),
      );
    }
  }
  return (endpointId) => caches.get(endpointId);
}
