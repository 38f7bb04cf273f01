/**
 * Assembles mapped resources into one FHIR transaction Bundle. Every entry with a business identifier is a
 * conditional update keyed on it: it creates the resource the first time and updates the same resource on any
 * redelivery, so a repeated transaction never duplicates anything. A resource without one (the Provenance of
 * this delivery, which records an event rather than a fact) is created.
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
    if (identifier === undefined) {
      return { resource, request: { method: 'POST', url: resource.resourceType } };
    }
    return {
      fullUrl: identifierUrn(resource.resourceType, identifier),
      resource,
      request: { method: 'PUT', url: conditionalUrl(resource) },
    };
  });
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
