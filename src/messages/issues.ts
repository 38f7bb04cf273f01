/**
 * Builds the OperationOutcome issues that inbound validation reports, each naming the JSON path of the field.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/** `['reasons', 0, 'snomed']` → `reasons[0].snomed`; the root is `$this` so the expression is never empty. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') {
      out += `[${part}]`;
    } else {
      out += out === '' ? String(part) : `.${String(part)}`;
    }
  }
  return out === '' ? '$this' : out;
}

export function invalidIssue(
  path: readonly PropertyKey[],
  message: string,
  code: OperationOutcomeIssue['code'] = 'invalid',
): OperationOutcomeIssue {
  const expression = jsonPath(path);
  return {
    severity: 'error',
    code,
    details: { text: `${expression}: ${message}` },
    expression: [expression],
  };
}
