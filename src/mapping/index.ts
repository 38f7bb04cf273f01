/**
 * The mapping layer's entry point: one pure function from a validated inbound message (plus the references the
 * worker resolved and the moment of sending) to the FHIR resources that represent it in the GP record, ending
 * with the Provenance of the delivery; every resource carries a generated narrative. Retractions (a record sent in
 * error, parts dropped from a newer version) are written here too, so they travel in the same transaction.
 */
import type { InboundMessage } from '../messages/schemas';
import type { IdentifiedResource } from './bundle';
import { mapConnection } from './connection';
import type { MapContext } from './context';
import { mapGoal } from './goal';
import type { NarratedResource } from './narrative';
import { withNarrative } from './narrative';
import { mapOutcomeNote } from './outcome-note';
import { mapProvenance } from './provenance';
import { mapReferral } from './referral';
import type { RetractableResource } from './retraction';
import { droppedParts, enteredInError, isHistoryEntry, retractedCopy } from './retraction';
import { identifierToken } from './identifiers';
import type { RecordPart } from '../messages/record';
import { mapSupportPlan } from './support-plan';

export type { MapContext } from './context';
export { transactionBundle, conditionalUrl } from './bundle';
export type { IdentifiedResource } from './bundle';
export { recordIdentifier, sourceIdentifier, identifierToken } from './identifiers';

function mapRecord(message: InboundMessage, ctx: MapContext): RetractableResource[] {
  switch (message.kind) {
    case 'referral':
      return mapReferral(message.body, ctx);
    case 'goal':
      return mapGoal(message.body, ctx);
    case 'outcome-note':
      return mapOutcomeNote(message.body, ctx);
    case 'support-plan':
      return mapSupportPlan(message.body, ctx);
    case 'connection':
      return mapConnection(message.body, ctx);
  }
}

/**
 * A retraction writes everything as entered in error; any version also retracts what the version it follows wrote
 * and it no longer does (the previous version mapped in the same context, so its identifiers are comparable).
 */
function withRetractions(message: InboundMessage, ctx: MapContext): RetractableResource[] {
  const wholeRecord = message.body.enteredInError === true;
  const current = mapRecord(message, ctx);
  const written = wholeRecord ? current.map(enteredInError) : current;
  const version = message.body.source.recordVersion;
  if (ctx.dropped !== undefined) {
    // The worker found them from what earlier deliveries wrote, and chose which this version retracts.
    return [...written, ...ctx.dropped.map((held) => retractedCopy(held as RetractableResource, version))];
  }
  const { previous } = ctx;
  if (previous?.kind !== message.kind || previous.body.source.recordId !== message.body.source.recordId) {
    return written;
  }
  // Only the record's own resources are compared: parts of the episode it closes are not the previous version's.
  const dropped = droppedParts(mapRecord(previous, { ...ctx, episodeParts: [] }), current, {
    wholeRecord,
    version,
  });
  return [...written, ...dropped];
}

/**
 * The record's own parts as this version writes them (the parts of the episode a closure closes are other
 * records'), by business identifier: what the store keeps so that a later version can retract what it drops.
 */
export function ownParts(message: InboundMessage, ctx: MapContext): RecordPart[] {
  return mapRecord(message, { ...ctx, episodeParts: [] }).flatMap((resource): RecordPart[] => {
    const identifier = resource.identifier?.[0];
    return identifier === undefined
      ? []
      : [
          {
            resourceType: resource.resourceType,
            identifier: identifierToken(identifier),
            ...(isHistoryEntry(resource) ? { history: true } : {}),
          },
        ];
  });
}

export function mapMessage(message: InboundMessage, ctx: MapContext): IdentifiedResource[] {
  const resources: NarratedResource[] = withRetractions(message, ctx).map(withNarrative);
  return [...resources, withNarrative(mapProvenance(message, ctx, resources))];
}
