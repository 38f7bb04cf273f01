/**
 * The rule that stops an episode's records reaching the GP record once the person has withdrawn consent to share
 * with their practice: the standing decision is the one recorded by the newest referral version that records
 * one, and until a newer version records consent again, intake refuses every later record of the episode.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { errorIssue } from '../lib/outcome';
import type { InboundMessage } from './schemas';

/** The person's standing decision about sharing with the GP, and the referral version that recorded it. */
export interface GpConsentStanding {
  readonly decision: 'given' | 'withdrawn';
  readonly version: number;
}

/**
 * Why `message` may not be sent while `standing` holds, or undefined when it may. A referral version newer than
 * the withdrawal that records a decision of its own (consent again, or the withdrawal repeated) is accepted.
 */
export function consentWithdrawnIssue(
  message: InboundMessage,
  standing: GpConsentStanding | undefined,
): OperationOutcomeIssue | undefined {
  if (standing?.decision !== 'withdrawn') {
    return undefined;
  }
  if (
    message.kind === 'referral' &&
    message.body.consent !== undefined &&
    message.body.source.recordVersion > standing.version
  ) {
    return undefined;
  }
  const own = message.kind === 'referral' ? 'this referral' : 'the referral this record belongs to';
  return errorIssue('consent-withdrawn', {
    text:
      `The person withdrew consent to share with their GP practice (version ${String(standing.version)} of ` +
      `${own}), so nothing more of this episode is sent to the GP record; a newer referral version that records ` +
      'consent again (consent.gpPractice "given") lifts this',
    expression: message.kind === 'referral' ? 'consent' : 'referralId',
  });
}
