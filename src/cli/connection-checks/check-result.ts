/**
 * What one connection check found: passed, failed with the fix practice IT should make, or skipped with why, so
 * every line of `check-connection` either reassures or says what to do next.
 */

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  /** Short name of the check, e.g. "dns" or "capability: transaction". */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found, in plain words; never a secret, a token or patient data. */
  readonly detail: string;
  /** On failure: what to change, and where, to make the check pass. */
  readonly fix?: string;
}

export interface EndpointReport {
  readonly endpoint: string;
  readonly baseUrl: string;
  /** True when no check failed (skipped checks that were not asked for do not count against it). */
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

export function pass(check: string, detail: string): CheckResult {
  return { check, status: 'pass', detail };
}

export function fail(check: string, detail: string, fix: string): CheckResult {
  return { check, status: 'fail', detail, fix };
}

export function skip(check: string, detail: string): CheckResult {
  return { check, status: 'skip', detail };
}

export function allPassed(checks: readonly CheckResult[]): boolean {
  return checks.every((result) => result.status !== 'fail');
}
