/**
 * Messages that belong to a referral (goals, outcome notes, support plans, connections) cannot be written before
 * it. While the referral is on its way they wait for it; once the store knows its latest version failed for good,
 * waiting cannot help, so they fail at once naming the failed referral message, and a replay of that referral
 * replays them with it (see app/replay.ts).
 */
import type { MessageRecord } from '../messages/record';
import type { MessageStore } from '../store/message-store';

/** The id of the referral's latest accepted message when that message failed, or undefined. */
export type FailedReferralLookup = (system: string, referralId: string) => Promise<string | undefined>;

export function failedReferralLookup(messages: Pick<MessageStore, 'get' | 'latestOfRecord'>): FailedReferralLookup {
  return async (system, referralId) => {
    const latest = await messages.latestOfRecord('referral', { system, recordId: referralId });
    if (latest === undefined) {
      return undefined;
    }
    const record = await messages.get(latest.messageId);
    return record?.status === 'failed' ? record.id : undefined;
  };
}

function reasonPrefix(referralId: string): string {
  return `referral ${referralId} failed to deliver`;
}

/** The failure reason of a message whose referral failed; its prefix is how a replay of the referral finds it. */
export function failedReferralReason(referralId: string, referralMessageId: string): string {
  return `${reasonPrefix(referralId)} (message ${referralMessageId}); this message is replayed when that referral is`;
}

/** True when `record` failed because the referral `referral` had failed, so it is to be replayed with it. */
export function failedBecauseOf(record: MessageRecord, referral: MessageRecord): boolean {
  const { message } = record;
  if (record.status !== 'failed' || message.kind === 'referral' || referral.message.kind !== 'referral') {
    return false;
  }
  const source = referral.message.body.source;
  return (
    message.body.referralId === source.recordId &&
    message.body.source.system === source.system &&
    (record.lastError ?? '').startsWith(reasonPrefix(source.recordId))
  );
}
