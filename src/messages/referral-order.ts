/**
 * The rule that links a record to the referral it belongs to: a goal agreed, a contact held, a plan agreed or a
 * connection made cannot fall on a day before the person was referred. Only the API knows the referral's date (it
 * arrives in an earlier message), so intake checks this when that referral has been accepted.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { eventDates } from './domain-rules';
import { invalidIssue } from './issues';
import type { InboundMessage } from './schemas';

/**
 * What in `message` is dated before `referredAt`, the referral date of the episode it names. Compared by day, like
 * the other date-order rules, so a contact on the day of the referral is never refused for its time of day.
 */
export function datesBeforeReferral(message: InboundMessage, referredAt: string): OperationOutcomeIssue[] {
  if (message.kind === 'referral') {
    return [];
  }
  const referralDay = referredAt.slice(0, 10);
  return eventDates(message)
    .filter(([, value]) => value.slice(0, 10) < referralDay)
    .map(([path]) =>
      invalidIssue(path, `must not be before the referral it belongs to (referred on ${referralDay})`, 'value'),
    );
}
