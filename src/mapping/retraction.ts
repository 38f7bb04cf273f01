/**
 * Retraction in the GP record. A record sent in error is withdrawn by a newer version marked `enteredInError`:
 * every resource it writes is written once more with the status R4 gives a record made in error. A newer version
 * that no longer contains a part the previous one wrote (a need or goal dropped from a plan, a barrier dropped from
 * a connection) retracts that part the same way, so nothing stale is left behind in the record.
 */
import type { Extension } from '@medplum/fhirtypes';
import { EXTENSIONS, PROFILES } from './codes';
import { identifierToken } from './identifiers';
import type { NarratedResource } from './narrative';

/** The mapped resources a retraction may touch (the Provenance records a delivery and is never retracted). */
export type RetractableResource = Exclude<NarratedResource, { resourceType: 'Provenance' }>;

/**
 * Parts that record a moment rather than a part of the record: each readiness assessment keeps its own entry, and
 * the national coded entry stays true once the person has answered (a withdrawal does not undo an acceptance).
 * They are retracted only with the whole record.
 */
const HISTORY_PROFILES: ReadonlySet<string> = new Set([PROFILES.readiness, PROFILES.nationalCoding]);

/** The resource as entered in error: its status (a Goal's lifecycle status) says so, nothing else changes. */
export function enteredInError(resource: RetractableResource): RetractableResource {
  switch (resource.resourceType) {
    case 'Goal': {
      const goal = { ...resource, lifecycleStatus: 'entered-in-error' as const };
      // An achievement of a goal that should never have been recorded means nothing.
      delete goal.achievementStatus;
      return goal;
    }
    case 'ServiceRequest':
    case 'Task':
    case 'Observation':
    case 'Encounter':
    case 'CarePlan':
    case 'EpisodeOfCare':
    case 'Flag':
    case 'Consent':
      return { ...resource, status: 'entered-in-error' };
  }
}

/** Whether the resource is a history entry, retracted only with the whole record. */
export function isHistoryEntry(resource: { readonly meta?: { readonly profile?: readonly string[] } }): boolean {
  return HISTORY_PROFILES.has(resource.meta?.profile?.[0] ?? '');
}

/**
 * A part an earlier version wrote, as the EHR holds it, written again as entered in error by this version: the
 * server's own bookkeeping (version, update time) is left to the server, labels and profile are kept.
 */
export function retractedCopy(held: RetractableResource, version: number): RetractableResource {
  const { meta, ...rest } = held;
  const kept = {
    ...rest,
    ...(meta !== undefined
      ? {
          meta: {
            ...(meta.profile !== undefined ? { profile: meta.profile } : {}),
            ...(meta.security !== undefined ? { security: meta.security } : {}),
          },
        }
      : {}),
  } as RetractableResource;
  return enteredInError(atVersion(kept, version));
}

function key(resource: RetractableResource): string | undefined {
  const identifier = resource.identifier?.[0];
  return identifier === undefined ? undefined : `${resource.resourceType}\n${identifierToken(identifier)}`;
}

/** The source-record-version extension set to `version`: the retracting version is the one that last wrote it. */
function atVersion<T extends RetractableResource>(resource: T, version: number): T {
  const extension = (resource.extension ?? []).map((ext: Extension): Extension =>
    ext.url === EXTENSIONS.sourceRecordVersion ? { ...ext, valueInteger: version } : ext,
  );
  return { ...resource, extension };
}

/**
 * What the previous version wrote and the current one does not, as entered in error. History entries are kept
 * unless the whole record is retracted.
 */
export function droppedParts(
  previous: readonly RetractableResource[],
  current: readonly RetractableResource[],
  options: { readonly wholeRecord: boolean; readonly version: number },
): RetractableResource[] {
  const kept = new Set(current.map(key));
  return previous
    .filter((resource) => !kept.has(key(resource)))
    .filter((resource) => options.wholeRecord || !isHistoryEntry(resource))
    .map((resource) => enteredInError(atVersion(resource, options.version)));
}
