/**
 * Checks the domain rules of several parts of a message share: a date not in the future (with an allowance for
 * clock skew between the sender and this service) and keys used only once within a list.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { invalidIssue } from './issues';

/** How far ahead of our clock a sender's timestamp may be before it counts as "in the future". */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export type Path = PropertyKey[];

export function notInFuture(issues: OperationOutcomeIssue[], path: Path, value: string, now: Date): void {
  if (Date.parse(value) > now.getTime() + CLOCK_SKEW_MS) {
    issues.push(invalidIssue(path, 'must not be in the future', 'value'));
  }
}

export function duplicates(values: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) {
      repeated.add(value);
    }
    seen.add(value);
  }
  return repeated;
}

/** An issue on each item whose key another item of the same list already uses. */
export function checkUniqueKeys(
  issues: OperationOutcomeIssue[],
  path: Path,
  items: readonly { readonly key: string }[],
): void {
  const repeated = duplicates(items.map((item) => item.key));
  items.forEach((item, i) => {
    if (repeated.has(item.key)) {
      issues.push(invalidIssue([...path, i, 'key'], `"${item.key}" is used by more than one item`, 'value'));
    }
  });
}
