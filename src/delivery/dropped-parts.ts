/**
 * Finds the parts earlier delivered versions of a record wrote that this version no longer writes, as the EHR
 * holds them, so the delivery retracts them. Worked out from what the store kept of those deliveries rather than
 * from the previous version's body, so a version that failed, or whose body was purged, leaves nothing behind. A
 * part another record also writes (a Goal sent on its own as well as in a plan) is that record's, and stays.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { RecordPart } from '../messages/record';
import { partKey } from '../messages/record';
import type { InboundMessage } from '../messages/schemas';
import { classifyStatus } from './classify';
import type { FhirRequests, FhirResponse } from './fhir-client';

/** What the store kept of the record's earlier deliveries (MessageStore.heldParts). */
export interface EarlierParts {
  readonly parts: readonly RecordPart[];
  readonly sharedWithOthers: ReadonlySet<string>;
}

export type DroppedLookup =
  | { readonly dropped: readonly Resource[]; readonly after: readonly RecordPart[] }
  | { readonly failed: FhirResponse; readonly what: string };

/**
 * The parts to retract, and the record's parts once this version is delivered: what it writes itself, plus the
 * history entries earlier versions wrote (kept until the whole record is retracted, which leaves it none).
 */
export async function findDroppedParts(
  client: FhirRequests,
  message: InboundMessage,
  own: readonly RecordPart[],
  earlier: EarlierParts,
): Promise<DroppedLookup> {
  const wholeRecord = message.body.enteredInError === true;
  const written = new Set(own.map(partKey));
  const notWritten = earlier.parts.filter((part) => !written.has(partKey(part)));
  const keptHistory = wholeRecord ? [] : notWritten.filter((part) => part.history === true);
  const toRetract = notWritten.filter(
    (part) => (wholeRecord || part.history !== true) && !earlier.sharedWithOthers.has(partKey(part)),
  );
  const dropped: Resource[] = [];
  for (const part of toRetract) {
    const response = await client.search(part.resourceType, { identifier: part.identifier, _count: '2' });
    if (classifyStatus(response.status) !== 'ok') {
      return { failed: response, what: `${part.resourceType} search for a part this version drops` };
    }
    const found = ((response.body as Bundle | undefined)?.entry ?? []).flatMap((entry) =>
      entry.resource !== undefined ? [entry.resource] : [],
    );
    // None: the EHR no longer holds it, so there is nothing to retract. Several: not this adapter's to choose.
    const [held] = found;
    if (found.length === 1 && held !== undefined) {
      dropped.push(held);
    }
  }
  return { dropped, after: wholeRecord ? [] : [...own, ...keptHistory] };
}
