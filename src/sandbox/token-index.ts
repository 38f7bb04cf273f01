/**
 * An exact-match index from the two tokens the adapter's conditional writes search by (a business identifier,
 * `identifier=system|value`, and a write-key tag, `_tag=system|code`) to resource ids. MemoryRepository answers
 * every search by evaluating FHIRPath against each stored resource, so without it each conditional write costs
 * time proportional to the store's size and a long run slows down quadratically.
 */
import { Operator } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { Coding, Identifier, Resource } from '@medplum/fhirtypes';

type TokenParameter = 'identifier' | '_tag';

export class TokenIndex {
  private readonly idsByKey = new Map<string, Set<string>>();
  private readonly keysByResource = new Map<string, readonly string[]>();

  /**
   * @param identifierTypes - types whose `identifier` search parameter is exactly `<Type>.identifier`, so that the
   *   index gives the same answer as the search parameter would. `_tag` is `Resource.meta.tag` on every type.
   */
  constructor(private readonly identifierTypes: ReadonlySet<string>) {}

  /** Records the tokens of the version just written (replacing those of the previous version). */
  put(resource: Resource & { id: string }): void {
    this.remove(resource.resourceType, resource.id);
    const keys: string[] = [];
    if (this.identifierTypes.has(resource.resourceType)) {
      for (const identifier of identifiersOf(resource)) {
        if (identifier.system && identifier.value) {
          keys.push(indexKey(resource.resourceType, 'identifier', identifier.system, identifier.value));
        }
      }
    }
    for (const tag of tagsOf(resource)) {
      if (tag.system && tag.code) {
        keys.push(indexKey(resource.resourceType, '_tag', tag.system, tag.code));
      }
    }
    if (keys.length === 0) {
      return;
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
   * The ids matching a search that is nothing but one `identifier=system|value` (on a type whose parameter is
   * narrow) or one `_tag=system|code`, or undefined when the search has any other shape and must go to the full
   * scan.
   */
  lookup(search: SearchRequest): readonly string[] | undefined {
    const [filter, ...others] = search.filters ?? [];
    if (
      !filter ||
      others.length > 0 ||
      filter.operator !== Operator.EQUALS ||
      search.sortRules?.length ||
      search.include?.length ||
      search.revInclude?.length
    ) {
      return undefined;
    }
    const parameter = indexedParameter(filter.code, search.resourceType, this.identifierTypes);
    const parts = filter.value.split('|');
    const [system, value] = parts;
    if (parameter === undefined || parts.length !== 2 || !system || !value || filter.value.includes(',')) {
      return undefined;
    }
    return [...(this.idsByKey.get(indexKey(search.resourceType, parameter, system, value)) ?? [])];
  }
}

function indexedParameter(
  code: string,
  resourceType: string,
  identifierTypes: ReadonlySet<string>,
): TokenParameter | undefined {
  if (code === '_tag') {
    return '_tag';
  }
  return code === 'identifier' && identifierTypes.has(resourceType) ? 'identifier' : undefined;
}

function identifiersOf(resource: Resource): readonly Identifier[] {
  // Not every resource type has an identifier list, so Resource as a whole does not declare one.
  const identifier = (resource as { identifier?: unknown }).identifier;
  return Array.isArray(identifier) ? (identifier as Identifier[]) : [];
}

function tagsOf(resource: Resource): readonly Coding[] {
  return resource.meta?.tag ?? [];
}

/** Token search compares system and value case-insensitively, so the index does too. */
function indexKey(resourceType: string, parameter: TokenParameter, system: string, value: string): string {
  return `${resourceType}\n${parameter}\n${system.toLowerCase()}\n${value.toLowerCase()}`;
}
