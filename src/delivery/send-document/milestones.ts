/**
 * Which referral milestone a referral message marks, if any: closure (completed or withdrawn), acceptance, or the
 * work starting (in-progress). Only the milestones an endpoint's MESH settings name send the episode document.
 */
import type { DocumentMilestone } from '../../config/mesh-schema';
import type { ReferralMessage } from '../../messages/schemas';

export function milestoneOf(referral: ReferralMessage): DocumentMilestone | undefined {
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
