/**
 * The Provenance of one source record version: which resources it wrote, that the link worker authored them on
 * behalf of their organisation, that this adapter transmitted them, and which source record version they came
 * from. R4 gives Provenance no business identifier, so a write key derived from that version is its tag and the
 * transaction updates it conditionally on that tag: every redelivery or replay writes the same Provenance again
 * rather than adding another, on any server, whatever id the server gave it.
 */
import type { Device, Provenance, Reference } from '@medplum/fhirtypes';
import { nameBasedUuid } from '../lib/name-uuid';
import type { InboundMessage } from '../messages/schemas';
import type { IdentifiedResource } from './bundle';
import { PROFILES, SYSTEMS } from './codes';
import type { MapContext } from './context';
import { bundleReference, recordIdentifier, writeKeyTag } from './identifiers';
import { linkWorkerReference, organisationReference } from './people';

/** How the adapter names itself as the transmitting device. */
export const ADAPTER_DEVICE: Reference<Device> = { type: 'Device', display: 'sp-fhir-adapter' };

function target(resource: IdentifiedResource): Reference {
  if (resource.id !== undefined) {
    return { reference: `${resource.resourceType}/${resource.id}`, type: resource.resourceType };
  }
  const identifier = resource.identifier?.[0];
  if (identifier === undefined) {
    throw new Error(`${resource.resourceType} has no business identifier to be a Provenance target`);
  }
  return bundleReference(resource.resourceType, identifier);
}

/** The Provenance write key of one source record version of one kind (the same on every attempt). */
export function provenanceKey(message: InboundMessage): string {
  const { system, recordId, recordVersion } = message.body.source;
  return nameBasedUuid(`provenance\n${message.kind}\n${system}\n${recordId}\n${recordVersion}`);
}

export function mapProvenance(
  message: InboundMessage,
  ctx: MapContext,
  resources: readonly IdentifiedResource[],
): Provenance {
  const { body } = message;
  const first = body.source.recordVersion === 1;
  return {
    resourceType: 'Provenance',
    meta: { profile: [PROFILES.provenance], tag: [writeKeyTag(provenanceKey(message))] },
    target: resources.map(target),
    occurredDateTime: body.source.sentAt,
    recorded: ctx.recordedAt,
    activity: {
      coding: [
        first
          ? { system: SYSTEMS.dataOperation, code: 'CREATE', display: 'create' }
          : { system: SYSTEMS.dataOperation, code: 'UPDATE', display: 'revise' },
      ],
    },
    agent: [
      {
        type: { coding: [{ system: SYSTEMS.provenanceParticipant, code: 'author', display: 'Author' }] },
        who: linkWorkerReference(body),
        onBehalfOf: organisationReference(body.linkWorker.organisation),
      },
      {
        type: { coding: [{ system: SYSTEMS.provenanceParticipant, code: 'assembler', display: 'Assembler' }] },
        who: ADAPTER_DEVICE,
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: recordIdentifier(body.source, message.kind),
          display: `${message.kind} ${body.source.recordId} version ${body.source.recordVersion}`,
        },
      },
    ],
  };
}
