/**
 * When an episode ends, what is still open in it is closed too, as R4 defines each status: the care and support
 * plan ends (completed, or revoked when the episode was cut short) with the episode's end as its period end, open
 * goals stop being sought (completed, or cancelled when the episode was cut short) and open connections are no
 * longer pursued (revoked). The worker finds the parts in the EHR; this module only decides what they become.
 */
import type { CarePlan, EpisodeOfCare, Goal, Reference, Resource, ServiceRequest } from '@medplum/fhirtypes';
import type { ReferralMessage } from '../messages/schemas';
import { EXTENSIONS, PROFILES } from './codes';

/** A resource of the episode that closing it may change. */
export type EpisodePart = Goal | CarePlan | ServiceRequest;

/** The profiles of the parts an episode closes, by resource type (the worker searches for these). */
export const EPISODE_PART_PROFILES = {
  Goal: PROFILES.goal,
  CarePlan: PROFILES.supportPlan,
  ServiceRequest: PROFILES.connection,
} as const;

const OPEN_GOAL: ReadonlySet<Goal['lifecycleStatus']> = new Set([
  'proposed',
  'planned',
  'accepted',
  'active',
  'on-hold',
]);
const OPEN_REQUEST: ReadonlySet<string> = new Set(['draft', 'active', 'on-hold']);

/** How the episode ended, or undefined while it runs (or when the referral itself is being retracted). */
export function episodeEnd(message: ReferralMessage): { readonly at: string; readonly completed: boolean } | undefined {
  if (message.enteredInError === true) {
    return undefined;
  }
  if (message.status === 'completed' || message.status === 'withdrawn') {
    return { at: message.closure?.closedAt ?? message.source.sentAt, completed: message.status === 'completed' };
  }
  if (message.status === 'declined') {
    return { at: message.respondedAt ?? message.source.sentAt, completed: false };
  }
  return undefined;
}

function sameReference(a: Reference | undefined, b: Reference<EpisodeOfCare>): boolean {
  return a?.reference === b.reference;
}

/** Whether `resource` is one of the project's parts of the episode `episode` (by profile and episode link). */
export function belongsToEpisode(resource: Resource, episode: Reference<EpisodeOfCare>): resource is EpisodePart {
  const profile = resource.meta?.profile ?? [];
  const extensions = (resource as { extension?: { url?: string; valueReference?: Reference }[] }).extension ?? [];
  const linked = (url: string): boolean =>
    extensions.some((extension) => extension.url === url && sameReference(extension.valueReference, episode));
  if (resource.resourceType === 'Goal') {
    return profile.includes(EPISODE_PART_PROFILES.Goal) && linked(EXTENSIONS.goalEpisodeOfCare);
  }
  if (resource.resourceType === 'CarePlan') {
    return (
      profile.includes(EPISODE_PART_PROFILES.CarePlan) &&
      (resource.supportingInfo ?? []).some((info) => sameReference(info, episode))
    );
  }
  if (resource.resourceType === 'ServiceRequest') {
    return profile.includes(EPISODE_PART_PROFILES.ServiceRequest) && linked(EXTENSIONS.workflowEpisodeOfCare);
  }
  return false;
}

/** Only the profile of what the EHR returned is kept: its version and bookkeeping are the EHR's own. */
function asWritten<T extends EpisodePart>(resource: T): T {
  const copy = { ...resource, meta: { profile: [...(resource.meta?.profile ?? [])] } };
  // The narrative is written afresh from what the part now says.
  delete copy.text;
  return copy;
}

function closeGoal(goal: Goal, completed: boolean): Goal | undefined {
  if (!OPEN_GOAL.has(goal.lifecycleStatus)) {
    return undefined;
  }
  // A goal never agreed (proposed) is not one the person stopped pursuing: it is dropped.
  const closed: Goal = {
    ...goal,
    lifecycleStatus: completed && goal.lifecycleStatus !== 'proposed' ? 'completed' : 'cancelled',
  };
  // "In progress" stops being true when the goal stops being sought; an achievement already recorded stays.
  if (goal.achievementStatus?.coding?.some((coding) => coding.code === 'in-progress') === true) {
    delete closed.achievementStatus;
  }
  return closed;
}

function closePlan(plan: CarePlan, end: { at: string; completed: boolean }): CarePlan | undefined {
  if (!OPEN_REQUEST.has(plan.status)) {
    return undefined;
  }
  return { ...plan, status: end.completed ? 'completed' : 'revoked', period: { ...plan.period, end: end.at } };
}

function closeConnection(request: ServiceRequest): ServiceRequest | undefined {
  return OPEN_REQUEST.has(request.status) ? { ...request, status: 'revoked' } : undefined;
}

/**
 * The parts of the referral's episode that its ending closes, as they are to be written again (each keeps the id
 * the EHR gave it); nothing while the episode runs, and nothing for a part already closed.
 */
export function closedParts(
  message: ReferralMessage,
  parts: readonly Resource[],
  episode: Reference<EpisodeOfCare> | undefined,
): EpisodePart[] {
  const end = episodeEnd(message);
  if (end === undefined || episode === undefined) {
    return [];
  }
  const closed: EpisodePart[] = [];
  for (const part of parts) {
    if (part.id === undefined || !belongsToEpisode(part, episode)) {
      continue;
    }
    const written = asWritten(part);
    const changed =
      written.resourceType === 'Goal'
        ? closeGoal(written, end.completed)
        : written.resourceType === 'CarePlan'
          ? closePlan(written, end)
          : closeConnection(written);
    if (changed !== undefined) {
      closed.push(changed);
    }
  }
  return closed;
}
