/**
 * Maps a connection (an onward referral or signposting to a voluntary, community or social enterprise
 * organisation) to a ServiceRequest based on the social prescribing referral, performed by that organisation,
 * with the barriers that stopped it and the person's readiness as Observations about it.
 */
import type { Observation, Organization, Reference, ServiceRequest } from '@medplum/fhirtypes';
import type { ConnectionMessage, ConnectionStatus } from '../messages/schemas';
import { CODES, EXTENSIONS, PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { BARRIER_DISPLAY, CONNECTION_STATUS_DISPLAY } from './display';
import { bundleReference, recordIdentifier } from './identifiers';
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

function performer(organisation: ConnectionMessage['organisation']): Reference<Organization> {
  return {
    type: 'Organization',
    ...(organisation.odsCode !== undefined
      ? { identifier: { system: SYSTEMS.odsOrganisation, value: organisation.odsCode } }
      : {}),
    display: organisation.name,
  };
}

export function mapConnectionRequest(message: ConnectionMessage, ctx: MapContext): ServiceRequest {
  const code = message.type === 'referral' ? CODES.communityReferral : CODES.communitySignposting;
  const barriers = message.barriers ?? [];
  const reasonText = barriers.map((b) => b.text ?? BARRIER_DISPLAY[b.code]).join('; ');
  const ended = message.status === 'declined' || message.status === 'not-possible';
  const identifier = recordIdentifier(message.source, 'connection');
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILES.connection] },
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
      ...(ended
        ? [
            {
              url: EXTENSIONS.requestStatusReason,
              valueCodeableConcept: {
                coding: [
                  {
                    system: SYSTEMS.spConnectionStatus,
                    code: message.status,
                    display: CONNECTION_STATUS_DISPLAY[message.status],
                  },
                ],
                ...(reasonText !== '' ? { text: reasonText } : {}),
              },
            },
          ]
        : []),
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
