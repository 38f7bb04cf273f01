/**
 * Business identifiers for the resources a message produces. Each is derived only from the source record, so the
 * same record always yields the same identifier, and conditional writes keyed on it make redelivery harmless.
 */
import { createHash } from 'node:crypto';
import type { Coding, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import type { MessageKind, SourceRef } from '../messages/schemas';
import { SYSTEMS } from './codes';

/**
 * The identifier of one resource written from a source record. The source system's URI is the identifier
 * system; the value names the record kind, the record id and, where one record yields several resources, the part.
 */
export function sourceIdentifier(system: string, kind: MessageKind, recordId: string, part?: string): Identifier {
  return { system, value: part === undefined ? `${kind}/${recordId}` : `${kind}/${recordId}/${part}` };
}

export function recordIdentifier(source: SourceRef, kind: MessageKind, part?: string): Identifier {
  return sourceIdentifier(source.system, kind, source.recordId, part);
}

/** `system|value`, the token form FHIR search and conditional writes use. */
export function identifierToken(identifier: Identifier): string {
  return `${identifier.system ?? ''}|${identifier.value ?? ''}`;
}

/** A stable urn:uuid for an identifier, so bundle entries can reference each other without randomness. */
export function identifierUrn(resourceType: string, identifier: Identifier): string {
  const hex = createHash('sha256')
    .update(`${resourceType}\n${identifierToken(identifier)}`)
    .digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A reference to another resource in the same transaction Bundle, by the fullUrl `transactionBundle` gives it. */
export function bundleReference<T extends Resource = Resource>(
  resourceType: T['resourceType'],
  identifier: Identifier,
): Reference<T> {
  return { reference: identifierUrn(resourceType, identifier), type: resourceType };
}

/** The search URL that selects a resource by one business identifier, for conditional writes and references. */
export function identifierSearchUrl(resourceType: string, identifier: Identifier): string {
  if (identifier.system === undefined || identifier.value === undefined) {
    throw new Error(`${resourceType} has no business identifier to select it by`);
  }
  return `${resourceType}?identifier=${encodeURIComponent(identifier.system)}|${encodeURIComponent(identifier.value)}`;
}

/**
 * A conditional reference (FHIR R4 transaction processing): the server resolves it to the one resource with this
 * identifier when it applies the transaction, so a record can name a resource an earlier message wrote without
 * knowing the id the server gave it.
 */
export function conditionalReference<T extends Resource = Resource>(
  resourceType: T['resourceType'],
  identifier: Identifier,
): Reference<T> {
  return { reference: identifierSearchUrl(resourceType, identifier), type: resourceType };
}

/** The write-key tag of a resource R4 gives no business identifier (see `SYSTEMS.writeKey`). */
export function writeKeyTag(key: string): Coding {
  return { system: SYSTEMS.writeKey, code: key };
}

/** The write key a resource carries in `meta.tag`, if any. */
export function writeKeyOf(resource: Resource): string | undefined {
  return resource.meta?.tag?.find((tag) => tag.system === SYSTEMS.writeKey)?.code;
}
