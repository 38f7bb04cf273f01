/**
 * Assembles mapped resources into one FHIR transaction Bundle. Every entry is a conditional update: keyed on its
 * business identifier, or, for a resource R4 gives no identifier (the Provenance), on its write-key tag. It creates
 * the resource the first time and updates the same resource on any redelivery, so a repeated transaction never
 * duplicates anything, and the server always chooses the id (no update-as-create, which many servers refuse). Only a
 * resource read back from the EHR, carrying the id the server gave it, is written to that id.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { SYSTEMS } from './codes';
import { identifierSearchUrl, identifierUrn, writeKeyOf } from './identifiers';

export type IdentifiedResource = Resource & { identifier?: { system?: string; value?: string }[] };

/** The search URL that selects a resource by its first business identifier. */
export function conditionalUrl(resource: IdentifiedResource): string {
  const identifier = resource.identifier?.[0];
  if (identifier === undefined) {
    throw new Error(`${resource.resourceType} has no business identifier to write it conditionally`);
  }
  return identifierSearchUrl(resource.resourceType, identifier);
}

/** The search URL that selects a resource by its write-key tag. */
export function writeKeyUrl(resourceType: string, key: string): string {
  return `${resourceType}?_tag=${encodeURIComponent(SYSTEMS.writeKey)}|${encodeURIComponent(key)}`;
}

function entryOf(resource: IdentifiedResource): BundleEntry {
  // A resource read back from the EHR (an episode part being closed) is updated at the id the server gave it.
  if (resource.id !== undefined) {
    return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
  }
  const identifier = resource.identifier?.[0];
  if (identifier !== undefined) {
    return {
      fullUrl: identifierUrn(resource.resourceType, identifier),
      resource,
      request: { method: 'PUT', url: conditionalUrl(resource) },
    };
  }
  const key = writeKeyOf(resource);
  if (key === undefined) {
    throw new Error(`${resource.resourceType} has neither a business identifier nor a write key`);
  }
  return {
    fullUrl: identifierUrn(resource.resourceType, { system: SYSTEMS.writeKey, value: key }),
    resource,
    request: { method: 'PUT', url: writeKeyUrl(resource.resourceType, key) },
  };
}

export function transactionBundle(resources: readonly IdentifiedResource[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry: resources.map(entryOf) };
}
