/**
 * The sandbox's CapabilityStatement (`GET /fhir/metadata`). It states only what the sandbox really does, so a
 * connection check run against the sandbox means the same thing as one run against a practice's EHR.
 */
import { getResourceTypes, getSearchParameter } from '@medplum/core';
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceInteraction,
  ResourceType,
} from '@medplum/fhirtypes';
import { ensureFhirDefinitionsLoaded } from '../lib/fhir-definitions';

const TYPE_INTERACTIONS: readonly CapabilityStatementRestResourceInteraction['code'][] = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'create',
  'search-type',
];

export function buildCapabilityStatement(date: Date): CapabilityStatement {
  ensureFhirDefinitionsLoaded();
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: date.toISOString(),
    publisher: 'sp-fhir-adapter',
    kind: 'instance',
    software: { name: 'sp-fhir-adapter sandbox EHR' },
    implementation: { description: 'In-memory FHIR R4 server standing in for a GP practice EHR' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        resource: [...getResourceTypes()].sort().map(describeType),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
        operation: [{ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' }],
      },
    ],
  };
}

function describeType(type: ResourceType): CapabilityStatementRestResource {
  return {
    type,
    interaction: TYPE_INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned',
    readHistory: true,
    // The server chooses ids, as Medplum's does: the adapter must never depend on update-as-create.
    updateCreate: false,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'single',
    searchParam: [
      { name: '_id', type: 'token' },
      ...(getSearchParameter(type, 'identifier') ? [{ name: 'identifier', type: 'token' as const }] : []),
    ],
  };
}
