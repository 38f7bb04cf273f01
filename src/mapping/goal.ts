/**
 * Maps a goal ("what matters to me") to a FHIR Goal expressed by the patient, and the person's readiness to act on
 * it to an Observation about that Goal. The support-plan mapper writes its goals with the same function, so a
 * goal sent on its own and the same goal inside a plan become the same Goal in the EHR.
 */
import type { CodeableConcept, EpisodeOfCare, Goal, Identifier, Observation, Reference } from '@medplum/fhirtypes';
import type { GoalMessage, GoalStatus } from '../messages/schemas';
import { EXTENSIONS, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { episodeOf } from './episode-of-care';
import { bundleReference, recordIdentifier } from './identifiers';
import { mapReadiness } from './observation-parts';

interface GoalState {
  readonly lifecycleStatus: Goal['lifecycleStatus'];
  readonly achievement?: 'in-progress' | 'achieved' | 'not-achieved';
}

export const GOAL_STATUS_TO_FHIR: Readonly<Record<GoalStatus, GoalState>> = {
  proposed: { lifecycleStatus: 'proposed' },
  active: { lifecycleStatus: 'active', achievement: 'in-progress' },
  achieved: { lifecycleStatus: 'completed', achievement: 'achieved' },
  'not-achieved': { lifecycleStatus: 'completed', achievement: 'not-achieved' },
  cancelled: { lifecycleStatus: 'cancelled' },
};

const ACHIEVEMENT_DISPLAY = { 'in-progress': 'In Progress', achieved: 'Achieved', 'not-achieved': 'Not Achieved' };

/** Importance 1-10 (the person's own score) folded into FHIR's three goal priorities; the score itself is kept too. */
export function goalPriority(importance: number): CodeableConcept {
  const [code, display] =
    importance >= 8
      ? ['high-priority', 'High Priority']
      : importance >= 4
        ? ['medium-priority', 'Medium Priority']
        : ['low-priority', 'Low Priority'];
  return { coding: [{ system: SYSTEMS.goalPriority, code, display }] };
}

/** What a Goal is built from, whichever message carried it. */
export interface GoalContent {
  readonly identifier: NonNullable<Goal['identifier']>[number];
  /** The source record writing the Goal (a goal or a support plan), whose version `recordVersion` is. */
  readonly writer: Identifier;
  readonly recordVersion: number;
  readonly description: string;
  readonly status: GoalStatus;
  readonly importance: number;
  readonly startDate: string;
  readonly targetDate?: string | undefined;
  /** The needs (or, failing those, the referral) the goal addresses. */
  readonly addresses: readonly NonNullable<Goal['addresses']>[number][];
  /** The social prescribing episode the goal was agreed in. */
  readonly episode: Reference<EpisodeOfCare>;
}

export function buildGoal(content: GoalContent, ctx: MapContext): Goal {
  const state = GOAL_STATUS_TO_FHIR[content.status];
  return {
    resourceType: 'Goal',
    meta: { profile: [PROFILES.goal] },
    extension: [
      { url: EXTENSIONS.goalImportance, valueInteger: content.importance },
      { url: EXTENSIONS.sourceRecordVersion, valueInteger: content.recordVersion },
      // Two records write the same Goal, each counting its own versions: the EHR must know whose version it holds.
      { url: EXTENSIONS.sourceRecordWriter, valueIdentifier: content.writer },
      { url: EXTENSIONS.goalEpisodeOfCare, valueReference: content.episode },
    ],
    identifier: [content.identifier],
    lifecycleStatus: state.lifecycleStatus,
    ...(state.achievement !== undefined
      ? {
          achievementStatus: {
            coding: [
              {
                system: SYSTEMS.goalAchievement,
                code: state.achievement,
                display: ACHIEVEMENT_DISPLAY[state.achievement],
              },
            ],
          },
        }
      : {}),
    priority: goalPriority(content.importance),
    description: { text: content.description },
    subject: ctx.patient,
    startDate: content.startDate,
    ...(content.targetDate !== undefined ? { target: [{ dueDate: content.targetDate }] } : {}),
    expressedBy: ctx.patient,
    ...(content.addresses.length > 0 ? { addresses: [...content.addresses] } : {}),
  };
}

export function mapGoal(message: GoalMessage, ctx: MapContext): (Goal | Observation)[] {
  const identifier = recordIdentifier(message.source, 'goal');
  const goal = buildGoal(
    {
      identifier,
      writer: recordIdentifier(message.source, 'goal'),
      recordVersion: message.source.recordVersion,
      description: message.description,
      status: message.status,
      importance: message.importance,
      startDate: message.agreedAt.slice(0, 10),
      targetDate: message.targetDate,
      addresses: ctx.referral !== undefined ? [ctx.referral] : [],
      episode: episodeOf(message),
    },
    ctx,
  );
  if (message.readiness === undefined) {
    return [goal];
  }
  return [
    goal,
    mapReadiness('goal', message, ctx, message.readiness, {
      prefix: '',
      focus: bundleReference<Goal>('Goal', identifier),
    }),
  ];
}
