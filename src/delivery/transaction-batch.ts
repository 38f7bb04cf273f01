/**
 * Micro-batching of one endpoint's transactions in this process: delivery attempts that are ready to write at the
 * same time send their transaction Bundles as one, and each gets back its own slice of the answer, so everything
 * after the send (reading entries, completing a partly applied write, the lifecycle transition, the ledger, the
 * Provenance, the AuditEvents) stays per message. A batch the EHR refuses as a whole is sent again message by
 * message, so one bad message fails only itself.
 *
 * Attempts take a seat when they start. A transaction waits for others only while seated attempts have yet to
 * send theirs, and then at most `maxWaitMs`: a lone message, or the last of a burst, goes out at once.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { EndpointConfig } from '../config/schema';
import type { Metrics } from '../observability/metrics';
import { classifyStatus } from './classify';
import type { FhirRequests, FhirResponse } from './fhir-client';

export interface BatchSettings {
  /** Most entries in one batched transaction; a message with this many or more is sent on its own. */
  readonly maxEntries: number;
  /** Longest a ready transaction waits for attempts still in flight to join it. */
  readonly maxWaitMs: number;
}

/** What the batcher reports of each batch it sends, for the endpoint's metrics. */
export interface BatchObserver {
  /** A transaction carrying `messages` messages' entries went out. */
  sent(messages: number): void;
  /** The EHR refused a batch as a whole; its messages were sent again one by one. */
  split(messages: number): void;
}

/** One attempt's place in the batcher, from its start to its end. */
export interface BatchSeat {
  /** Sends the attempt's transaction: its first through the batch, any later one (a follow-up) on its own. */
  transaction(bundle: Bundle): Promise<FhirResponse>;
  /** The attempt is over, sent or not: no batch waits for it any more. */
  close(): void;
}

export interface TransactionBatcher {
  /** A seat for an attempt that has started; `client` sends its requests and `requestId` names it. */
  open(client: FhirRequests, requestId: string): BatchSeat;
}

interface Member {
  readonly bundle: Bundle;
  readonly client: FhirRequests;
  readonly requestId: string;
  /** What no two members of one batch may share: the URL each entry writes, and each entry's fullUrl. */
  readonly keys: readonly string[];
  readonly resolve: (response: FhirResponse) => void;
  readonly reject: (error: unknown) => void;
}

function entriesOf(bundle: Bundle): readonly BundleEntry[] {
  return bundle.entry ?? [];
}

/**
 * Two entries writing the same resource in one transaction are an error in FHIR (and their fullUrls would
 * clash), so members that would write the same URL go in different batches. Reads (the lookup checks) may repeat.
 */
function keysOf(bundle: Bundle): string[] {
  return entriesOf(bundle).flatMap((entry) => {
    const method = entry.request?.method ?? 'GET';
    const write = method === 'GET' ? [] : [`${method} ${entry.request?.url ?? ''}`];
    return entry.fullUrl !== undefined ? [...write, entry.fullUrl] : write;
  });
}

/** Members packed first-fit, in the order they became ready, into batches within maxEntries and without clashes. */
export function packBatches<T extends { readonly bundle: Bundle; readonly keys: readonly string[] }>(
  members: readonly T[],
  maxEntries: number,
): T[][] {
  const batches: { members: T[]; entries: number; keys: Set<string> }[] = [];
  for (const member of members) {
    const size = entriesOf(member.bundle).length;
    const fits = batches.find(
      (batch) => batch.entries + size <= maxEntries && member.keys.every((key) => !batch.keys.has(key)),
    );
    if (fits === undefined) {
      batches.push({ members: [member], entries: size, keys: new Set(member.keys) });
    } else {
      fits.members.push(member);
      fits.entries += size;
      for (const key of member.keys) {
        fits.keys.add(key);
      }
    }
  }
  return batches.map((batch) => batch.members);
}

/**
 * Each member's own answer cut from the batch's transaction-response, entry for entry in the order sent; undefined
 * when the answer is not a transaction-response with one entry per entry sent.
 */
export function splitAnswer(response: FhirResponse, bundles: readonly Bundle[]): FhirResponse[] | undefined {
  if (classifyStatus(response.status) !== 'ok') {
    return undefined;
  }
  const body = response.body as Bundle | undefined;
  const entries = body?.resourceType === 'Bundle' ? (body.entry ?? []) : undefined;
  const sent = bundles.reduce((sum, bundle) => sum + entriesOf(bundle).length, 0);
  if (body === undefined || entries?.length !== sent) {
    return undefined;
  }
  let start = 0;
  return bundles.map((bundle) => {
    const end = start + entriesOf(bundle).length;
    const own: Bundle = { ...body, entry: entries.slice(start, end) };
    start = end;
    return { ...response, body: own };
  });
}

