/**
 * Turns an untrusted request body into a typed inbound message, or into the full list of problems with it.
 * Every problem becomes an OperationOutcome issue whose `expression` is the JSON path of the offending field,
 * so a link-worker system can point its user at the exact field to fix.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { parseWithOutcome } from '../lib/zod-outcome';
import { checkDomainRules } from './domain-rules';
import type { InboundMessage, MessageKind } from './schemas';
import { SCHEMAS } from './schemas';

export type ValidationResult =
  | { readonly ok: true; readonly message: InboundMessage }
  | { readonly ok: false; readonly issues: OperationOutcomeIssue[] };

/**
 * Validates a body of the given kind: schema first, then the rules that need more than one field or the clock.
 * @param now - the moment "in the future" is measured against (passed in so tests are deterministic).
 */
export function validateInbound(kind: MessageKind, body: unknown, now: Date): ValidationResult {
  const parsed = parseWithOutcome(SCHEMAS[kind], body);
  if (!parsed.ok) {
    return parsed;
  }
  const message = { kind, body: parsed.data } as InboundMessage;
  const issues = checkDomainRules(message, now);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, message };
}
