/**
 * Spells out, in a profile's snapshot, each element that reuses a sliced element's definition by
 * `contentReference` (Provenance.entity.agent → #Provenance.agent), so @medplum/core can load the profile.
 *
 * Medplum resolves a content reference by the element *path* it saw last. A slice's first element has the same path
 * as the element it slices (Provenance.agent:assembler has path Provenance.agent), so once Provenance.agent is
 * sliced, Provenance.entity.agent is read as a copy of the last slice, with its slice name, and loading fails with
 * "Invalid slice start before discriminator". A content reference means the referenced element's own definition
 * and children, not its slices, so copying those under the referring element's path says the same thing in a form
 * Medplum reads correctly. The published profile is not changed; only the checker's in-memory copy is.
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

function referencedId(element: ElementDefinition): string | undefined {
  const ref = element.contentReference;
  return ref === undefined ? undefined : ref.slice(ref.indexOf('#') + 1);
}

function isSliced(elements: readonly ElementDefinition[], id: string): boolean {
  return elements.some((e) => e.id?.startsWith(`${id}:`) === true);
}

/** The referring element followed by copies of the referenced element's children, re-rooted under it. */
function expand(referring: ElementDefinition, elements: readonly ElementDefinition[]): ElementDefinition[] {
  const targetId = referencedId(referring) ?? '';
  const target = elements.find((e) => e.id === targetId);
  const ownId = referring.id ?? referring.path;
  if (target === undefined) {
    return [referring];
  }
  const reroot = (value: string | undefined, from: string, to: string): string =>
    value === undefined ? to : `${to}${value.slice(from.length)}`;
  // The referring element keeps its own cardinality, base and definition; the rest comes from the target.
  const head: ElementDefinition = {
    ...target,
    id: ownId,
    path: referring.path,
    min: referring.min ?? target.min,
    max: referring.max ?? target.max,
    base: referring.base ?? target.base,
    definition: referring.definition ?? target.definition,
  };
  delete head.slicing;
  delete head.sliceName;
  delete head.contentReference;
  const children = elements
    .filter((e) => e.id?.startsWith(`${targetId}.`) === true)
    .map((e) => ({
      ...e,
      id: reroot(e.id, targetId, ownId),
      path: reroot(e.path, target.path, referring.path),
    }));
  return [head, ...children];
}

/** The profile unchanged, or a copy whose content references to sliced elements are spelled out. */
export function expandSlicedContentReferences(sd: StructureDefinition): StructureDefinition {
  const elements = sd.snapshot?.element;
  if (elements === undefined) {
    return sd;
  }
  const needsExpanding = (e: ElementDefinition): boolean => {
    const id = referencedId(e);
    return id !== undefined && isSliced(elements, id);
  };
  if (!elements.some(needsExpanding)) {
    return sd;
  }
  return {
    ...sd,
    snapshot: { ...sd.snapshot, element: elements.flatMap((e) => (needsExpanding(e) ? expand(e, elements) : [e])) },
  };
}
