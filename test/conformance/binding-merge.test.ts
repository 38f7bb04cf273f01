// The binding merge the UK Core build applies before fhir-snapshot-generator sees UK Core's differentials
// (scripts/profile-build/binding-merge.ts) follows FHIR's reference snapshot generator: a differential binding that
// names no value set keeps the inherited one, and one that names it comes out as the differential says.
import type { ElementDefinitionBinding, StructureDefinition } from '@medplum/fhirtypes';
import {
  completedBindings,
  mergeBinding,
  partialBindingElements,
  withoutPartialBindings,
} from '../../scripts/profile-build/binding-merge';

describe('the binding merge', () => {
  const inherited: ElementDefinitionBinding = {
    extension: [
      { url: 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bindingName', valueString: 'BodySite' },
    ],
    strength: 'example',
    description: 'Codes describing anatomical locations. May include laterality.',
    valueSet: 'http://hl7.org/fhir/ValueSet/body-site',
  };

  it('keeps the inherited value set when the differential names none, and drops the description and extensions', () => {
    expect(mergeBinding(inherited, { strength: 'preferred' })).toEqual({
      strength: 'preferred',
      valueSet: 'http://hl7.org/fhir/ValueSet/body-site',
    });
  });

  it('takes everything the differential gives', () => {
    const differential: ElementDefinitionBinding = {
      extension: [{ url: 'https://example.org/binding-note', valueString: 'ours' }],
      strength: 'extensible',
      description: 'Our sites.',
      valueSet: 'https://example.org/ValueSet/sites',
    };
    expect(mergeBinding(inherited, differential)).toEqual(differential);
  });

  it('completes only the differential bindings without a value set, from the snapshot generated without them', () => {
    const sd: StructureDefinition = {
      resourceType: 'StructureDefinition',
      url: 'https://example.org/StructureDefinition/test',
      name: 'Test',
      status: 'draft',
      kind: 'resource',
      abstract: false,
      type: 'Observation',
      derivation: 'constraint',
      differential: {
        element: [
          { id: 'Observation.bodySite', path: 'Observation.bodySite', binding: { strength: 'preferred' } },
          {
            id: 'Observation.code',
            path: 'Observation.code',
            binding: { strength: 'required', valueSet: 'https://example.org/ValueSet/codes' },
          },
          { id: 'Observation.method', path: 'Observation.method', binding: { strength: 'preferred' } },
        ],
      },
    };
    expect(partialBindingElements(sd).map((e) => e.id)).toEqual(['Observation.bodySite', 'Observation.method']);
    expect(withoutPartialBindings(sd).differential?.element.map((e) => e.binding)).toEqual([
      undefined,
      { strength: 'required', valueSet: 'https://example.org/ValueSet/codes' },
      undefined,
    ]);
    const completed = completedBindings(sd, [
      { id: 'Observation.bodySite', path: 'Observation.bodySite', binding: inherited },
    ]);
    expect(completed.structureDefinition.differential?.element.map((e) => e.binding)).toEqual([
      { strength: 'preferred', valueSet: 'http://hl7.org/fhir/ValueSet/body-site' },
      { strength: 'required', valueSet: 'https://example.org/ValueSet/codes' },
      { strength: 'preferred' },
    ]);
    expect(completed.unmatched).toEqual(['Observation.method']);
  });
});
