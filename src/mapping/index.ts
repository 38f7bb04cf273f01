/**
 * The mapping layer's entry point: one pure function from a validated inbound message (plus the references the
 * worker resolved) to the FHIR resources that represent it in the GP record.
 */
import type { InboundMessage } from '../messages/schemas';
import type { IdentifiedResource } from './bundle';
import type { MapContext } from './context';
import { mapGoal } from './goal';
import { mapOutcomeNote } from './outcome-note';
import { mapReferral } from './referral';

export type { MapContext } from './context';
export { transactionBundle, conditionalUrl } from './bundle';
export type { IdentifiedResource } from './bundle';
export { recordIdentifier, sourceIdentifier, identifierToken } from './identifiers';

export function mapMessage(message: InboundMessage, ctx: MapContext): IdentifiedResource[] {
  switch (message.kind) {
    case 'referral':
      return [mapReferral(message.body, ctx)];
    case 'goal':
      return [mapGoal(message.body, ctx)];
    case 'outcome-note':
      return mapOutcomeNote(message.body, ctx);
  }
}
