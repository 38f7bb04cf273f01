/**
 * Assembles mapped resources into one FHIR transaction Bundle. Every entry with a business identifier is a
 * conditional update keyed on it: it creates the resource the first time and updates the same resource on any
 * redelivery, so a repeated transaction never duplicates anything. A resource with a stable id (the Provenance,
 * which R4 gives no identifier, and the EpisodeOfCare, which other records name by its id) is written to that id
 * (update-as-create), for the same reason.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { identifierUrn } from './identifiers';

export type IdentifiedResource = Resource & { identifier?: { system?: string; value?: string }[] };

/** The search URL that selects a resource by its first business identifier. */
export function conditionalUrl(resource: IdentifiedResource): string {
  const identifier = resource.identifier?.[0];
  if (identifier?.system === undefined || identifier.value === undefined) {
    throw new Error(`${resource.resourceType} has no business identifier to write it conditionally`);
  }
  return `${resource.resourceType}?identifier=${encodeURIComponent(identifier.system)}|${encodeURIComponent(identifier.value)}`;
}

export function transactionBundle(resources: readonly IdentifiedResource[]): Bundle {
  const entry: BundleEntry[] = resources.map((resource) => {
    const identifier = resource.identifier?.[0];
    // A stable id wins over the identifier: other records name such a resource by it (the episode of care).
    if (resource.id !== undefined) {
      return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
    }
    if (identifier === undefined) {
      throw new Error(`${resource.resourceType} has neither a business identifier nor a stable id`);
    }
    return {
      fullUrl: identifierUrn(resource.resourceType, identifier),
      resource,
      request: { method: 'PUT', url: conditionalUrl(resource) },
    };
  });
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
