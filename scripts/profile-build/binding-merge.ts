// Differential bindings merged onto the binding an element inherits, as FHIR's reference snapshot generator (HL7's
// ProfileUtilities) does, for the snapshot generator this build drives. fhir-snapshot-generator replaces an
// element's binding wholesale with the differential's (mergeElement copies each differential key over the base),
// so a differential binding that only tightens the strength, as UK Core's `Observation.bodySite` does
// (`{ strength: preferred }`), leaves a snapshot binding with neither value set nor description, which breaks the
// R4 invariant sdf-10 and makes a FHIR server refuse the StructureDefinition.
//
// The reference generator starts from a copy of the inherited binding, drops that copy's description and
// extensions, then takes the differential's extensions and whatever strength, description and value set the
// differential gives. A differential binding that names its value set therefore comes out exactly as the
// differential says, with or without merging; only one that names none inherits the base's value set. So the
// build completes those differential bindings before the generator sees them (completedBindings), and the
// generator's wholesale copy then gives the merged result, in the profile itself and in everything derived from it.
import type { ElementDefinition, ElementDefinitionBinding, StructureDefinition } from '@medplum/fhirtypes';

/** A differential binding the generator cannot be given as it is: it names no value set. */
export function isPartialBinding(binding: ElementDefinitionBinding | undefined): boolean {
  return binding !== undefined && binding.valueSet === undefined;
}

/** The differential elements of a definition whose binding names no value set. */
export function partialBindingElements(sd: StructureDefinition): ElementDefinition[] {
  return (sd.differential?.element ?? []).filter((e) => isPartialBinding(e.binding));
}

/**
 * The binding a snapshot element gets from the binding it inherits and its differential's binding, by the rule of
 * the reference snapshot generator (see the top of this module).
 */
export function mergeBinding(
  inherited: ElementDefinitionBinding | undefined,
  differential: ElementDefinitionBinding,
): ElementDefinitionBinding {
  // R4 makes strength 1..1, so the differential always gives it (the converted definitions are validated).
  const { extension, strength, description } = differential;
  const valueSet = differential.valueSet ?? inherited?.valueSet;
  return {
    ...(extension === undefined ? {} : { extension: structuredClone(extension) }),
    strength,
    ...(description === undefined ? {} : { description }),
    ...(valueSet === undefined ? {} : { valueSet }),
  };
}

function withDifferentialElements(
  sd: StructureDefinition,
  map: (element: ElementDefinition) => ElementDefinition,
): StructureDefinition {
  const differential = sd.differential;
  return differential === undefined
    ? sd
    : { ...sd, differential: { ...differential, element: differential.element.map(map) } };
}

/**
 * The definition with the partial differential bindings left out, so a snapshot generated from it shows, at each of
 * those elements, the binding the element inherits.
 */
export function withoutPartialBindings(sd: StructureDefinition): StructureDefinition {
  return withDifferentialElements(sd, (element) => {
    if (!isPartialBinding(element.binding)) {
      return element;
    }
    const copy = { ...element };
    delete copy.binding;
    return copy;
  });
}

export interface CompletedBindings {
  readonly structureDefinition: StructureDefinition;
  /** Differential elements whose inherited element could not be found (the binding is then left as it was). */
  readonly unmatched: readonly string[];
}

/**
 * The definition with each partial differential binding replaced by its merge with the binding the element
 * inherits, read from `inherited`: the snapshot of the definition generated without those bindings
 * (withoutPartialBindings), matched by element id.
 */
export function completedBindings(sd: StructureDefinition, inherited: readonly ElementDefinition[]): CompletedBindings {
  const byId = new Map(inherited.map((e) => [e.id, e]));
  const unmatched: string[] = [];
  const structureDefinition = withDifferentialElements(sd, (element) => {
    const binding = element.binding;
    if (binding === undefined || !isPartialBinding(binding)) {
      return element;
    }
    const base = byId.get(element.id);
    if (base === undefined) {
      unmatched.push(element.id ?? element.path);
      return element;
    }
    return { ...element, binding: mergeBinding(base.binding, binding) };
  });
  return { structureDefinition, unmatched };
}
