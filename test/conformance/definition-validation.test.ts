// Every definition the build writes (the compiled profiles, extensions, value sets and code systems, and the UK Core
// StructureDefinitions committed beside them) is a valid FHIR R4 resource for Medplum's validator, invariants
// included, as a FHIR server checks it when the definitions are loaded into it. A snapshot binding with neither value
// set nor description (sdf-10), what the UK Core snapshots once carried, is refused with the element named.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ElementDefinitionBinding, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { definitionProblems } from '../../scripts/profile-build/definition-validation';
import { UK_CORE_PACKAGE } from '../../scripts/profile-build/uk-core-package';
import { findPackageRoot } from '../../src/lib/package-root';

const generatedDir = path.join(findPackageRoot(), 'profiles', 'fsh-generated');
const ukCoreDir = path.join(
  generatedDir,
  'dependencies',
  `${UK_CORE_PACKAGE.name}#${UK_CORE_PACKAGE.version}`,
  'package',
);

function definitionsIn(dir: string): Resource[] {
  return readdirSync(dir)
    .filter((file) => /^(StructureDefinition|ValueSet|CodeSystem)-.*\.json$/.test(file))
    .sort()
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Resource);
}

const compiled = definitionsIn(path.join(generatedDir, 'resources'));
const ukCore = definitionsIn(ukCoreDir);

function structureDefinition(resources: readonly Resource[], id: string): StructureDefinition {
  const found = resources.find((r) => r.resourceType === 'StructureDefinition' && r.id === id);
  if (found?.resourceType !== 'StructureDefinition') {
    throw new Error(`StructureDefinition ${id} not written`);
  }
  return structuredClone(found);
}

function withSnapshotBinding(
  sd: StructureDefinition,
  id: string,
  binding: ElementDefinitionBinding,
): StructureDefinition {
  const element = sd.snapshot?.element.find((e) => e.id === id);
  if (!element) {
    throw new Error(`${sd.url} has no snapshot element ${id}`);
  }
  element.binding = binding;
  return sd;
}

describe('the written definitions as R4 resources', () => {
  it('finds the compiled definitions and the committed UK Core ones', () => {
    expect(compiled.filter((r) => r.resourceType === 'StructureDefinition').length).toBeGreaterThan(20);
    expect(ukCore.map((r) => r.id)).toEqual(expect.arrayContaining(['UKCore-Observation', 'UKCore-ServiceRequest']));
  });

  it('accepts every compiled definition', () => {
    expect(definitionProblems(compiled)).toEqual([]);
  });

  it('accepts every committed UK Core definition', () => {
    expect(definitionProblems(ukCore)).toEqual([]);
  });

  it('gives the inherited bindings UK Core only tightens their value sets', () => {
    const bindingOf = (sd: StructureDefinition, id: string): ElementDefinitionBinding | undefined =>
      sd.snapshot?.element.find((e) => e.id === id)?.binding;
    const need = structureDefinition(compiled, 'sp-need');
    expect(bindingOf(need, 'Observation.bodySite')).toEqual({
      strength: 'preferred',
      valueSet: 'http://hl7.org/fhir/ValueSet/body-site',
    });
    expect(bindingOf(need, 'Observation.method')).toEqual({
      strength: 'preferred',
      valueSet: 'http://hl7.org/fhir/ValueSet/observation-methods',
    });
    expect(bindingOf(structureDefinition(compiled, 'sp-referral'), 'ServiceRequest.bodySite')).toEqual({
      strength: 'preferred',
      valueSet: 'http://hl7.org/fhir/ValueSet/body-site',
    });
    // UK Core's own differential stays as published: the strength alone.
    const observation = structureDefinition(ukCore, 'UKCore-Observation');
    expect(observation.differential?.element.find((e) => e.id === 'Observation.bodySite')?.binding).toEqual({
      strength: 'preferred',
    });
  });

  it('refuses a snapshot binding with neither value set nor description, naming the element', () => {
    const broken = withSnapshotBinding(structureDefinition(compiled, 'sp-need'), 'Observation.bodySite', {
      strength: 'preferred',
    });
    const problems = definitionProblems([broken]);
    expect(problems).toEqual([
      {
        subject: `StructureDefinition/sp-need ${broken.url}`,
        problem: expect.stringMatching(
          /^StructureDefinition\.snapshot\.element\[\d+\] \(Observation\.bodySite\): Constraint sdf-10 not met/,
        ) as unknown,
      },
    ]);
  });

  it('accepts a binding with only a description, as sdf-10 allows', () => {
    const described = withSnapshotBinding(structureDefinition(compiled, 'sp-need'), 'Observation.bodySite', {
      strength: 'preferred',
      description: 'Where on the body.',
    });
    expect(definitionProblems([described])).toEqual([]);
  });
});
