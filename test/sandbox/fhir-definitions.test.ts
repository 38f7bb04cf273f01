import { getSearchParameter } from '@medplum/core';
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
