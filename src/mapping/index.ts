/**
 * The mapping layer's entry point: one pure function from a validated inbound message (plus the references the
 * worker resolved and the moment of sending) to the FHIR resources that represent it in the GP record, ending
 * with the Provenance of the delivery; every resource carries a generated narrative.
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
import { mapSupportPlan } from './support-plan';

export type { MapContext } from './context';
export { transactionBundle, conditionalUrl } from './bundle';
export type { IdentifiedResource } from './bundle';
export { recordIdentifier, sourceIdentifier, identifierToken } from './identifiers';

function mapRecord(message: InboundMessage, ctx: MapContext): NarratedResource[] {
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

export function mapMessage(message: InboundMessage, ctx: MapContext): IdentifiedResource[] {
  const resources = mapRecord(message, ctx).map(withNarrative);
  return [...resources, withNarrative(mapProvenance(message, ctx, resources))];
}
