/**
 * An exact-match index from business identifier (system|value) to resource ids. MemoryRepository answers every
 * search by evaluating FHIRPath against each stored resource, so each conditional create/update costs time
 * proportional to the store's size; the adapter's writes all search by one identifier, which this answers directly.
 */
import { Operator } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { Identifier, Resource } from '@medplum/fhirtypes';

export class IdentifierIndex {
  private readonly idsByKey = new Map<string, Set<string>>();
  private readonly keysByResource = new Map<string, readonly string[]>();

  /**
   * @param indexedTypes - types whose `identifier` search parameter is exactly `<Type>.identifier`, so that the
   *   index gives the same answer as the search parameter would.
   */
  constructor(private readonly indexedTypes: ReadonlySet<string>) {}

  /** Records the identifiers of the version just written (replacing those of the previous version). */
  put(resource: Resource & { id: string }): void {
    this.remove(resource.resourceType, resource.id);
    if (!this.indexedTypes.has(resource.resourceType)) {
      return;
    }
    const keys: string[] = [];
    for (const identifier of identifiersOf(resource)) {
      if (identifier.system && identifier.value) {
        keys.push(indexKey(resource.resourceType, identifier.system, identifier.value));
      }
    }
    for (const key of keys) {
      let ids = this.idsByKey.get(key);
      if (!ids) {
        ids = new Set();
        this.idsByKey.set(key, ids);
      }
      ids.add(resource.id);
    }
    this.keysByResource.set(`${resource.resourceType}/${resource.id}`, keys);
  }

  remove(resourceType: string, id: string): void {
    const reference = `${resourceType}/${id}`;
    for (const key of this.keysByResource.get(reference) ?? []) {
      const ids = this.idsByKey.get(key);
      ids?.delete(id);
      if (ids?.size === 0) {
        this.idsByKey.delete(key);
      }
    }
    this.keysByResource.delete(reference);
  }

  /**
   * The ids matching a search that is nothing but `identifier=system|value` on an indexed type, or undefined when
   * the search has any other shape and must go to the full scan.
   */
  lookup(search: SearchRequest): readonly string[] | undefined {
    const [filter, ...others] = search.filters ?? [];
    if (
      !filter ||
      others.length > 0 ||
      !this.indexedTypes.has(search.resourceType) ||
      filter.code !== 'identifier' ||
      filter.operator !== Operator.EQUALS ||
      search.sortRules?.length ||
      search.include?.length ||
      search.revInclude?.length
    ) {
      return undefined;
    }
    const parts = filter.value.split('|');
    const [system, value] = parts;
    if (parts.length !== 2 || !system || !value || filter.value.includes(',')) {
      return undefined;
    }
    return [...(this.idsByKey.get(indexKey(search.resourceType, system, value)) ?? [])];
  }
}

function identifiersOf(resource: Resource): readonly Identifier[] {
  // Not every resource type has an identifier list, so Resource as a whole does not declare one.
  const identifier = (resource as { identifier?: unknown }).identifier;
  return Array.isArray(identifier) ? (identifier as Identifier[]) : [];
}

/** Token search compares system and value case-insensitively, so the index does too. */
function indexKey(resourceType: string, system: string, value: string): string {
  return `${resourceType}\n${system.toLowerCase()}\n${value.toLowerCase()}`;
}
