/**
 * The input of the episode document: one referral and every goal, outcome note, support plan and connection
 * recorded against it, each at its latest version (retracted records left out). `episodeFromMessages` assembles it from validated messages.
 */
import type {
  ConnectionMessage,
  GoalMessage,
  InboundMessage,
  OutcomeNoteMessage,
  ReferralMessage,
  SourceRef,
  SupportPlanMessage,
} from '../../messages/schemas';

export interface Episode {
  /** The referral at its latest version (the one that carries the closure, once there is one). */
  readonly referral: ReferralMessage;
  readonly goals: readonly GoalMessage[];
  readonly outcomeNotes: readonly OutcomeNoteMessage[];
  readonly supportPlans: readonly SupportPlanMessage[];
  readonly connections: readonly ConnectionMessage[];
}

/**
 * Keeps the latest version of each record, so a corrected goal or note replaces the one it supersedes, and leaves
 * out a record whose latest version retracts it (sent in error).
 */
function latestVersions<T extends { readonly source: SourceRef; readonly enteredInError?: boolean | undefined }>(
  records: readonly T[],
): T[] {
  const byId = new Map<string, T>();
  for (const record of records) {
    const seen = byId.get(record.source.recordId);
    if (seen === undefined || seen.source.recordVersion < record.source.recordVersion) {
      byId.set(record.source.recordId, record);
    }
  }
  return [...byId.values()].filter((record) => record.enteredInError !== true);
}

/**
 * The episode of the referral `referralId` (same source system) among `messages`; undefined when the referral
 * itself is not among them. Records of other referrals or other source systems are left out.
 */
export function episodeFromMessages(messages: readonly InboundMessage[], referralId: string): Episode | undefined {
  const referrals: ReferralMessage[] = [];
  const goals: GoalMessage[] = [];
  const outcomeNotes: OutcomeNoteMessage[] = [];
  const supportPlans: SupportPlanMessage[] = [];
  const connections: ConnectionMessage[] = [];
  for (const message of messages) {
    switch (message.kind) {
      case 'referral':
        if (message.body.source.recordId === referralId) {
          referrals.push(message.body);
        }
        break;
      case 'goal':
        goals.push(message.body);
        break;
      case 'outcome-note':
        outcomeNotes.push(message.body);
        break;
      case 'support-plan':
        supportPlans.push(message.body);
        break;
      case 'connection':
        connections.push(message.body);
        break;
    }
  }
  const [referral] = latestVersions(referrals);
  if (referral === undefined) {
    return undefined;
  }
  const ofThisReferral = <T extends { readonly source: SourceRef; readonly referralId: string }>(
    records: readonly T[],
  ): T[] =>
    latestVersions(records.filter((r) => r.referralId === referralId && r.source.system === referral.source.system));
  return {
    referral,
    goals: ofThisReferral(goals),
    outcomeNotes: ofThisReferral(outcomeNotes),
    supportPlans: ofThisReferral(supportPlans),
    connections: ofThisReferral(connections),
  };
}
