/**
 * Builds FHIR OperationOutcomes one way for the whole service. Issues are built from an options object, so
 * severity, issue type, text and expression cannot be passed in the wrong order; an error the API reports takes
 * its issue type from the error catalogue and carries its catalogue code in `details.coding`.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ApiErrorCode } from './error-catalogue';
import { ERROR_CODE_SYSTEM, apiError } from './error-catalogue';

export interface IssueOptions {
  /** The FHIR issue type. */
  readonly code: OperationOutcomeIssue['code'];
  readonly text: string;
  /** Where the problem is: a field path (see fieldExpression), a FHIRPath, a header name. */
  readonly expression?: string | undefined;
  readonly severity?: OperationOutcomeIssue['severity'];
}

export interface ErrorIssueOptions {
  readonly text: string;
  readonly expression?: string | undefined;
}

function expressionPart(expression: string | undefined): Pick<OperationOutcomeIssue, 'expression'> {
  return expression !== undefined ? { expression: [expression] } : {};
}

export function outcomeIssue({ code, text, expression, severity = 'error' }: IssueOptions): OperationOutcomeIssue {
  return { severity, code, details: { text }, ...expressionPart(expression) };
}

/** An issue the API reports: its type comes from the catalogue entry, its code goes in `details.coding`. */
export function errorIssue(error: ApiErrorCode, { text, expression }: ErrorIssueOptions): OperationOutcomeIssue {
  return {
    severity: 'error',
    code: apiError(error).issueType,
    details: { coding: [{ system: ERROR_CODE_SYSTEM, code: error }], text },
    ...expressionPart(expression),
  };
}

/** The catalogue code an issue carries, or undefined for an issue from elsewhere (an EHR, the validator). */
export function errorCodeOf(issue: OperationOutcomeIssue): string | undefined {
  return issue.details?.coding?.find((coding) => coding.system === ERROR_CODE_SYSTEM)?.code;
}

export function operationOutcome(issues: readonly OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [...issues] };
}

/**
 * The expression naming a field of a JSON document, from its path: `['reasons', 0, 'snomed']` becomes
 * `reasons[0].snomed`. The document itself is `$this`, so an expression is never empty.
 */
export function fieldExpression(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') {
      out += `[${String(part)}]`;
    } else {
      out += out === '' ? String(part) : `.${String(part)}`;
    }
  }
  return out === '' ? '$this' : out;
}
