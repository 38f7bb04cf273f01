// The check intake runs before accepting a message: the worker's own mapping, on placeholder references, against
// the profiles; only errors refuse a message, warnings (such as a code outside an extensible binding) do not.
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { PLACEHOLDER_PATIENT, PLACEHOLDER_REFERRAL, preflightErrors } from '../../../src/delivery/preflight';
import type { ConformanceCheck } from '../../../src/delivery/preflight';
import { validateInbound } from '../../../src/messages/validate';
import { goalDoc, referralDoc } from '../../support/fixtures';

const NOW = new Date('2026-12-01T12:00:00Z');

function recordingCheck(answer: (resource: Resource) => OperationOutcomeIssue[]): {
  check: ConformanceCheck;
  seen: Resource[];
} {
  const seen: Resource[] = [];
  return {
    seen,
    check: {
      check: (resource) => {
        seen.push(resource);
        return answer(resource);
      },
    },
  };
}

function validated(kind: 'referral' | 'goal', body: unknown) {
  const result = validateInbound(kind, body, NOW);
  if (!result.ok) {
    throw new Error(JSON.stringify(result.issues));
  }
  return result.message;
}

test('maps with placeholder references and checks every resource the worker would send', () => {
  const { check, seen } = recordingCheck(() => []);
  expect(preflightErrors(validated('goal', goalDoc('REF-1')), check, NOW)).toEqual([]);
  expect(seen.map((r) => r.resourceType)).toEqual(expect.arrayContaining(['Goal', 'Provenance']));
  const goal = seen.find((r) => r.resourceType === 'Goal') as { subject?: unknown; addresses?: unknown[] };
  expect(goal.subject).toEqual(PLACEHOLDER_PATIENT);
  expect(goal.addresses).toEqual([PLACEHOLDER_REFERRAL]);
});

test('errors refuse the message, each keeping its FHIR path and saying why', () => {
  const error: OperationOutcomeIssue = {
    severity: 'error',
    code: 'code-invalid',
    expression: ['ServiceRequest.reasonCode[0].coding[0]'],
    details: { text: 'Code x does not exist' },
  };
  const { check } = recordingCheck((r) => (r.resourceType === 'ServiceRequest' ? [error] : []));
  const problems = preflightErrors(validated('referral', referralDoc()), check, NOW);
  expect(problems).toHaveLength(1);
  expect(problems[0]?.expression).toEqual(['ServiceRequest.reasonCode[0].coding[0]']);
  expect(problems[0]?.details?.text).toBe(
    'the record would not conform to its profile once delivered: Code x does not exist',
  );
});

test('warnings do not refuse the message', () => {
  const warning: OperationOutcomeIssue = { severity: 'warning', code: 'code-invalid', details: { text: 'outside' } };
  const { check } = recordingCheck(() => [warning]);
  expect(preflightErrors(validated('referral', referralDoc()), check, NOW)).toEqual([]);
});
