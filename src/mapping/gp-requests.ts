/**
 * Maps each request to the GP practice (e.g. "GP to consider a carer's assessment") to a Task the practice owns,
 * status requested and intent proposal (the link worker suggests; the GP decides), for the patient, focused on
 * the social prescribing referral, with the reason in words, so it reaches the practice's task list.
 */
import type { Encounter, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { InboundMessage } from '../messages/schemas';
import type { GpRequest } from '../messages/sections/gp-requests';
import type { MapContext } from './context';
import { senderConcept } from './alert';
import { recordIdentifier } from './identifiers';
import { linkWorkerReference, practiceReference } from './people';
import { SECTION_PROFILES } from './section-codes';

type Kind = InboundMessage['kind'];
type Body = InboundMessage['body'];

export interface GpRequestLinks {
  /** The social prescribing referral the request arises from. */
  readonly referral?: Reference<ServiceRequest> | undefined;
  readonly encounter?: Reference<Encounter> | undefined;
}

export function mapGpRequest(kind: Kind, body: Body, ctx: MapContext, request: GpRequest, links: GpRequestLinks): Task {
  const action = request.action.text ?? 'Request to the GP practice';
  return {
    resourceType: 'Task',
    meta: { profile: [SECTION_PROFILES.gpRequest] },
    identifier: [recordIdentifier(body.source, kind, `gp-request/${request.key}`)],
    status: 'requested',
    intent: 'proposal',
    priority: request.priority,
    code: senderConcept(request.action, action),
    description: action,
    ...(links.referral !== undefined ? { focus: links.referral } : {}),
    for: ctx.patient,
    ...(links.encounter !== undefined ? { encounter: links.encounter } : {}),
    authoredOn: request.requestedAt,
    lastModified: body.source.sentAt,
    requester: linkWorkerReference(body),
    owner: practiceReference(body),
    reasonCode: { text: request.reason },
  };
}

export function mapGpRequests(
  kind: Kind,
  body: Body,
  ctx: MapContext,
  requests: readonly GpRequest[] | undefined,
  links: GpRequestLinks,
): Task[] {
  return (requests ?? []).map((request) => mapGpRequest(kind, body, ctx, request, links));
}
