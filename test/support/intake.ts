/**
 * What intake says about a document, in the terms the tests of intake rules compare: each problem's path, its
 * text and its FHIR issue code, or nothing when the document passes every check.
 */
import type { MessageKind } from '../../src/messages/schemas';
import { validateInbound } from '../../src/messages/validate';

export interface IntakeProblem {
  readonly expression: string;
  readonly text: string;
  readonly code: string;
}

export function intakeProblems(kind: MessageKind, body: unknown, now: Date): IntakeProblem[] {
  const result = validateInbound(kind, body, now);
  if (result.ok) {
    return [];
  }
  return result.issues.map((issue) => ({
    expression: issue.expression?.[0] ?? '',
    text: issue.details?.text ?? '',
    code: issue.code,
  }));
}
