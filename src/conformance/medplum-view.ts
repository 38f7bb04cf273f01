/**
 * The view of a StructureDefinition that @medplum/core's validator reads as its snapshot means it: the snapshot
 * without the slices defined inside other slices. The published StructureDefinition is never changed; only what is
 * handed to Medplum is.
 *
 * Why: Medplum (5.2, `StructureDefinitionParser` in its typeschema/types.ts) reads a snapshot with one slicing open
 * at a time. An element with a `sliceName` always starts a slice of the slicing that is open, whatever its path, so
 * a slice inside a slice, such as UKCore-Observation's `Observation.extension:triggeredByR5.extension:observation`
 * (1..1), becomes a slice of `Observation.extension` itself, and every Observation that lacks it is refused
 * ("Incorrect number of values provided for slice 'observation'"); the elements that follow are filed under the
 * wrong slice too (the `url` of `triggeredByR5` lands in `reason`).
 *
 * Why it is equivalent: Medplum validates the members of a slice against their base type only. Of a slice it uses
 * its cardinality and, to match the discriminator, its own direct elements (`url`, `code`); slicing inside a slice
 * has no place in the schema it builds. So the nested slices take no part in what Medplum checks, except through
 * the misreading. Their content is checked by the conformance checker's own walk of the published snapshot.
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/** True for a slice defined inside another slice, and for every element below one. */
export function isInsideNestedSlice(element: ElementDefinition): boolean {
  const segments = (element.id ?? '').split('.');
  return segments.filter((segment) => segment.includes(':')).length > 1;
}

/** The StructureDefinition to give Medplum: the same object when it has no nested slices, else a copy without them. */
export function medplumView(sd: StructureDefinition): StructureDefinition {
  const elements = sd.snapshot?.element;
  if (!elements?.some(isInsideNestedSlice)) {
    return sd;
  }
  return { ...sd, snapshot: { ...sd.snapshot, element: elements.filter((e) => !isInsideNestedSlice(e)) } };
}
