// Medplum's validator misreads a slice inside a slice (UKCore-Observation's triggeredByR5 sub-extensions) as a slice
// of the outer element; the view the checker gives it (src/conformance/medplum-view.ts) leaves those nested slices
// out. This shows the misreading on Medplum itself, that the view removes nothing else, and that Medplum then reads
// every slicing of every compiled profile exactly as its snapshot declares it.
import { OperationOutcomeError, parseStructureDefinition, validateResource } from '@medplum/core';
import type { ElementDefinition, Observation, StructureDefinition } from '@medplum/fhirtypes';
import { createConformanceChecker, loadCompiledResources } from '../../src/conformance';
import { isInsideNestedSlice, medplumView } from '../../src/conformance/medplum-view';
import { ensureFhirDefinitionsLoaded } from '../../src/lib/fhir-definitions';

const compiled = loadCompiledResources();
const TRIGGERED_BY = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.triggeredBy';

beforeAll(() => {
  ensureFhirDefinitionsLoaded();
});

function profile(id: string): StructureDefinition {
  const sd = compiled.structureDefinitions.find((s) => s.id === id);
  if (!sd) {
    throw new Error(`no profile ${id}`);
  }
  return sd;
}

function example(id: string): Observation {
  const found = compiled.examples.find((r) => r.id === id);
  if (found?.resourceType !== 'Observation') {
    throw new Error(`no Observation example ${id}`);
  }
  return structuredClone(found);
}

function refusal(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return err.outcome.issue.map((i) => i.details?.text ?? '');
    }
    throw err;
  }
}

/** The slices a snapshot declares directly on the element `id`: `<id>:<name>`, with their cardinality. */
function declaredSlices(elements: readonly ElementDefinition[], id: string): string[] {
  return elements
    .filter((e) => e.sliceName !== undefined && e.id === `${id}:${e.sliceName}`)
    .map((e) => `${e.sliceName ?? ''} ${String(e.min)}..${e.max ?? ''}`);
}

/** The slices Medplum's schema holds for each top-level sliced element, in the same notation. */
function medplumSlices(sd: StructureDefinition): Map<string, string[]> {
  const schema = parseStructureDefinition(sd);
  const found = new Map<string, string[]>();
  for (const [key, element] of Object.entries(schema.elements)) {
    if (element.slicing) {
      found.set(
        `${sd.type}.${key}`,
        element.slicing.slices.map(
          (s) => `${s.name} ${String(s.min)}..${Number.isFinite(s.max) ? String(s.max) : '*'}`,
        ),
      );
    }
  }
  return found;
}

describe("Medplum's reading of a published Observation profile (the reason for the view)", () => {
  it('takes the sub-extension slices of triggeredByR5 for slices of Observation.extension', () => {
    const slices = medplumSlices(profile('sp-need')).get('Observation.extension');
    expect(slices).toEqual(expect.arrayContaining(['observation 1..1', 'type 1..1']));
  });

  it("so it refuses the profile's own example, which the view lets it accept", () => {
    const published = profile('sp-need');
    expect(refusal(() => validateResource(example('sp-need-example'), { profile: published }))).toEqual(
      expect.arrayContaining([
        "Incorrect number of values provided for slice 'observation': expected 1..1, but found 0",
      ]),
    );
    expect(refusal(() => validateResource(example('sp-need-example'), { profile: medplumView(published) }))).toEqual(
      [],
    );
  });
});

describe('medplumView', () => {
  it('returns every StructureDefinition without nested slices as it is, the same object', () => {
    const plain = compiled.structureDefinitions.filter((sd) => !sd.snapshot?.element.some(isInsideNestedSlice));
    expect(plain.length).toBeGreaterThan(0);
    for (const sd of plain) {
      expect(medplumView(sd)).toBe(sd);
    }
  });

  it('leaves out exactly the nested slices and what is below them, keeping every other element and its order', () => {
    const published = profile('sp-need');
    const elements = published.snapshot?.element ?? [];
    const view = medplumView(published);
    const removed = elements.filter((e) => !(view.snapshot?.element ?? []).includes(e)).map((e) => e.id);
    expect(removed).toContain('Observation.extension:triggeredByR5.extension:observation');
    expect(removed).toContain('Observation.extension:triggeredByR5.extension:reason.value[x]');
    expect(removed.every((id) => /:[^.]+\..*:/.test(id ?? ''))).toBe(true);
    expect(view.snapshot?.element).toEqual(elements.filter((e) => !removed.includes(e.id)));
    // The nested slicing entry itself stays: it is an element of the triggeredByR5 slice.
    expect(view.snapshot?.element.map((e) => e.id)).toContain('Observation.extension:triggeredByR5.extension');
    // The published definition is not touched.
    expect(published.snapshot?.element).toHaveLength(elements.length);
    expect(elements.map((e) => e.id)).toContain('Observation.extension:triggeredByR5.extension:observation');
  });

  it.each(compiled.structureDefinitions.map((sd) => [sd.id ?? sd.url, sd] as const))(
    '%s: Medplum reads each slicing of the view with the slices its snapshot declares there',
    (_id, sd) => {
      const elements = sd.snapshot?.element ?? [];
      const read = medplumSlices(medplumView(sd));
      for (const [id, slices] of read) {
        expect({ id, slices }).toEqual({ id, slices: declaredSlices(elements, id) });
      }
      // And no top-level element's slices are missed.
      const topLevel = elements.filter((e) => /^[^.]+\.[^.:]+$/.test(e.id ?? ''));
      for (const element of topLevel) {
        const declared = declaredSlices(elements, element.id ?? '');
        if (declared.length > 0) {
          expect({ id: element.id, slices: read.get(element.id ?? '') }).toEqual({ id: element.id, slices: declared });
        }
      }
    },
  );

  it('lets Medplum match the triggeredByR5 slice by its url, which the misreading filed under another slice', () => {
    const schema = parseStructureDefinition(medplumView(profile('sp-need')));
    const slice = schema.elements.extension?.slicing?.slices.find((s) => s.name === 'triggeredByR5');
    expect(slice?.elements.url?.fixed?.value).toBe(TRIGGERED_BY);
  });
});

describe('the checker with the view', () => {
  const checker = createConformanceChecker(compiled);

  it('accepts every Observation example of its profile', () => {
    const observations = compiled.examples.filter((r) => r.resourceType === 'Observation');
    expect(observations).toHaveLength(13);
    for (const observation of observations) {
      expect({ id: observation.id, issues: checker.check(observation) }).toEqual({ id: observation.id, issues: [] });
    }
  });

  it('still checks the content of a triggeredByR5 extension by walking the published snapshot', () => {
    const need = example('sp-need-example');
    need.extension = [
      ...(need.extension ?? []),
      { url: TRIGGERED_BY, extension: [{ url: 'observation', valueReference: { reference: 'Observation/1' } }] },
    ];
    expect(checker.check(need)).toEqual([
      expect.objectContaining({
        severity: 'error',
        expression: [`Observation.extension[${String(need.extension.length - 1)}].extension`],
      }),
    ]);
  });
});
