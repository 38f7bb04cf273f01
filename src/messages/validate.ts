/**
 * Turns an untrusted request body into a typed inbound message, or into the full list of problems with it.
 * Every problem becomes an OperationOutcome issue whose `expression` is the JSON path of the offending field,
 * so a link-worker system can point its user at the exact field to fix.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { z } from 'zod';
import { checkDomainRules } from './domain-rules';
import { invalidIssue } from './issues';
import type { InboundMessage, MessageKind } from './schemas';
import { SCHEMAS } from './schemas';

export type ValidationResult =
  | { readonly ok: true; readonly message: InboundMessage }
  | { readonly ok: false; readonly issues: OperationOutcomeIssue[] };

function zodIssues(error: z.ZodError): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // One issue per unknown field, so each one carries its own path.
      for (const key of issue.keys) {
        issues.push(invalidIssue([...issue.path, key], 'is not a known field', 'structure'));
      }
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      issues.push(invalidIssue(issue.path, 'is required', 'required'));
    } else {
      issues.push(invalidIssue(issue.path, issue.message, issue.code === 'invalid_type' ? 'structure' : 'value'));
    }
  }
  return issues;
}

/**
 * Validates a body of the given kind: schema first, then the rules that need more than one field or the clock.
 * @param now - the moment "in the future" is measured against (passed in so tests are deterministic).
 */
export function validateInbound(kind: MessageKind, body: unknown, now: Date): ValidationResult {
  const parsed = SCHEMAS[kind].safeParse(body);
  if (!parsed.success) {
    return { ok: false, issues: zodIssues(parsed.error) };
  }
  const message = { kind, body: parsed.data } as InboundMessage;
  const issues = checkDomainRules(message, now);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, message };
}
