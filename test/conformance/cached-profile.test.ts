// The checker validates against the profile schema Medplum parsed once (registered under the profile's URL)
// instead of having Medplum parse the StructureDefinition on every call. This compares the two, issue for issue,
// on every published example and on many broken variants of each, so a change in Medplum that made them differ
// is caught here.
import { OperationOutcomeError, validateResource, validateTypedValue } from '@medplum/core';
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { createConformanceChecker, loadCompiledResources } from '../../src/conformance';
import { medplumView } from '../../src/conformance/medplum-view';

const compiled = loadCompiledResources();

beforeAll(() => {
  // Building the checker indexes the profiles and registers their parsed schemas.
  createConformanceChecker(compiled);
});

function issues(run: () => OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  try {
    return run();
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return err.outcome.issue;
    }
    throw err;
  }
}

type Json = Record<string, unknown>;

/** Broken variants: each property removed or given a wrong type at every depth, and unknown properties added. */
function variants(value: unknown, path: string[] = []): { path: string; apply: (root: Json) => void }[] {
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  const found: { path: string; apply: (root: Json) => void }[] = [];
  const at = (root: Json): Json => path.reduce<Json>((obj, key) => obj[key] as Json, root);
  for (const [key, child] of Object.entries(value as Json)) {
    if (key === 'resourceType') {
      continue;
    }
    const where = [...path, key].join('.');
    found.push({
      path: `${where} removed`,
      apply: (root) => {
        const parent = at(root);
        if (Array.isArray(parent)) {
          parent.splice(Number(key), 1);
        } else {
          Reflect.deleteProperty(parent, key);
        }
      },
    });
    // A wrong type where the profile fixes or constrains a value; text for objects, a number for everything else.
    const wrong = typeof child === 'object' ? 'unexpected' : 42;
    found.push({ path: `${where} as ${typeof wrong}`, apply: (root) => void (at(root)[key] = wrong) });
    found.push(...variants(child, [...path, key]));
  }
  if (path.length <= 1) {
    found.push({
      path: `${path.join('.') || '(root)'} + unknown`,
      apply: (root) => void (at(root).unknownElement = 1),
    });
  }
  return found;
}

// The checker gives Medplum each profile in its view (medplum-view.ts), so that is what is parsed again here.
const profiles = new Map<string, StructureDefinition>(
  compiled.structureDefinitions.map((sd) => [sd.url, medplumView(sd)]),
);

test.each(compiled.examples.map((example) => [example.id ?? '', example] as const))(
  '%s and its broken variants: the same issues either way',
  (_id, example) => {
    const url = example.meta?.profile?.[0] ?? '';
    const profile = profiles.get(url);
    if (!profile) {
      throw new Error(`no profile ${url}`);
    }
    let withErrors = 0;
    for (const variant of [{ path: 'as published', apply: (): void => undefined }, ...variants(example)]) {
      const resource = structuredClone(example) as unknown as Json;
      variant.apply(resource);
      const reparsed = issues(() => validateResource(resource as unknown as Resource, { profile }));
      const cached = issues(() => validateTypedValue({ type: url, value: resource }));
      expect({ variant: variant.path, issues: cached }).toEqual({ variant: variant.path, issues: reparsed });
      withErrors += reparsed.some((i) => i.severity === 'error') ? 1 : 0;
    }
    // The comparison means something only if many variants are refused.
    expect(withErrors).toBeGreaterThan(10);
  },
  // Hundreds of full re-parses for the largest profiles; generous, as the machine may be shared.
  120_000,
);
