/**
 * Maps a goal message ("what matters to me") to a FHIR Goal expressed by the patient and addressing the referral.
 */
import type { CodeableConcept, Goal } from '@medplum/fhirtypes';
import type { GoalMessage, GoalStatus } from '../messages/schemas';
import { EXTENSIONS, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { recordIdentifier } from './identifiers';
import { sourceVersionExtension } from './people';

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

export function mapGoal(message: GoalMessage, ctx: MapContext): Goal {
  const state = GOAL_STATUS_TO_FHIR[message.status];
  return {
    resourceType: 'Goal',
    meta: { profile: [PROFILES.goal] },
    extension: [{ url: EXTENSIONS.goalImportance, valueInteger: message.importance }, sourceVersionExtension(message)],
    identifier: [recordIdentifier(message.source, 'goal')],
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
    priority: goalPriority(message.importance),
    description: { text: message.description },
    subject: ctx.patient,
    startDate: message.agreedAt.slice(0, 10),
    ...(message.targetDate !== undefined ? { target: [{ dueDate: message.targetDate }] } : {}),
    expressedBy: ctx.patient,
    ...(ctx.referral !== undefined ? { addresses: [ctx.referral] } : {}),
  };
}
