/**
 * The dry run: the transaction the adapter would send for a synthetic referral, built by the real mappers, with
 * each of its resources checked by the EHR's `$validate` operation, so nothing is kept.
 *
 * Why `$validate` and not a transaction the server rolls back: FHIR has no standard way to ask for a rollback. The
 * only way to make a transaction roll back is to make it fail, and a server that applies entries one by one (some
 * do) would keep the entries before the failing one, writing a synthetic referral into a real GP record.
 */
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { FhirClient } from '../../delivery/fhir-client';
import { summariseOutcome } from '../../lib/outcome-summary';
import { mapMessage, transactionBundle } from '../../mapping';
import { validateInbound } from '../../messages/validate';
import type { CheckResult } from './check-result';
import { fail, pass } from './check-result';

/** A test-range NHS number (999 prefix), used when no test patient was given. */
const SYNTHETIC_NHS_NUMBER = '9990000018';

/** A referral as a link-worker system would send it, with nothing real in it. */
function syntheticReferral(nhsNumber: string, now: Date): unknown {
  const at = now.toISOString();
  return {
    source: {
      system: 'https://sp-fhir-adapter.invalid/check-connection',
      recordId: 'CHECK-CONNECTION-DRY-RUN',
      recordVersion: 1,
      sentAt: at,
    },
    patient: { nhsNumber, name: { given: 'Test', family: 'Dry-Run' }, birthDate: '1970-01-01' },
    gpPractice: { odsCode: 'A00000' },
    linkWorker: { name: 'Test Link Worker', organisation: { odsCode: 'X0000', name: 'Connection check' } },
    status: 'received',
    referredAt: at,
    method: 'self',
    reasons: [{ text: 'Connection check dry run' }],
    urgency: 'routine',
  };
}

/** The resources of the adapter's transaction for the synthetic referral, in the order it would send them. */
export function dryRunResources(
  nhsNumber: string | undefined,
  patientReference: string | undefined,
  now: Date,
): Resource[] {
  const validated = validateInbound('referral', syntheticReferral(nhsNumber ?? SYNTHETIC_NHS_NUMBER, now), now);
  if (!validated.ok) {
    throw new Error(
      `the synthetic referral is invalid: ${validated.issues.map((issue) => issue.diagnostics).join('; ')}`,
    );
  }
  const resources = mapMessage(validated.message, {
    patient: { reference: patientReference ?? 'Patient/check-connection-dry-run' },
    recordedAt: now.toISOString(),
  });
  return (transactionBundle(resources).entry ?? []).flatMap((entry) =>
    entry.resource !== undefined ? [entry.resource] : [],
  );
}

function isOperationOutcome(body: unknown): body is OperationOutcome {
  return typeof body === 'object' && body !== null && (body as Resource).resourceType === 'OperationOutcome';
}

/** Errors and fatal issues only: warnings and information do not stop a delivery. */
function errors(outcome: OperationOutcome): OperationOutcome {
  return {
    ...outcome,
    issue: outcome.issue.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal'),
  };
}

export async function checkDryRun(client: FhirClient, resources: readonly Resource[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const resource of resources) {
    const name = `dry run: ${resource.resourceType}`;
    const response = await client.request('POST', `${resource.resourceType}/$validate`, resource);
    const body = response.body;
    // $validate answers 200 whatever it finds (some servers 4xx with the OperationOutcome); errors are its issues.
    if (
      isOperationOutcome(body) &&
      (response.status === 200 || response.status === 400 || response.status === 422 || response.status === 412)
    ) {
      const problems = errors(body);
      results.push(
        problems.issue.length === 0
          ? pass(name, `the EHR's $validate accepts the ${resource.resourceType} the adapter would write`)
          : fail(
              name,
              `the EHR's $validate refuses the ${resource.resourceType}: ${summariseOutcome(problems)}`,
              'The EHR would reject deliveries with this error: send the dry-run output (`check-connection --json`) to the EHR supplier and the adapter maintainers; the profile or terminology the EHR checks against may differ from UK Core.',
            ),
      );
      continue;
    }
    const unsupported = response.status === 404 || response.status === 405 || response.status === 501;
    results.push(
      fail(
        name,
        `POST ${resource.resourceType}/$validate answered HTTP ${String(response.status)}`,
        unsupported
          ? 'The EHR does not offer $validate, so the dry run cannot be made without writing: ask the EHR supplier to enable it, or watch the first real delivery (its OperationOutcome is kept with the failed message).'
          : 'The EHR could not validate: check the credentials allow $validate and try again; if it persists, ask the EHR supplier.',
      ),
    );
    if (unsupported) {
      break;
    }
  }
  return results;
}
