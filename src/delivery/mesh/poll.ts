/**
 * One inbox poll cycle as the MESH API specification lays it out: list the inbox, download each message (with
 * its chunks), hand it over, acknowledge it, and list again at once when the listing held a full page (500) or more.
 * A message is acknowledged only after the handler has dealt with it, so one whose download or handling failed
 * stays in the inbox and comes round again on the next poll. If the acknowledgement itself fails, the cycle stops
 * with that error and the message is handed over again next time: handlers must take a message twice calmly.
 */
import type { DownloadedMeshMessage, MeshClient } from './client';

/** MESH lists at most this many ids per call; a full page means more may be waiting. */
export const MESH_INBOX_PAGE = 500;

export type MeshMessageHandler = (message: DownloadedMeshMessage) => Promise<void>;

export interface PollResult {
  /** Ids handled and acknowledged. */
  readonly acknowledged: readonly string[];
  /** Ids whose download or handling failed; they stay in the inbox. */
  readonly failed: readonly { readonly messageId: string; readonly error: unknown }[];
}

export async function pollInbox(
  client: Pick<MeshClient, 'inbox' | 'download' | 'acknowledge'>,
  handle: MeshMessageHandler,
): Promise<PollResult> {
  const acknowledged: string[] = [];
  const failed: { messageId: string; error: unknown }[] = [];
  const seen = new Set<string>();
  for (;;) {
    const ids = await client.inbox();
    // Messages that failed this cycle are still listed; skipping them keeps the cycle from looping on them.
    const fresh = ids.filter((id) => !seen.has(id));
    for (const messageId of fresh) {
      seen.add(messageId);
      try {
        await handle(await client.download(messageId));
      } catch (error) {
        failed.push({ messageId, error });
        continue;
      }
      await client.acknowledge(messageId);
      acknowledged.push(messageId);
    }
    // The client follows links.next, so a full page means messages may have arrived while this cycle ran.
    if (ids.length < MESH_INBOX_PAGE || fresh.length === 0) {
      return { acknowledged, failed };
    }
  }
}
