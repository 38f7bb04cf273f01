import { getSearchParameter } from '@medplum/core';
import { WRITTEN_TYPES } from '../../src/cli/connection-checks/capability';
import { ensureFhirDefinitionsLoaded, narrowIdentifierSearchTypes } from '../../src/sandbox';

test('loading is idempotent and leaves narrow identifier search parameters in place', () => {
  ensureFhirDefinitionsLoaded();
  ensureFhirDefinitionsLoaded();
  for (const type of ['ServiceRequest', 'Observation', 'Goal', 'Encounter', 'CarePlan', 'Task', 'Patient'] as const) {
    expect(narrowIdentifierSearchTypes()).toContain(type);
    expect(getSearchParameter(type, 'identifier')?.expression).toBe(`${type}.identifier`);
  }
  // Neither has an identifier element in R4.
  expect(narrowIdentifierSearchTypes()).not.toContain('Provenance');
  expect(narrowIdentifierSearchTypes()).not.toContain('AuditEvent');
});

test('every type the adapter writes by business identifier is searched by the narrow parameter and the index', () => {
  // A written type left out falls back to a scan of the whole store on each conditional write: a long run slows
  // down quadratically (the fault suite did, once EpisodeOfCare was written conditionally).
  const withIdentifier = WRITTEN_TYPES.filter((type) => type !== 'Provenance');
  for (const type of withIdentifier) {
    expect(narrowIdentifierSearchTypes()).toContain(type);
  }
});
