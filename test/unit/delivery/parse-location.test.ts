/**
 * Reading the resource written from a transaction-response entry's location, in every form servers send it.
 */
import { parseLocation } from '../../../src/delivery/attempt';

test.each([
  ['ServiceRequest/abc-123/_history/2', { reference: 'ServiceRequest/abc-123', versionId: '2' }],
  ['https://ehr.example/fhir/Goal/g1/_history/7', { reference: 'Goal/g1', versionId: '7' }],
  ['https://ehr.example/fhir/Observation/o.1', { reference: 'Observation/o.1' }],
  ['Observation/o1/', { reference: 'Observation/o1' }],
  ['Provenance/p1/_history/1/', { reference: 'Provenance/p1', versionId: '1' }],
])('%s', (location, expected) => {
  expect(parseLocation(location)).toEqual(expected);
});

test('an unreadable or missing location is kept as it came', () => {
  expect(parseLocation('not a location')).toEqual({ reference: 'not a location' });
  expect(parseLocation('')).toEqual({ reference: '' });
  expect(parseLocation(undefined)).toEqual({ reference: '' });
  // A lower-case "type" is not a FHIR resource type.
  expect(parseLocation('patient/1')).toEqual({ reference: 'patient/1' });
});
