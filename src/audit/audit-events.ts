/**
 * FHIR R4 AuditEvents following IHE Basic Audit Log Patterns (BALP) for each delivery the ledger records: a
 * `delivered` entry becomes IHE.BasicAudit.PatientCreate for the resources the EHR created and PatientUpdate for
 * those it updated; a `failed` entry becomes a PatientCreate with a failure outcome. Pure functions of the ledger
 * facts, so the same events come out of the API, the CLI and tests.
 */
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Bundle, Coding } from '@medplum/fhirtypes';
import type { WrittenResource } from '../messages/record';
import type { LedgerEventOf } from '../store/ledger-events';

const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
/** Identifier system for the adapter's API clients (the sending link-worker systems). */
export const API_CLIENT_SYSTEM = 'urn:sp-fhir-adapter:api-client';

export interface AuditEventSite {
  /** The adapter's name and version, as the client agent and the audit source. */
  readonly adapterName: string;
  readonly adapterVersion: string;
  /** Host name or URL the adapter is reached at: the client agent's network address. */
  readonly adapterAddress: string;
  /** The FHIR base URL of an endpoint id, when it is still configured. */
  endpointUrl(endpointId: string): string | undefined;
}

/** The site description from the adapter's version, its address and its endpoint registry. */
export function auditEventSite(options: {
  readonly version: string;
  readonly address: string;
  readonly endpoints: { get(id: string): { readonly baseUrl?: string } | undefined };
}): AuditEventSite {
  return {
    adapterName: 'sp-fhir-adapter',
    adapterVersion: options.version,
    adapterAddress: options.address,
    endpointUrl: (id) => options.endpoints.get(id)?.baseUrl,
  };
}

/** A delivery attempt's outcome as the ledger records it. */
export type DeliveryEvent = LedgerEventOf<'delivered'> | LedgerEventOf<'failed'>;

/** What the ledger and the message record say about one delivery. */
export interface DeliveryFacts {
  /** Stream id of the `delivered` or `failed` entry, which the AuditEvent ids are made from. */
  readonly entryId: string;
  readonly event: DeliveryEvent;
  /** The message's `received` event (client, kind, source ids). */
  readonly received?: LedgerEventOf<'received'>;
  /** The resources the EHR wrote, with their HTTP status (201 created, 200 updated), from the message record. */
  readonly resources?: readonly WrittenResource[];
}

type Interaction = 'create' | 'update';

function coding(system: string, code: string, display: string): Coding {
  return { system, code, display };
}

/** `ServiceRequest/1/_history/2` → reference and version; the ledger's own list when the record has none. */
function resourcesOf(facts: DeliveryFacts): WrittenResource[] {
  if (facts.resources !== undefined && facts.resources.length > 0) {
    return [...facts.resources];
  }
  return (facts.event.type === 'delivered' ? facts.event.resources : '')
    .split(' ')
    .filter((text) => text !== '')
    .map((text) => {
      const [resourceType = '', id = '', , versionId] = text.split('/');
      return {
        resourceType,
        reference: `${resourceType}/${id}`,
        ...(versionId !== undefined ? { versionId } : {}),
        status: versionId === undefined || versionId === '1' ? '201' : '200',
      };
    });
}

function interactionOf(resource: WrittenResource): Interaction {
  return resource.status.startsWith('201') ? 'create' : 'update';
}

