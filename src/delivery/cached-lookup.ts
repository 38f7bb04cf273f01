/**
 * An EHR lookup served from the endpoint's resolution cache when it can be, and remembered when it had to be
 * searched. A lookup served from the cache says so (`cached`), so the attempt can have the EHR confirm it inside
 * the transaction and forget it when the EHR no longer holds it.
 */
import type { Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { AttemptResult } from './outcome';
import type { Resolution, ResolutionCache, ResolutionKind } from './resolution-cache';

/** A resolution an attempt took from the cache: what it was cached under and the reference it stands for. */
export interface CachedUse {
  readonly kind: ResolutionKind;
  readonly key: string;
  /** `Patient/<id>` or `ServiceRequest/<id>`. */
  readonly reference: string;
}

export type Lookup<T extends Resource> =
  | { readonly found: Reference<T>; readonly resource: T; readonly cached?: CachedUse }
  | { readonly result: AttemptResult };

/** How an attempt uses the cache: a retry after a stale entry searches again but still remembers what it finds. */
export interface CacheUse {
  readonly cache: ResolutionCache | undefined;
  readonly read: boolean;
}

function resolutionOf(resource: Resource & { id: string }): Resolution {
  if (resource.resourceType !== 'Patient') {
    return { id: resource.id };
  }
  const patient: Patient = resource;
  return {
    id: resource.id,
    ...(patient.name !== undefined ? { name: patient.name } : {}),
    ...(patient.birthDate !== undefined ? { birthDate: patient.birthDate } : {}),
  };
}

export async function cachedLookup<T extends Resource>(
  use: CacheUse,
  what: { readonly kind: ResolutionKind; readonly key: string; readonly resourceType: T['resourceType'] },
  search: () => Promise<Lookup<T>>,
): Promise<Lookup<T>> {
  const { cache } = use;
  const hit = use.read ? await cache?.get(what.kind, what.key) : undefined;
  if (hit !== undefined) {
    const reference = `${what.resourceType}/${hit.id}`;
    // The cached fields are the ones the lookup asked the EHR for (_elements), so the resource reads the same.
    const resource = { ...hit, resourceType: what.resourceType } as unknown as T;
    return { found: { reference }, resource, cached: { kind: what.kind, key: what.key, reference } };
  }
  const looked = await search();
  if (cache !== undefined && 'found' in looked && looked.resource.id !== undefined) {
    await cache.remember(what.kind, what.key, resolutionOf({ ...looked.resource, id: looked.resource.id }));
  }
  return looked;
}
