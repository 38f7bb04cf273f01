/**
 * Rules a schema cannot express: dates that must not be in the future and dates that must come in order.
 * A small allowance for clock skew between the sender and this service keeps honest senders from being rejected.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { InboundMessage } from './schemas';
import { invalidIssue } from './issues';

/** How far ahead of our clock a sender's timestamp may be before it counts as "in the future". */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

function notInFuture(issues: OperationOutcomeIssue[], path: PropertyKey[], value: string, now: Date): void {
  if (Date.parse(value) > now.getTime() + CLOCK_SKEW_MS) {
    issues.push(invalidIssue(path, 'must not be in the future', 'value'));
  }
}

export function checkDomainRules(message: InboundMessage, now: Date): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const { body } = message;
  notInFuture(issues, ['source', 'sentAt'], body.source.sentAt, now);
  if (body.patient.birthDate !== undefined && Date.parse(body.patient.birthDate) > now.getTime()) {
    issues.push(invalidIssue(['patient', 'birthDate'], 'must not be in the future', 'value'));
  }
  switch (message.kind) {
    case 'referral':
      notInFuture(issues, ['referredAt'], message.body.referredAt, now);
      break;
    case 'goal': {
      const goal = message.body;
      notInFuture(issues, ['agreedAt'], goal.agreedAt, now);
      if (goal.targetDate !== undefined && goal.targetDate < goal.agreedAt.slice(0, 10)) {
        issues.push(
          invalidIssue(['targetDate'], 'must not be before the date the goal was agreed (agreedAt)', 'value'),
        );
      }
      break;
    }
    case 'outcome-note':
      notInFuture(issues, ['contact', 'date'], message.body.contact.date, now);
      break;
  }
  return issues;
}
