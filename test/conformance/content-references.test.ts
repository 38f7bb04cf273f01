// The checker's copy of a profile spells out content references to sliced elements; the published one is untouched.
import type { StructureDefinition } from '@medplum/fhirtypes';
import { loadCompiledResources } from '../../src/conformance';
import { expandSlicedContentReferences } from '../../src/conformance/content-references';

const compiled = loadCompiledResources();

function profile(id: string): StructureDefinition {
  const found = compiled.structureDefinitions.find((sd) => sd.id === id);
  if (!found) {
    throw new Error(`profile ${id} not compiled`);
  }
  return found;
}

test('Provenance.entity.agent becomes the unsliced agent definition under its own path', () => {
  const published = profile('sp-provenance');
  const before = JSON.stringify(published);
  const expanded = expandSlicedContentReferences(published);

  expect(JSON.stringify(published)).toBe(before);
  const entityAgent = (expanded.snapshot?.element ?? []).filter((e) => e.path.startsWith('Provenance.entity.agent'));
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

test('profiles without a content reference to a sliced element are returned as they are', () => {
  const plan = profile('sp-support-plan');
  expect(expandSlicedContentReferences(plan)).toBe(plan);
});
