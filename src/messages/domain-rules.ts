/**
 * Rules a schema cannot express: dates that must not be in the future, dates that must come in order, fields
 * required by the value of another, and references between parts of one document. A small allowance for clock
 * skew between the sender and this service keeps honest senders from being rejected.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type {
  ConnectionMessage,
  ConnectionStatus,
  GoalStatus,
  InboundMessage,
  OutcomeNoteMessage,
  Readiness,
  ReferralMessage,
  ReferralStatus,
  SupportPlanMessage,
} from './schemas';
import { CONNECTION_STATUSES, GOAL_STATUSES, REFERRAL_STATUSES } from './schemas';
import { invalidIssue } from './issues';
import type { Path } from './rule-helpers';
import { duplicates, notInFuture } from './rule-helpers';
import { checkBarriers, checkOutcomeNoteSections, checkReferralSections } from './sections/rules';

export { CLOCK_SKEW_MS } from './rule-helpers';

/** `later` (a date or date-time) must not fall on a day before `earlier`. */
function notBeforeDay(issues: OperationOutcomeIssue[], path: Path, later: string, earlier: string, what: string): void {
  if (later.slice(0, 10) < earlier.slice(0, 10)) {
    issues.push(invalidIssue(path, `must not be before ${what}`, 'value'));
  }
}

function checkReadiness(
  issues: OperationOutcomeIssue[],
  path: Path,
  readiness: Readiness | undefined,
  now: Date,
): void {
  if (readiness !== undefined) {
    notInFuture(issues, [...path, 'assessedAt'], readiness.assessedAt, now);
  }
}

/** Referral stages in the order an episode moves through them; the three endings share the last rank. */
const REFERRAL_STAGE_RANK: Readonly<Record<ReferralStatus, number>> = {
  received: 0,
  accepted: 1,
  'in-progress': 2,
  completed: 3,
  declined: 3,
  withdrawn: 3,
};

/**
 * Why moving a referral from one status to another makes no sense, or undefined when it does. An episode never
 * goes back to an earlier stage, and an ended episode (completed, declined, withdrawn) stays ended: a new
 * episode is a new referral.
 */
export function referralTransitionProblem(from: ReferralStatus, to: ReferralStatus): string | undefined {
  if (from === to) {
    return undefined;
  }
  if (REFERRAL_STAGE_RANK[from] === 3) {
    return `the referral is already ${from}; an ended episode cannot become ${to} (send a new referral instead)`;
  }
  if (REFERRAL_STAGE_RANK[to] < REFERRAL_STAGE_RANK[from]) {
    return `a referral cannot go back from ${from} to ${to}`;
  }
  return undefined;
}

/** The record status kept after a version that retracts its record (see `enteredInError`). */
export const RETRACTED_STATUS = 'entered-in-error';

/**
 * The status a message reports for its source record, for the kinds whose records have a lifecycle; a retraction
 * reports the retracted status whatever its kind, so later versions can be judged against it.
 */
export function recordStatusOf(message: InboundMessage): string | undefined {
  if (message.body.enteredInError === true) {
    return RETRACTED_STATUS;
  }
  switch (message.kind) {
    case 'referral':
    case 'goal':
    case 'connection':
      return message.body.status;
    case 'outcome-note':
    case 'support-plan':
      return undefined;
  }
}

/**
 * Why moving a goal from one status to another makes no sense, or undefined when it does. `proposed` comes only
 * before a goal is agreed, so nothing goes back to it. An outcome (achieved, not-achieved) is never turned into
 * `cancelled`, which means dropped before any outcome: that would hide a result the GP has already seen. Any
 * ended goal may be reopened (→ active) because people try again and because it is how a wrongly recorded ending
 * is put right, and a review may revise an outcome (not-achieved → achieved, or a cancelled goal met after all).
 */
export function goalTransitionProblem(from: GoalStatus, to: GoalStatus): string | undefined {
  if (from === to) {
    return undefined;
  }
  if (to === 'proposed') {
    return `the goal is already ${from}; it cannot go back to proposed (a goal is proposed only before it is agreed)`;
  }
  if (to === 'cancelled' && (from === 'achieved' || from === 'not-achieved')) {
    return `the goal is already ${from}; an outcome cannot be cancelled (reopen the goal as active first if it continues)`;
  }
  return undefined;
}

