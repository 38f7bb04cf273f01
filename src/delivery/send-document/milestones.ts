/**
 * Which referral milestone a referral message marks, if any: closure (completed or withdrawn), acceptance, or the
 * work starting (in-progress). Only the milestones an endpoint's MESH settings name send the episode document. A
 * version that records the person withdrawing consent to share with the GP marks none: the summary of the
 * episode must not go to the practice once the person has said no (later versions are refused at intake).
 */
import type { DocumentMilestone } from '../../config/mesh-schema';
import type { ReferralMessage } from '../../messages/schemas';

export function milestoneOf(referral: ReferralMessage): DocumentMilestone | undefined {
  if (referral.consent?.gpPractice === 'withdrawn') {
    return undefined;
  }
  switch (referral.status) {
    case 'completed':
    case 'withdrawn':
      return 'closure';
    case 'accepted':
      return 'acceptance';
    case 'in-progress':
      return 'in-progress';
    case 'received':
    case 'declined':
      return undefined;
  }
}
