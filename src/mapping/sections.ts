/**
 * The resources of the record's sections that a referral or an outcome note may carry (risks, safeguarding
 * concerns and requests to the GP), mapped together so both mappers add them the same way with one call.
 */
import type { Encounter, Flag, Observation, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { OutcomeNoteMessage, ReferralMessage } from '../messages/schemas';
import type { MapContext } from './context';
import { mapGpRequests } from './gp-requests';
import { mapRisks } from './risks';
import { mapSafeguarding } from './safeguarding';

type SectionMessage =
  | { readonly kind: 'referral'; readonly body: ReferralMessage }
  | { readonly kind: 'outcome-note'; readonly body: OutcomeNoteMessage };

/** What the sections' resources point to: the referral they belong to and the contact they were recorded at. */
export interface SectionLinks {
  readonly referral?: Reference<ServiceRequest> | undefined;
  readonly encounter?: Reference<Encounter> | undefined;
}

export function mapRecordSections(
  message: SectionMessage,
  ctx: MapContext,
  links: SectionLinks,
): (Observation | Flag | Task)[] {
  const { kind, body } = message;
  return [
    ...mapRisks(kind, body, ctx, body.risks, links),
    ...mapSafeguarding(kind, body, ctx, body.safeguarding, links),
    ...mapGpRequests(kind, body, ctx, body.gpRequests, links),
  ];
}
