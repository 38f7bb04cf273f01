// Content references in the published snapshots: none may point to a sliced element, because validators that
// resolve them by path (Medplum among them) then read a slice in place of the element and refuse the profile.
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { createConformanceChecker, loadCompiledResources } from '../../src/conformance';

const compiled = loadCompiledResources();

beforeAll(() => {
  // Indexes the R4 base definitions and the project's extensions, which the profiles refer to.
  createConformanceChecker(compiled);
});

function profile(id: string): StructureDefinition {
  const found = compiled.structureDefinitions.find((sd) => sd.id === id);
  if (!found) {
    throw new Error(`profile ${id} not compiled`);
  }
  return found;
}

test.each(compiled.structureDefinitions.map((sd) => [sd.id ?? '', sd] as const))(
  '%s: no content reference points to a sliced element',
  (_id, sd) => {
    const elements = sd.snapshot?.element ?? [];
    const slicedIds = new Set(elements.filter((e) => e.sliceName !== undefined).map((e) => e.id?.split(':')[0]));
    const pointingToSlices = elements.filter((e) => {
      const target = e.contentReference?.slice(e.contentReference.indexOf('#') + 1);
      return target !== undefined && slicedIds.has(target);
    });
    expect(pointingToSlices.map((e) => e.id)).toEqual([]);
  },
);

test('Provenance.entity.agent is spelled out from the unsliced base definition of an agent', () => {
  const elements = profile('sp-provenance').snapshot?.element ?? [];
  const entityAgent = elements.filter((e) => e.path.startsWith('Provenance.entity.agent'));
  expect(entityAgent.map((e) => e.id)).toEqual([
    'Provenance.entity.agent',
    'Provenance.entity.agent.id',
    'Provenance.entity.agent.extension',
    'Provenance.entity.agent.modifierExtension',
    'Provenance.entity.agent.type',
    'Provenance.entity.agent.role',
    'Provenance.entity.agent.who',
    'Provenance.entity.agent.onBehalfOf',
  ]);
  const [head] = entityAgent;
  expect(head).toEqual(
    expect.objectContaining({ min: 0, max: '*', type: [expect.objectContaining({ code: 'BackboneElement' })] }),
  );
  expect(head?.sliceName).toBeUndefined();
  expect(head?.slicing).toBeUndefined();
  expect(head?.contentReference).toBeUndefined();
});

test('Medplum loads the published Provenance profile as it stands and accepts its example', () => {
  const example = compiled.examples.find((r) => r.id === 'sp-provenance-example');
  if (!example) {
    throw new Error('example sp-provenance-example not compiled');
  }
  let issues;
  try {
    issues = validateResource(example, { profile: profile('sp-provenance') });
  } catch (err) {
    issues = err instanceof OperationOutcomeError ? err.outcome.issue : [{ diagnostics: String(err) }];
  }
  expect(issues).toEqual([]);
});