/**
 * Why moving a connection from one status to another makes no sense, or undefined when it does. Attendance is a
 * fact: an attended connection keeps that status (if the person stops going or tries elsewhere, that is a new
 * connection). A referral made on the person's behalf cannot become a mere suggestion again; if it will not go
 * ahead it is declined or not possible. Declined and not-possible connections may be taken up again (the person
 * changes their mind, a barrier is removed), so they may move to any status.
 */
export function connectionTransitionProblem(from: ConnectionStatus, to: ConnectionStatus): string | undefined {
  if (from === to) {
    return undefined;
  }
  if (from === 'attended') {
    return `the connection is already attended; it cannot become ${to} (record a new connection instead)`;
  }
  if (from === 'referred' && to === 'suggested') {
    return 'the referral to this organisation has been made; it cannot go back to suggested (use declined or not-possible if it will not go ahead)';
  }
  return undefined;
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

/**
 * The reason a kind's status cannot follow the previous one, or undefined (also for an unknown previous status).
 * A retracted record stays retracted: what was sent in error is corrected by a new record, not a new version. A
 * retraction itself is not judged by its status: it withdraws the record as it stood, whatever that was.
 */
function transitionProblem(message: InboundMessage, previousStatus: string): string | undefined {
  if (previousStatus === RETRACTED_STATUS) {
    return 'the record was retracted as entered in error; a retracted record takes no newer version (send a new record instead)';
  }
  if (message.body.enteredInError === true) {
    return undefined;
  }
  switch (message.kind) {
    case 'referral':
      return isOneOf(REFERRAL_STATUSES, previousStatus)
        ? referralTransitionProblem(previousStatus, message.body.status)
        : undefined;
    case 'goal':
      return isOneOf(GOAL_STATUSES, previousStatus)
        ? goalTransitionProblem(previousStatus, message.body.status)
        : undefined;
    case 'connection':
      return isOneOf(CONNECTION_STATUSES, previousStatus)
        ? connectionTransitionProblem(previousStatus, message.body.status)
        : undefined;
    case 'outcome-note':
    case 'support-plan':
      return undefined;
  }
}

/**
 * The problem with a newer version of a record whose status cannot follow the status of the latest accepted
 * version, as an issue naming `status`; undefined when the change makes sense or no rule applies to the kind.
 */
export function statusTransitionIssue(
  message: InboundMessage,
  previousStatus: string,
): OperationOutcomeIssue | undefined {
  const problem = transitionProblem(message, previousStatus);
  return problem === undefined ? undefined : invalidIssue(['status'], problem, 'business-rule');
}

/**
 * A retraction withdraws what earlier versions wrote; with no earlier version accepted there is nothing to withdraw,
 * and it would only write records marked as errors into the GP record.
 */
export function retractionIssue(message: InboundMessage, earlierAccepted: boolean): OperationOutcomeIssue | undefined {
  return message.body.enteredInError === true && !earlierAccepted
    ? invalidIssue(
        ['enteredInError'],
        'retracts a record of which no earlier version was accepted; there is nothing to retract',
        'business-rule',
      )
    : undefined;
}

/**
 * A re-referral names an earlier referral of the same source system: refused when no version of it was accepted
 * under that system (the sender mistyped the id, or the earlier referral was never sent through this service).
 */
export function previousReferralIssue(
  message: InboundMessage,
  previousAccepted: boolean,
): OperationOutcomeIssue | undefined {
  return message.kind === 'referral' && message.body.previousReferralId !== undefined && !previousAccepted
    ? invalidIssue(
        ['previousReferralId'],
        'names a referral of which no version was accepted from this source system; send the earlier referral first, or leave the field out',
        'business-rule',
      )
    : undefined;
}

function checkReferral(issues: OperationOutcomeIssue[], referral: ReferralMessage, now: Date): void {
  notInFuture(issues, ['referredAt'], referral.referredAt, now);
  if (referral.previousReferralId === referral.source.recordId) {
    issues.push(
      invalidIssue(['previousReferralId'], 'names this referral itself; it must name the earlier referral', 'value'),
    );
  }
  const ended = referral.status === 'declined' || referral.status === 'withdrawn';
  if (ended && referral.statusReason === undefined) {
    issues.push(invalidIssue(['statusReason'], `is required when the status is ${referral.status}`, 'required'));
  }
  if (!ended && referral.statusReason !== undefined) {
    issues.push(invalidIssue(['statusReason'], 'is allowed only when the status is declined or withdrawn', 'value'));
  }
  if (referral.respondedAt !== undefined) {
    if (referral.status === 'received') {
      issues.push(invalidIssue(['respondedAt'], 'is not allowed while the status is received', 'value'));
    }
    notInFuture(issues, ['respondedAt'], referral.respondedAt, now);
    if (Date.parse(referral.respondedAt) < Date.parse(referral.referredAt)) {
      issues.push(invalidIssue(['respondedAt'], 'must not be before the referral (referredAt)', 'value'));
    }
  }
  const { closure } = referral;
  if (closure !== undefined) {
    if (referral.status !== 'completed' && referral.status !== 'withdrawn') {
      issues.push(invalidIssue(['closure'], 'is allowed only when the status is completed or withdrawn', 'value'));
    }
    notInFuture(issues, ['closure', 'closedAt'], closure.closedAt, now);
    if (Date.parse(closure.closedAt) < Date.parse(referral.referredAt)) {
      issues.push(invalidIssue(['closure', 'closedAt'], 'must not be before the referral (referredAt)', 'value'));
    }
  }
}

function checkSupportPlan(issues: OperationOutcomeIssue[], plan: SupportPlanMessage, now: Date): void {
  notInFuture(issues, ['agreedAt'], plan.agreedAt, now);
  if (plan.reviewDate !== undefined) {
    notBeforeDay(issues, ['reviewDate'], plan.reviewDate, plan.agreedAt, 'the date the plan was agreed (agreedAt)');
  }
  const needKeys = new Set(plan.needs.map((n) => n.key));
  const repeatedNeeds = duplicates(plan.needs.map((n) => n.key));
  plan.needs.forEach((n, i) => {
    if (repeatedNeeds.has(n.key)) {
      issues.push(invalidIssue(['needs', i, 'key'], `"${n.key}" is used by more than one need`, 'value'));
    }
  });
  const goalIds = new Set(plan.goals.map((g) => g.goalId));
  const repeatedGoals = duplicates(plan.goals.map((g) => g.goalId));
  plan.goals.forEach((goal, i) => {
    if (repeatedGoals.has(goal.goalId)) {
      issues.push(invalidIssue(['goals', i, 'goalId'], `"${goal.goalId}" is used by more than one goal`, 'value'));
    }
    if (goal.targetDate !== undefined) {
      notBeforeDay(issues, ['goals', i, 'targetDate'], goal.targetDate, plan.agreedAt, 'the date the plan was agreed');
    }
    goal.addresses.forEach((key, j) => {
      if (!needKeys.has(key)) {
        issues.push(invalidIssue(['goals', i, 'addresses', j], `names no need in this plan ("${key}")`, 'value'));
      }
    });
    checkReadiness(issues, ['goals', i, 'readiness'], goal.readiness, now);
  });
  plan.actions.forEach((action, i) => {
    if (!goalIds.has(action.goalId)) {
      issues.push(invalidIssue(['actions', i, 'goalId'], `names no goal in this plan ("${action.goalId}")`, 'value'));
    }
    if (action.reviewDate !== undefined) {
      notBeforeDay(
        issues,
        ['actions', i, 'reviewDate'],
        action.reviewDate,
        plan.agreedAt,
        'the date the plan was agreed',
      );
    }
  });
}

function checkConnection(issues: OperationOutcomeIssue[], connection: ConnectionMessage, now: Date): void {
  notInFuture(issues, ['statusAt'], connection.statusAt, now);
  checkBarriers(issues, ['barriers'], connection.barriers ?? []);
  if (connection.status === 'not-possible' && (connection.barriers ?? []).length === 0) {
    issues.push(
      invalidIssue(['barriers'], 'at least one barrier is required when the status is not-possible', 'required'),
    );
  }
  checkReadiness(issues, ['readiness'], connection.readiness, now);
}

/**
 * A total the sender scored must be the sum of the items sent with it: a mismatch means one of them is wrong, and
 * the GP would otherwise read a total the items do not support.
 */
function checkScoreTotals(issues: OperationOutcomeIssue[], measures: OutcomeNoteMessage['measures']): void {
  for (const name of ['wemwbs', 'swemwbs'] as const) {
    const scale = measures?.[name];
    if (scale?.total === undefined) {
      continue;
    }
    const itemSum = scale.items.reduce((total, value) => total + value, 0);
    if (scale.total !== itemSum) {
      issues.push(
        invalidIssue(
          ['measures', name, 'total'],
          `is ${String(scale.total)} but the items add up to ${String(itemSum)}`,
          'value',
        ),
      );
    }
  }
}

/** The oldest age a living person is taken to have: a birth date before it is a typing error. */
export const OLDEST_PLAUSIBLE_AGE_YEARS = 120;

/**
 * The dates in a message that record something the person took part in, which cannot come before their birth
 * (nor, for the records of an episode, before its referral).
 */
export function eventDates(message: InboundMessage): readonly (readonly [Path, string])[] {
  switch (message.kind) {
    case 'referral':
      return [[['referredAt'], message.body.referredAt]];
    case 'goal':
      return [[['agreedAt'], message.body.agreedAt]];
    case 'outcome-note':
      return [[['contact', 'date'], message.body.contact.date]];
    case 'support-plan':
      return [[['agreedAt'], message.body.agreedAt]];
    case 'connection':
      return [[['statusAt'], message.body.statusAt]];
  }
}

function checkBirthDate(issues: OperationOutcomeIssue[], message: InboundMessage, birthDate: string, now: Date): void {
  const path: Path = ['patient', 'birthDate'];
  if (Date.parse(birthDate) > now.getTime()) {
    issues.push(invalidIssue(path, 'must not be in the future', 'value'));
    return;
  }
  const earliest = new Date(now);
  earliest.setUTCFullYear(now.getUTCFullYear() - OLDEST_PLAUSIBLE_AGE_YEARS);
  if (birthDate < earliest.toISOString().slice(0, 10)) {
    issues.push(invalidIssue(path, `is not plausible (more than ${OLDEST_PLAUSIBLE_AGE_YEARS} years ago)`, 'value'));
  }
  for (const [eventPath, value] of eventDates(message)) {
    if (value.slice(0, 10) < birthDate) {
      issues.push(invalidIssue(eventPath, 'must not be before the person was born (patient.birthDate)', 'value'));
    }
  }
}

export function checkDomainRules(message: InboundMessage, now: Date): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const { body } = message;
  notInFuture(issues, ['source', 'sentAt'], body.source.sentAt, now);
  if (body.patient.birthDate !== undefined) {
    checkBirthDate(issues, message, body.patient.birthDate, now);
  }
  switch (message.kind) {
    case 'referral':
      checkReferral(issues, message.body, now);
      checkReferralSections(issues, message.body, now);
      break;
    case 'goal': {
      const goal = message.body;
      notInFuture(issues, ['agreedAt'], goal.agreedAt, now);
      if (goal.targetDate !== undefined) {
        notBeforeDay(issues, ['targetDate'], goal.targetDate, goal.agreedAt, 'the date the goal was agreed (agreedAt)');
      }
      checkReadiness(issues, ['readiness'], goal.readiness, now);
      break;
    }
    case 'outcome-note':
      notInFuture(issues, ['contact', 'date'], message.body.contact.date, now);
      checkReadiness(issues, ['readiness'], message.body.readiness, now);
      checkOutcomeNoteSections(issues, message.body, now);
      checkScoreTotals(issues, message.body.measures);
      break;
    case 'support-plan':
      checkSupportPlan(issues, message.body, now);
      break;
    case 'connection':
      checkConnection(issues, message.body, now);
      break;
  }
  return issues;
}
