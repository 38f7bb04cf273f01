// Compares two snapshots of the same profile element by element (ids and their order, paths, cardinality, types,
// slicing, content references, fixed and pattern values), so a snapshot from one generator can be checked
// against another's.
//
// Generators may differ in how far they unfold an element into the children of its type: SUSHI spells out the
// url and value of an extension slice whose url a rule names, where fhir-snapshot-generator leaves them to the
// extension's definition. An element only one snapshot has is therefore accepted when it says exactly what the
// definition of its type says (the profiled type's own snapshot, or the base data type's, followed down as far as
// needed); anything else it says is a disagreement.
import type { ElementDefinition, ElementDefinitionType, StructureDefinition } from '@medplum/fhirtypes';

export interface SnapshotDisagreement {
  readonly element: string;
  readonly aspect: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function types(element: ElementDefinition): unknown {
  return (element.type ?? []).map((t: ElementDefinitionType) => ({
    code: t.code,
    profile: [...(t.profile ?? [])].sort(),
    targetProfile: [...(t.targetProfile ?? [])].sort(),
  }));
}

function slicing(element: ElementDefinition): unknown {
  const s = element.slicing;
  return s === undefined
    ? undefined
    : { discriminator: s.discriminator ?? [], rules: s.rules, ordered: s.ordered ?? false };
}

/** Every fixed[x] and pattern[x] of the element, by property name. */
function fixedAndPatterns(element: ElementDefinition): unknown {
  return Object.fromEntries(
    Object.entries(element).filter(([key]) => key.startsWith('fixed') || key.startsWith('pattern')),
  );
}

const ASPECTS: readonly [string, (element: ElementDefinition) => unknown][] = [
  ['path', (e) => e.path],
  ['sliceName', (e) => e.sliceName],
  ['min', (e) => e.min],
  ['max', (e) => e.max],
  ['type', types],
  ['slicing', slicing],
  ['contentReference', (e) => e.contentReference],
  ['fixed/pattern', fixedAndPatterns],
];

/** The snapshot elements of a type, by profile URL or base type code; undefined when unknown. */
export type TypeDefinitions = (urlOrCode: string) => readonly ElementDefinition[] | undefined;

/** Type definitions from StructureDefinitions: profiles by URL, base types (specialisations) also by type code. */
export function typeDefinitionsFrom(structureDefinitions: readonly StructureDefinition[]): TypeDefinitions {
  const byKey = new Map<string, readonly ElementDefinition[]>();
  for (const sd of structureDefinitions) {
    const elements = sd.snapshot?.element ?? [];
    byKey.set(sd.url, elements);
    if (sd.derivation === 'specialization') {
      byKey.set(sd.type, elements);
    }
  }
  return (key) => byKey.get(key);
}

function withoutLastSegment(id: string): string | undefined {
  const dot = id.lastIndexOf('.');
  return dot === -1 ? undefined : id.slice(0, dot);
}

/** The single type (its profile when it has one) whose definition supplies the children of an element. */
function typeKey(element: ElementDefinition): string | undefined {
  const only = element.type?.length === 1 ? element.type[0] : undefined;
  if (!only?.code) {
    return undefined;
  }
  return only.profile?.length === 1 ? only.profile[0] : only.code;
}

/**
 * What the definition of its type says about the element at `suffix` below `owner` (".value[x].system" below an
 * extension slice): found in the type's snapshot, or below the nearest element there whose own type defines it.
 */
function definitionBelow(
  owner: ElementDefinition,
  suffix: string,
  types: TypeDefinitions,
  depth = 0,
): ElementDefinition | undefined {
  const key = typeKey(owner);
  const elements = key === undefined || depth > 8 ? undefined : types(key);
  const rootId = elements?.[0]?.id;
  if (!elements || rootId === undefined) {
    return undefined;
  }
  const byId = new Map(elements.map((e) => [e.id ?? '', e]));
  const direct = byId.get(`${rootId}${suffix}`);
  if (direct) {
    return direct;
  }
  for (
    let id = withoutLastSegment(`${rootId}${suffix}`);
    id !== undefined && id !== rootId;
    id = withoutLastSegment(id)
  ) {
    const nearer = byId.get(id);
    if (nearer) {
      return definitionBelow(nearer, `${rootId}${suffix}`.slice(id.length), types, depth + 1);
    }
  }
  return undefined;
}

/** Whether an element only one snapshot has says no more than the definition of its type. */
function unfoldedFromType(
  element: ElementDefinition,
  presentInBoth: ReadonlyMap<string, ElementDefinition>,
  types: TypeDefinitions,
): boolean {
  const id = element.id ?? '';
  for (let owner = withoutLastSegment(id); owner !== undefined; owner = withoutLastSegment(owner)) {
    const ownerElement = presentInBoth.get(owner);
    if (ownerElement) {
      const definition = definitionBelow(ownerElement, id.slice(owner.length), types);
      return (
        definition !== undefined &&
        ASPECTS.filter(([aspect]) => aspect !== 'path').every(
          ([, read]) => canonical(read(element)) === canonical(read(definition)),
        )
      );
    }
  }
  return false;
}

/** Every way `actual` differs from `expected`; [] when they agree on each compared aspect. */
export function compareSnapshots(
  expected: readonly ElementDefinition[],
  actual: readonly ElementDefinition[],
  types: TypeDefinitions = () => undefined,
): SnapshotDisagreement[] {
  const found: SnapshotDisagreement[] = [];
  const actualById = new Map(actual.map((e) => [e.id ?? '', e]));
  const expectedIds = new Set(expected.map((e) => e.id ?? ''));
  const inBoth = new Map(expected.filter((e) => actualById.has(e.id ?? '')).map((e) => [e.id ?? '', e]));
  for (const element of expected) {
    const id = element.id ?? '';
    const other = actualById.get(id);
    if (!other) {
      if (!unfoldedFromType(element, inBoth, types)) {
        found.push({ element: id, aspect: 'presence', expected: 'present', actual: 'missing' });
      }
      continue;
    }
    for (const [aspect, read] of ASPECTS) {
      const want = read(element);
      const got = read(other);
      if (canonical(want) !== canonical(got)) {
        found.push({ element: id, aspect, expected: want, actual: got });
      }
    }
  }
  for (const element of actual) {
    if (!expectedIds.has(element.id ?? '') && !unfoldedFromType(element, inBoth, types)) {
      found.push({ element: element.id ?? '', aspect: 'presence', expected: 'absent', actual: 'present' });
    }
  }
  // Order matters to one-pass readers: the ids both have must come in the same sequence.
  const common = (list: readonly ElementDefinition[], others: ReadonlySet<string>): string[] =>
    list.map((e) => e.id ?? '').filter((id) => others.has(id));
  const expectedOrder = common(expected, new Set(actualById.keys()));
  const actualOrder = common(actual, expectedIds);
  const firstOutOfOrder = expectedOrder.findIndex((id, i) => actualOrder[i] !== id);
  if (firstOutOfOrder !== -1) {
    found.push({
      element: expectedOrder[firstOutOfOrder] ?? '',
      aspect: 'position',
      expected: firstOutOfOrder,
      actual: actualOrder.indexOf(expectedOrder[firstOutOfOrder] ?? ''),
    });
  }
  return found;
}
