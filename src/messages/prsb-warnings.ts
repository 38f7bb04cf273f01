/**
 * Warnings, not refusals, about what the PRSB standard requires but the API leaves optional so that existing
 * senders keep working: a record that should be preceded by an episode's risks (PRSB §17) when none of the
 * episode's records has recorded them. The message is accepted; the sender is told in the 202.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { outcomeIssue } from '../lib/outcome';
import type { InboundMessage } from './schemas';

/** Whether this message is one after which PRSB expects the episode's risks to be on record. */
function expectsRisks(message: InboundMessage): boolean {
  if (message.body.enteredInError === true) {
    return false;
  }
  switch (message.kind) {
    case 'referral':
      // Accepting the referral is when the service takes the person on; before that nobody has assessed them.
      return message.body.status === 'accepted' && message.body.risks === undefined;
    case 'outcome-note':
      return message.body.risks === undefined;
    case 'support-plan':
      return true;
    case 'goal':
    case 'connection':
      return false;
  }
}

/**
 * The warning for a message of an episode that has never recorded its risks or "no known risks"; none when the
 * episode (or this message) has, or the message is not one after which they are expected.
 */
export function risksWarning(
  message: InboundMessage,
  episodeRecordedRisks: boolean,
): OperationOutcomeIssue | undefined {
  if (episodeRecordedRisks || !expectsRisks(message)) {
    return undefined;
  }
  return outcomeIssue({
    severity: 'warning',
    code: 'incomplete',
    expression: 'risks',
    text: 'risks: PRSB requires the risks to the person, the link worker and others (section 17) to be recorded, and no record of this episode has recorded them; send `risks` (the risks identified, or noKnownRisks: true) with the referral or an outcome note. The message was accepted',
  });
}
