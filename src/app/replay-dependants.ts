/**
 * When a referral is replayed, the messages that failed only because it had failed (its goals, notes, plans and
 * connections) are replayed with it: their cause is the referral's, and fixing it should not need a second hunt
 * through the failed messages. They are found by scanning the failed index, which a replay can afford.
 */
import { failedBecauseOf } from '../delivery/failed-referral';
import type { MessageRecord } from '../messages/record';
import type { MessageStore } from '../store/message-store';

const SCAN_PAGE = 200;

/** Ids of the failed messages that wait on `referral`, oldest first. */
export async function failedDependantsOf(
  referral: MessageRecord,
  store: Pick<MessageStore, 'get' | 'idsByStatus'>,
): Promise<string[]> {
  if (referral.kind !== 'referral') {
    return [];
  }
  const dependants: string[] = [];
  for (let offset = 0; ; offset += SCAN_PAGE) {
    const ids = await store.idsByStatus('failed', 0, Number.MAX_SAFE_INTEGER, offset, SCAN_PAGE);
    for (const id of ids) {
      const record = await store.get(id);
      if (record !== undefined && failedBecauseOf(record, referral)) {
        dependants.push(id);
      }
    }
    if (ids.length < SCAN_PAGE) {
      return dependants;
    }
  }
}
