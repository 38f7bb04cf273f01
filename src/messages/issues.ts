/**
 * The issues that the domain rules report about an inbound message, each naming its field by path and carrying
 * the error catalogue code that goes with the FHIR issue type the rule chose.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ApiErrorCode } from '../lib/error-catalogue';
import { errorIssue, fieldExpression } from '../lib/outcome';

/** The issue types a domain rule reports, and the catalogue code of each. */
const ERROR_OF_TYPE = {
  value: 'field-invalid',
  required: 'field-missing',
  'business-rule': 'rule-violated',
} as const satisfies Partial<Record<OperationOutcomeIssue['code'], ApiErrorCode>>;

export type RuleIssueType = keyof typeof ERROR_OF_TYPE;

/** A problem with the field at `path`; the text reads `<expression>: <message>`. */
export function invalidIssue(
  path: readonly PropertyKey[],
  message: string,
  code: RuleIssueType,
): OperationOutcomeIssue {
  const expression = fieldExpression(path);
  return errorIssue(ERROR_OF_TYPE[code], { text: `${expression}: ${message}`, expression });
}
