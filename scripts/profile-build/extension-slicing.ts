// The slicing FHIR implies for an extension element (by url, unordered, open), written into snapshots that leave it
// out. A differential may name extension slices without a slicing entry; fhir-snapshot-generator then leaves the
// entry out of the snapshot too, where SUSHI, Medplum's validator and the project's lint expect it.
import type { ElementDefinitionSlicing, StructureDefinition } from '@medplum/fhirtypes';

const EXTENSION_SLICING: ElementDefinitionSlicing = {
  discriminator: [{ type: 'value', path: 'url' }],
  ordered: false,
  rules: 'open',
};

/** Gives every sliced extension element of a snapshot that lacks one the slicing FHIR implies for it. */
export function withExtensionSlicing(sd: StructureDefinition): StructureDefinition {
  const elements = sd.snapshot?.element;
  if (!elements) {
    return sd;
  }
  const sliced = new Set(elements.filter((e) => e.sliceName !== undefined).map((e) => e.path));
  return {
    ...sd,
    snapshot: {
      ...sd.snapshot,
      element: elements.map((e) =>
        e.sliceName === undefined &&
        e.slicing === undefined &&
        sliced.has(e.path) &&
        /\.(extension|modifierExtension)$/.test(e.path)
          ? { ...e, slicing: structuredClone(EXTENSION_SLICING) }
          : e,
      ),
    },
  };
}
