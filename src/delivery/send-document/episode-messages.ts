/**
 * The stored messages an episode document is built from: every message of the patient for this endpoint (found
 * through the ledger's patient index, which holds only the NHS number's keyed hash), bodies still held; the episode
 * assembly keeps those of the referral and the latest version of each record.
 */
import type { InboundMessage } from '../../messages/schemas';
import type { SendDocumentDeps } from './deps';

/** More messages than one episode ever holds; past it the oldest are left out of the page. */
const EPISODE_PAGE = 5000;

export async function patientMessages(
  deps: Pick<SendDocumentDeps, 'ledger' | 'messages' | 'patientKey'>,
  endpoint: string,
  nhsNumber: string,
): Promise<InboundMessage[]> {
  const patientKey = await deps.patientKey(nhsNumber);
  const { ids } = await deps.ledger.findMessageIds({ patientKey, endpoint }, {}, 0, EPISODE_PAGE);
  const records = await Promise.all(ids.map((id) => deps.messages.get(id)));
  return records.flatMap((record) => (record === undefined || record.purgedAt !== undefined ? [] : [record.message]));
}
