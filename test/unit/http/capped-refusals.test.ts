/**
 * What one refused body can cost: an answer lists at most 100 issues plus one saying how many more, and a
 * `rejected` ledger entry keeps only schema paths (unknown fields as one counted reason, never their names) and at
 * most 100 reasons. Pure: the issues are built here, nothing is sent or stored.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { MAX_REJECTION_REASONS, rejectionEntry, rejectionReasons } from '../../../src/app/rejections';
import { ERROR_CODE_SYSTEM } from '../../../src/lib/error-catalogue';
import { errorIssue, operationOutcome } from '../../../src/lib/outcome';
import { MAX_ISSUES_PER_ANSWER, cappedOutcome } from '../../../src/http/errors';

function unknownField(name: string): OperationOutcomeIssue {
  return errorIssue('field-unknown', { text: `${name}: is not a known field`, expression: name });
}

function invalidField(path: string): OperationOutcomeIssue {
  return errorIssue('field-invalid', { text: `${path}: is not valid`, expression: path });
}

describe('cappedOutcome', () => {
  test('an outcome of up to 100 issues is sent as it is', () => {
    const outcome = operationOutcome(
      Array.from({ length: MAX_ISSUES_PER_ANSWER }, (_, i) => unknownField(`k${String(i)}`)),
    );
    expect(cappedOutcome(outcome)).toBe(outcome);
  });

  test('more than 100 issues become the first 100 and one saying how many more', () => {
    const issues = Array.from({ length: 250 }, (_, i) => unknownField(`k${String(i)}`));
    const capped = cappedOutcome(operationOutcome(issues));
    expect(capped.issue).toHaveLength(101);
    expect(capped.issue.slice(0, 100)).toEqual(issues.slice(0, 100));
    expect(capped.issue[100]).toEqual({
      severity: 'information',
      code: 'informational',
      details: { coding: [{ system: ERROR_CODE_SYSTEM, code: 'too-many-problems' }], text: 'and 150 more problems' },
      expression: ['$this'],
    });
  });
});

describe('rejectionReasons', () => {
  test('unknown fields become one reason with their count, and their names are kept out', () => {
    const reasons = rejectionReasons([
      unknownField('Jane Smith'),
      invalidField('patient.nhsNumber'),
      unknownField('9434765919'),
      unknownField('patient.Jane'),
    ]);
    expect(reasons).toEqual([
      { path: '$this', code: 'structure', count: 3 },
      { path: 'patient.nhsNumber', code: 'value' },
    ]);
    expect(JSON.stringify(reasons)).not.toMatch(/Jane|9434765919/);
  });

  test('reasons for fields the schema knows are kept one by one, as before', () => {
    expect(rejectionReasons([invalidField('reasons[0].snomed'), invalidField('urgency')])).toEqual([
      { path: 'reasons[0].snomed', code: 'value' },
      { path: 'urgency', code: 'value' },
    ]);
  });

  test('at most 100 reasons are kept; the last counts those left out', () => {
    const issues = Array.from({ length: 180 }, (_, i) => invalidField(`reasons[${String(i)}].snomed`));
    const reasons = rejectionReasons([...issues, unknownField('someone')]);
    expect(reasons).toHaveLength(MAX_REJECTION_REASONS);
    expect(reasons[0]).toEqual({ path: '$this', code: 'structure', count: 1 });
    expect(reasons[98]).toEqual({ path: 'reasons[97].snomed', code: 'value' });
    // 181 reasons (180 plus the collapsed one), 99 kept one by one.
    expect(reasons[99]).toEqual({ path: '$this', code: 'too-costly', count: 82 });
  });

  test('the "more problems" issue of a capped answer is not a reason of its own', () => {
    const capped = cappedOutcome(
      operationOutcome(Array.from({ length: 120 }, (_, i) => invalidField(`f${String(i)}`))),
    );
    expect(rejectionReasons(capped.issue)).toHaveLength(100);
    expect(rejectionReasons(capped.issue).some((r) => r.code === 'informational')).toBe(false);
  });

  test('the ledger entry of a body with 20,000 unknown keys stays small', () => {
    const issues = Array.from({ length: 20_000 }, (_, i) => unknownField(`Person Name ${String(i)}`));
    const entry = rejectionEntry({
      kind: 'referral',
      client: 'casebook',
      httpStatus: 400,
      body: {},
      issues,
      at: new Date('2026-01-01T00:00:00Z'),
    });
    expect(entry.reasons).toEqual([{ path: '$this', code: 'structure', count: 20_000 }]);
    expect(JSON.stringify(entry).length).toBeLessThan(300);
  });
});