function agents(facts: DeliveryFacts, site: AuditEventSite): AuditEventAgent[] {
  const endpoint = facts.event.endpoint;
  const endpointUrl = site.endpointUrl(endpoint);
  const client = facts.received?.client;
  return [
    {
      type: { coding: [coding(DCM, '110153', 'Source Role ID')] },
      who: { display: `${site.adapterName} ${site.adapterVersion}` },
      requestor: false,
      network: { address: site.adapterAddress, type: '1' },
    },
    {
      type: { coding: [coding(DCM, '110152', 'Destination Role ID')] },
      who: {
        ...(endpointUrl !== undefined ? { identifier: { system: 'urn:ietf:rfc:3986', value: endpointUrl } } : {}),
        display: `EHR endpoint ${endpoint}`,
      },
      requestor: false,
      ...(endpointUrl !== undefined ? { network: { address: endpointUrl, type: '5' } } : {}),
    },
    ...(client !== undefined
      ? [
          {
            type: {
              coding: [coding('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'INF', 'informant')],
            },
            who: { identifier: { system: API_CLIENT_SYSTEM, value: client }, display: `sending system ${client}` },
            requestor: true,
          },
        ]
      : []),
  ];
}

/**
 * The patient as the EHR knows it: the literal reference the delivery resolved (`Patient/<id>`, relative to the
 * endpoint's FHIR base, which the entity's `endpoint` detail names). Never an NHS number, so the export holds no
 * patient identifiers. Deliveries recorded before the reference was kept name only their message.
 */
function patientEntity(facts: DeliveryFacts, site: AuditEventSite): AuditEventEntity {
  const messageId = facts.event.messageId;
  const reference = facts.event.patient;
  const endpoint = facts.event.endpoint;
  const endpointUrl = site.endpointUrl(endpoint);
  return {
    what:
      reference !== undefined && reference !== ''
        ? { reference }
        : { display: `the patient of message ${messageId} (not recorded for this delivery)` },
    type: coding(ENTITY_TYPE, '1', 'Person'),
    role: coding(OBJECT_ROLE, '1', 'Patient'),
    ...(reference !== undefined && endpointUrl !== undefined
      ? { detail: [{ type: 'endpoint', valueString: endpointUrl }] }
      : {}),
  };
}

function transactionEntity(requestId: string | undefined): AuditEventEntity[] {
  return requestId === undefined
    ? []
    : [
        {
          what: { identifier: { value: requestId } },
          type: coding(
            'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
            'XrequestId',
            'X-Request-Id',
          ),
        },
      ];
}

function dataEntity(resource: WrittenResource): AuditEventEntity {
  const versioned = resource.versionId === undefined ? '' : `/_history/${resource.versionId}`;
  return {
    what: { reference: `${resource.reference}${versioned}` },
    type: coding(ENTITY_TYPE, '2', 'System Object'),
    role: coding(OBJECT_ROLE, '4', 'Domain Resource'),
  };
}

function baseEvent(
  facts: DeliveryFacts,
  site: AuditEventSite,
  interaction: Interaction,
  idSuffix: string,
): AuditEvent & { meta: { profile: string[] } } {
  return {
    resourceType: 'AuditEvent',
    id: `${facts.entryId}-${idSuffix}`,
    meta: { profile: [`${BALP}.${interaction === 'create' ? 'PatientCreate' : 'PatientUpdate'}`] },
    type: coding('http://terminology.hl7.org/CodeSystem/audit-event-type', 'rest', 'Restful Operation'),
    subtype: [coding('http://hl7.org/fhir/restful-interaction', interaction, interaction)],
    action: interaction === 'create' ? 'C' : 'U',
    recorded: facts.event.at,
    outcome: '0',
    agent: agents(facts, site),
    source: {
      observer: { display: `${site.adapterName} ${site.adapterVersion}` },
      type: [coding('http://terminology.hl7.org/CodeSystem/security-source-type', '4', 'Application Server')],
    },
    entity: [],
  };
}

/** The AuditEvents for one `delivered` or `failed` ledger entry. */
export function auditEventsFor(facts: DeliveryFacts, site: AuditEventSite): AuditEvent[] {
  // The audited transaction is the adapter's request to the EHR: the X-Request-Id of that attempt.
  const common = [...transactionEntity(facts.event.requestId), patientEntity(facts, site)];
  if (facts.event.type === 'failed') {
    const status = facts.event.httpStatus ?? 0;
    const event = baseEvent(facts, site, 'create', 'f');
    return [
      {
        ...event,
        // 4: the EHR refused the data (a 4xx); 8: the EHR or the network failed.
        outcome: status >= 400 && status < 500 ? '4' : '8',
        outcomeDesc: facts.event.reason,
        entity: common,
      },
    ];
  }
  const resources = resourcesOf(facts);
  return (['create', 'update'] as const).flatMap((interaction) => {
    const written = resources.filter((r) => interactionOf(r) === interaction);
    if (written.length === 0) {
      return [];
    }
    const event = baseEvent(facts, site, interaction, interaction === 'create' ? 'c' : 'u');
    return [{ ...event, entity: [...common, ...written.map(dataEntity)] }];
  });
}

/** A collection Bundle of AuditEvents, as the API and the CLI export them. */
export function auditEventBundle(events: readonly AuditEvent[], now: Date): Bundle<AuditEvent> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: now.toISOString(),
    entry: events.map((resource) => ({ fullUrl: `urn:sp-fhir-adapter:audit-event:${resource.id ?? ''}`, resource })),
  };
}
