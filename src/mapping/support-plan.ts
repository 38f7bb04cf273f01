/**
 * Maps the personalised care and support plan to a CarePlan whose goals and activities the GP can read: each need
 * becomes an Observation, each goal a Goal addressing its needs, each action a CarePlan activity towards a goal.
 * All of them travel in one transaction, linked by their bundle references.
 */
import type { CarePlan, CarePlanActivity, Goal, Observation, Reference } from '@medplum/fhirtypes';
import type { SupportPlanMessage } from '../messages/schemas';
import { CODES, EXTENSIONS, PROFILES } from './codes';
import type { MapContext } from './context';
import { ACTION_STATUS_TO_FHIR } from './display';
import { episodeOf } from './episode-of-care';
import { buildGoal } from './goal';
import { bundleReference, recordIdentifier, sourceIdentifier } from './identifiers';
import { mapReadiness, observationBase } from './observation-parts';
import { linkWorkerReference, sourceVersionExtension } from './people';
import { SECTION_SYSTEMS, SUPPORT_ACTIVITY_DISPLAY } from './section-codes';
import { needConcept } from './referral';

function needReference(message: SupportPlanMessage, key: string): Reference<Observation> {
  return bundleReference<Observation>('Observation', recordIdentifier(message.source, 'support-plan', `need/${key}`));
}

function goalIdentifier(message: SupportPlanMessage, goalId: string): NonNullable<Goal['identifier']>[number] {
  return sourceIdentifier(message.source.system, 'goal', goalId);
}

export function mapNeed(
  message: SupportPlanMessage,
  ctx: MapContext,
  need: SupportPlanMessage['needs'][number],
): Observation {
  return {
    ...observationBase('support-plan', message, ctx, {
      profile: PROFILES.need,
      part: `need/${need.key}`,
      effective: message.agreedAt,
    }),
    // The need itself is the code, so a GP system finds the national finding (160932005 Financial problem, ...)
    // by the code it searches for; the project concept says, as a category, that it is a social prescribing need.
    category: [{ coding: [CODES.socialHistory] }, { coding: [CODES.need], text: CODES.need.display }],
    code: needConcept(need.need),
  };
}

function activity(message: SupportPlanMessage, action: SupportPlanMessage['actions'][number]): CarePlanActivity {
  return {
    detail: {
      ...(action.confidence !== undefined
        ? { extension: [{ url: EXTENSIONS.actionConfidence, valueInteger: action.confidence }] }
        : {}),
      ...(action.activity !== undefined
        ? {
            code: {
              coding: [
                {
                  system: SECTION_SYSTEMS.supportActivity,
                  code: action.activity,
                  display: SUPPORT_ACTIVITY_DISPLAY[action.activity],
                },
              ],
            },
          }
        : {}),
      status: ACTION_STATUS_TO_FHIR[action.status],
      description: action.description,
      goal: [bundleReference<Goal>('Goal', goalIdentifier(message, action.goalId))],
      ...(action.reviewDate !== undefined ? { scheduledString: `Review by ${action.reviewDate}` } : {}),
    },
  };
}

export function mapCarePlan(message: SupportPlanMessage, ctx: MapContext): CarePlan {
  return {
    resourceType: 'CarePlan',
    meta: { profile: [PROFILES.supportPlan] },
    extension: [
      sourceVersionExtension(message),
      // R4 CarePlan has no review date; period.end is when the plan stops applying, which a review does not decide.
      ...(message.reviewDate !== undefined ? [{ url: EXTENSIONS.planReviewDate, valueDate: message.reviewDate }] : []),
    ],
    identifier: [recordIdentifier(message.source, 'support-plan')],
    status: 'active',
    intent: 'plan',
    category: [{ coding: [CODES.supportPlan] }],
    title: 'Personalised care and support plan',
    subject: ctx.patient,
    period: { start: message.agreedAt },
    created: message.agreedAt,
    author: linkWorkerReference(message),
    // R4 CarePlan.basedOn names other CarePlans only and CarePlan has no episode element, so the referral and the
    // episode the plan belongs to are supporting information.
    supportingInfo: [
      ...(ctx.referral !== undefined ? [ctx.referral] : []),
      episodeOf(message),
      ...message.needs.map((n) => needReference(message, n.key)),
    ],
    goal: message.goals.map((g) => bundleReference<Goal>('Goal', goalIdentifier(message, g.goalId))),
    ...(message.actions.length > 0 ? { activity: message.actions.map((a) => activity(message, a)) } : {}),
  };
}

export function mapSupportPlan(message: SupportPlanMessage, ctx: MapContext): (CarePlan | Goal | Observation)[] {
  const needs = message.needs.map((need) => mapNeed(message, ctx, need));
  const goals: (Goal | Observation)[] = message.goals.flatMap((g) => {
    const identifier = goalIdentifier(message, g.goalId);
    const goal = buildGoal(
      {
        identifier,
        writer: recordIdentifier(message.source, 'support-plan'),
        recordVersion: message.source.recordVersion,
        description: g.description,
        status: g.status,
        importance: g.importance,
        startDate: message.agreedAt.slice(0, 10),
        targetDate: g.targetDate,
        addresses: g.addresses.map((key) => needReference(message, key)),
        episode: episodeOf(message),
      },
      ctx,
    );
    return g.readiness === undefined
      ? [goal]
      : [
          goal,
          mapReadiness('support-plan', message, ctx, g.readiness, {
            prefix: `goal/${g.goalId}/`,
            focus: bundleReference<Goal>('Goal', identifier),
          }),
        ];
  });
  return [mapCarePlan(message, ctx), ...needs, ...goals];
}
