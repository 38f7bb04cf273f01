/**
 * Maps a connection (an onward referral or signposting to a voluntary, community or social enterprise
 * organisation) to a ServiceRequest based on the social prescribing referral and in its episode, performed by that
 * organisation and towards the person's goals, with the barriers that stopped it and the person's readiness as
 * Observations about it.
 */
import type { Extension, Observation, Organization, Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { ConnectionMessage, ConnectionStatus } from '../messages/schemas';
import { CODES, EXTENSIONS, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { BARRIER_DISPLAY, CONNECTION_STATUS_DISPLAY } from './display';
import { episodeExtension } from './episode-of-care';
import { bundleReference, recordIdentifier, sourceIdentifier } from './identifiers';
import { mapBarriers, mapReadiness } from './observation-parts';
import { linkWorkerReference, sourceVersionExtension } from './people';

/** Suggested is still a draft; referred is open; attended is done; declined and not possible are revoked. */
export const CONNECTION_STATUS_TO_FHIR: Readonly<Record<ConnectionStatus, ServiceRequest['status']>> = {
  suggested: 'draft',
  referred: 'active',
  attended: 'completed',
  declined: 'revoked',
  'not-possible': 'revoked',
};

/** The organisation's own page, when the sender gave one, is kept on a contained Organization the GP can follow. */
const CONTAINED_ORGANISATION = 'organisation';

function organisationIdentifier(organisation: ConnectionMessage['organisation']): Pick<Organization, 'identifier'> {
  return organisation.odsCode !== undefined
    ? { identifier: [{ system: SYSTEMS.odsOrganisation, value: organisation.odsCode }] }
    : {};
}

function containedOrganisation(organisation: ConnectionMessage['organisation']): Organization | undefined {
  if (organisation.url === undefined) {
    return undefined;
  }
  return {
    resourceType: 'Organization',
    id: CONTAINED_ORGANISATION,
    ...organisationIdentifier(organisation),
    name: organisation.name,
    telecom: [{ system: 'url', value: organisation.url }],
  };
}

function performer(organisation: ConnectionMessage['organisation']): Reference<Organization> {
  if (organisation.url !== undefined) {
    return { reference: `#${CONTAINED_ORGANISATION}`, type: 'Organization', display: organisation.name };
  }
  return {
    type: 'Organization',
    ...(organisation.odsCode !== undefined
      ? { identifier: { system: SYSTEMS.odsOrganisation, value: organisation.odsCode } }
      : {}),
    display: organisation.name,
  };
}

/**
 * Why a declined or not-possible connection will not go ahead: the barriers that stopped it (a coded barrier when
 * there is exactly one, their words either way), never the status again. A refusal with no barrier named has no
 * reason to give, so none is written.
 */
function statusReasonExtension(message: ConnectionMessage): Extension | undefined {
  const barriers = message.barriers ?? [];
  const ended = message.status === 'declined' || message.status === 'not-possible';
  const [only] = barriers;
  if (!ended || only === undefined) {
    return undefined;
  }
  return {
    url: EXTENSIONS.requestStatusReason,
    valueCodeableConcept: {
      ...(barriers.length === 1
        ? { coding: [{ system: SYSTEMS.spBarrier, code: only.code, display: BARRIER_DISPLAY[only.code] }] }
        : {}),
      text: barriers.map((b) => b.text ?? BARRIER_DISPLAY[b.code]).join('; '),
    },
  };
}

/** The goals the connection works towards, named by their business identifiers (core resource-pertainsToGoal). */
function goalExtensions(message: ConnectionMessage): Extension[] {
  return (message.goalIds ?? []).map((goalId) => ({
    url: EXTENSIONS.pertainsToGoal,
    valueReference: { type: 'Goal', identifier: sourceIdentifier(message.source.system, 'goal', goalId) },
  }));
}

export function mapConnectionRequest(message: ConnectionMessage, ctx: MapContext): ServiceRequest {
  const code = message.type === 'referral' ? CODES.communityReferral : CODES.communitySignposting;
  const barriers = message.barriers ?? [];
  const statusReason = statusReasonExtension(message);
  const contained = containedOrganisation(message.organisation);
  const identifier = recordIdentifier(message.source, 'connection');
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILES.connection] },
    ...(contained !== undefined ? { contained: [contained] } : {}),
    extension: [
      {
        url: EXTENSIONS.connectionStatus,
        valueCoding: {
          system: SYSTEMS.spConnectionStatus,
          code: message.status,
          display: CONNECTION_STATUS_DISPLAY[message.status],
        },
      },
      sourceVersionExtension(message),
      episodeExtension(message),
      ...(statusReason !== undefined ? [statusReason] : []),
      ...goalExtensions(message),
    ],
    identifier: [identifier],
    ...(ctx.referral !== undefined ? { basedOn: [ctx.referral] } : {}),
    status: CONNECTION_STATUS_TO_FHIR[message.status],
    // Signposting hands the person the details (a proposal); a referral is made on their behalf (an order).
    intent: message.type === 'referral' ? 'order' : 'proposal',
    code: { coding: [code], text: code.display },
    orderDetail: [{ text: message.service }],
    subject: ctx.patient,
    authoredOn: message.statusAt,
    requester: linkWorkerReference(message),
    performer: [performer(message.organisation)],
    ...(barriers.length > 0
      ? {
          supportingInfo: barriers.map((_b, index) =>
            bundleReference('Observation', recordIdentifier(message.source, 'connection', `barrier/${index + 1}`)),
          ),
        }
      : {}),
    ...(message.note !== undefined ? { note: [{ text: message.note, time: message.statusAt }] } : {}),
  };
}

export function mapConnection(message: ConnectionMessage, ctx: MapContext): (ServiceRequest | Observation)[] {
  const focus = bundleReference<ServiceRequest>('ServiceRequest', recordIdentifier(message.source, 'connection'));
  return [
    mapConnectionRequest(message, ctx),
    ...mapBarriers('connection', message, ctx, message.barriers ?? [], { effective: message.statusAt, focus }),
    ...(message.readiness !== undefined
      ? [mapReadiness('connection', message, ctx, message.readiness, { prefix: '', focus })]
      : []),
  ];
}
