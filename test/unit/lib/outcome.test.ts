// The OperationOutcome builders: plain issues, catalogued errors, and the field expression dialect.
import { ERROR_CODE_SYSTEM, apiError } from '../../../src/lib/error-catalogue';
import { errorCodeOf, errorIssue, fieldExpression, operationOutcome, outcomeIssue } from '../../../src/lib/outcome';

test('an issue is an error unless told otherwise, and has an expression only when given one', () => {
  expect(outcomeIssue({ code: 'timeout', text: 'the EHR did not answer' })).toEqual({
    severity: 'error',
    code: 'timeout',
    details: { text: 'the EHR did not answer' },
  });
  expect(
    outcomeIssue({
      code: 'code-invalid',
      text: 'not in the value set',
      expression: 'Goal.status',
      severity: 'warning',
    }),
  ).toEqual({
    severity: 'warning',
    code: 'code-invalid',
    details: { text: 'not in the value set' },
    expression: ['Goal.status'],
  });
});

test('a catalogued error takes its issue type from the catalogue and its code into details.coding', () => {
  const issue = errorIssue('practice-without-endpoint', { text: 'No endpoint for A81001', expression: 'gpPractice' });
  expect(issue).toEqual({
    severity: 'error',
    code: 'not-supported',
    details: {
      coding: [{ system: ERROR_CODE_SYSTEM, code: 'practice-without-endpoint' }],
      text: 'No endpoint for A81001',
    },
    expression: ['gpPractice'],
  });
  expect(issue.code).toBe(apiError('practice-without-endpoint').issueType);
  expect(errorIssue('internal-error', { text: 'Internal error' })).not.toHaveProperty('expression');
});

test('the catalogue code is read back from an issue, and only from the project system', () => {
  expect(errorCodeOf(errorIssue('message-not-found', { text: 'No message' }))).toBe('message-not-found');
  expect(
    errorCodeOf({
      severity: 'error',
      code: 'invalid',
      details: { coding: [{ system: 'http://example.org/ehr-errors', code: 'message-not-found' }] },
    }),
  ).toBeUndefined();
  expect(errorCodeOf(outcomeIssue({ code: 'invalid', text: 'x' }))).toBeUndefined();
});

test('an outcome holds a copy of its issues', () => {
  const issues = [outcomeIssue({ code: 'invalid', text: 'a' })];
  const outcome = operationOutcome(issues);
  issues.push(outcomeIssue({ code: 'invalid', text: 'b' }));
  expect(outcome).toEqual({ resourceType: 'OperationOutcome', issue: [outcomeIssue({ code: 'invalid', text: 'a' })] });
});

test('field expressions use dots for fields and brackets for array items, and $this for the document', () => {
  expect(fieldExpression(['reasons', 0, 'snomed'])).toBe('reasons[0].snomed');
  expect(fieldExpression(['measures', 'swemwbs', 'items', 3])).toBe('measures.swemwbs.items[3]');
  expect(fieldExpression(['patient'])).toBe('patient');
  expect(fieldExpression([])).toBe('$this');
});