export function createTransactionBatcher(settings: BatchSettings, observer?: BatchObserver): TransactionBatcher {
  /** Seated attempts that have not sent their first transaction yet, and may still join a batch. */
  let expected = 0;
  let ready: Member[] = [];
  let timer: NodeJS.Timeout | undefined;

  const sendAlone = (member: Member): void => {
    member.client.transaction(member.bundle).then(member.resolve, member.reject);
  };

  const sendBatch = async (batch: readonly Member[]): Promise<void> => {
    const [first] = batch;
    if (first === undefined) {
      return;
    }
    if (batch.length === 1) {
      sendAlone(first);
      return;
    }
    observer?.sent(batch.length);
    const combined: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: batch.flatMap((member) => entriesOf(member.bundle)),
    };
    let response: FhirResponse;
    try {
      // Every message's request id goes with the one request, so the EHR's log names each message it carried.
      const ids = batch.map((member) => member.requestId).join(',');
      response = await first.client.withRequestId(ids).transaction(combined);
    } catch (error) {
      for (const member of batch) {
        member.reject(error);
      }
      return;
    }
    const own = splitAnswer(
      response,
      batch.map((member) => member.bundle),
    );
    if (own !== undefined) {
      batch.forEach((member, index) => {
        const answer = own[index];
        if (answer !== undefined) {
          member.resolve(answer);
        }
      });
      return;
    }
    if (classifyStatus(response.status) === 'retry') {
      // Down, overloaded or rate-limiting: the EHR would say the same to each message; each retries on its own.
      for (const member of batch) {
        member.resolve(response);
      }
      return;
    }
    // Refused as a whole for something in it (an atomic server rejects every entry for one bad one), or answered
    // in a shape that cannot be split: each message again on its own, so only a bad one fails.
    observer?.split(batch.length);
    for (const member of batch) {
      sendAlone(member);
    }
  };

  const entryCount = (members: readonly Member[]): number =>
    members.reduce((sum, member) => sum + entriesOf(member.bundle).length, 0);

  /**
   * Sends what is ready, packed into batches. With `keepLast`, a last batch that is not full stays ready for the
   * attempts still in flight to join, within the wait already running.
   */
  const flush = (keepLast: boolean): void => {
    const batches = packBatches(ready, settings.maxEntries);
    const last = batches.at(-1);
    const kept = keepLast && last !== undefined && entryCount(last) < settings.maxEntries ? batches.pop() : undefined;
    ready = kept ?? [];
    if (ready.length === 0) {
      clearTimeout(timer);
      timer = undefined;
    }
    for (const batch of batches) {
      sendBatch(batch).catch((error: unknown) => {
        for (const member of batch) {
          member.reject(error);
        }
      });
    }
  };

  /** Sends what is ready unless attempts still in flight may join it, and then not after maxWaitMs. */
  const consider = (): void => {
    if (ready.length === 0) {
      return;
    }
    if (expected === 0) {
      flush(false);
      return;
    }
    if (entryCount(ready) >= settings.maxEntries) {
      flush(true);
    }
    if (ready.length > 0) {
      timer ??= setTimeout(() => {
        timer = undefined;
        flush(false);
      }, settings.maxWaitMs);
    }
  };

  return {
    open(client, requestId) {
      expected += 1;
      let state: 'seated' | 'sent' | 'closed' = 'seated';
      return {
        async transaction(bundle) {
          if (state !== 'seated') {
            return client.transaction(bundle);
          }
          state = 'sent';
          expected -= 1;
          if (entriesOf(bundle).length >= settings.maxEntries) {
            consider();
            return client.transaction(bundle);
          }
          return new Promise<FhirResponse>((resolve, reject) => {
            ready.push({ bundle, client, requestId, keys: keysOf(bundle), resolve, reject });
            consider();
          });
        },
        close() {
          if (state === 'seated') {
            state = 'closed';
            expected -= 1;
            consider();
          }
        },
      };
    },
  };
}

/** One batcher per endpoint that sets `batch`, reporting to the endpoint's metrics; none for the others. */
export function endpointBatchers(
  endpoints: readonly Pick<EndpointConfig, 'id' | 'batch'>[],
  metrics?: Metrics,
): (endpointId: string) => TransactionBatcher | undefined {
  const batchers = new Map<string, TransactionBatcher>();
  for (const { id, batch } of endpoints) {
    if (batch !== undefined) {
      const labels = { endpoint: id };
      batchers.set(
        id,
        createTransactionBatcher(batch, {
          sent: (messages) => metrics?.ehrBatchMessages.observe(labels, messages),
          split: () => metrics?.ehrBatchesSplit.inc(labels),
        }),
      );
    }
  }
  return (endpointId) => batchers.get(endpointId);
}
