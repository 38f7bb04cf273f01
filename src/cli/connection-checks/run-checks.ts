/**
 * Runs the connection checks for one endpoint in the order a connection is made (name, port, TLS, token,
 * CapabilityStatement, patient searches, dry run) and stops at the first layer that fails, since every later
 * check would fail for the same reason and only hide it. An endpoint with route mesh-send-document also has its
 * MESH mailbox checked, and a test message sent through it (by default only to the embedded sandbox); one with
 * only that route has no FHIR server to check.
 */
import type { Endpoint } from '../../delivery/endpoints';
import type { FhirClient } from '../../delivery/fhir-client';
import type { MeshRoute } from '../../delivery/send-document';
import { AccessTokenError } from '../../delivery/access-token';
import { EhrUnreachableError } from '../../delivery/fhir-client';
import { checkCapability } from './capability';
import type { CheckResult, EndpointReport } from './check-result';
import { allPassed, fail, skip } from './check-result';
import { checkDryRun, dryRunResources } from './dry-run';
import { checkMeshMailbox } from './mesh';
import type { MeshTestOptions } from './mesh-test-message';
import { checkMeshTestMessage } from './mesh-test-message';
import { checkDns, checkTcp, checkTls } from './network';
import { checkPatientSearch, checkTestPatient } from './test-patient';
import { checkToken } from './token';

export interface CheckOptions {
  /** NHS number of a test patient the EHR holds. */
  readonly testPatient?: string | undefined;
  /** Build and `$validate` the synthetic referral's transaction (on by default). */
  readonly dryRun: boolean;
  readonly now: () => Date;
  /** Timeout of each network step; the endpoint's request timeout when absent. */
  readonly timeoutMs?: number | undefined;
  /** Whether, to whom and with which workflow a MESH test message is sent (by default: to itself, sandbox only). */
  readonly meshTest?: MeshTestOptions | undefined;
}

/** The checks not run because an earlier one failed. */
const LATER = ['tcp', 'tls', 'token', 'capability', 'patient search', 'test patient', 'dry run'] as const;

function skipped(after: string): CheckResult[] {
  const from = LATER.indexOf(after as (typeof LATER)[number]);
  return LATER.slice(from + 1).map((check) => skip(check, `not run: the ${after} check failed`));
}

/** A request that threw instead of answering: the EHR went away mid-check, or no token could be had. */
function thrown(check: string, error: unknown): CheckResult {
  if (error instanceof EhrUnreachableError) {
    return fail(
      check,
      error.message,
      'The EHR stopped answering during the check: run it again; if it persists, check the network path and the EHR service.',
    );
  }
  if (error instanceof AccessTokenError) {
    return fail(check, error.message, 'No access token could be obtained: see the token check.');
  }
  return fail(
    check,
    error instanceof Error ? error.message : String(error),
    'Unexpected error: run again with log level debug and report it.',
  );
}

async function httpChecks(client: FhirClient, settings: string, options: CheckOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const capability = await checkCapability(client, settings);
  results.push(...capability.checks);
  if (capability.capability === undefined) {
    return [...results, ...skipped('capability')];
  }
  results.push(await checkPatientSearch(client, settings));
  const patient = await checkTestPatient(client, options.testPatient, settings);
  results.push(patient.result);
  if (!options.dryRun) {
    results.push(skip('dry run', 'not asked for (--no-dry-run)'));
    return results;
  }
  const resources = dryRunResources(
    patient.reference !== undefined ? options.testPatient : undefined,
    patient.reference,
    options.now(),
  );
  results.push(...(await checkDryRun(client, resources)));
  return results;
}

export async function checkEndpoint(
  endpoint: Endpoint,
  index: number,
  options: CheckOptions,
  mesh?: MeshRoute,
): Promise<EndpointReport> {
  const settings = `endpoints[${String(index)}]`;
  const results =
    endpoint.baseUrl !== undefined && endpoint.client !== undefined
      ? await fhirChecks(endpoint, endpoint.baseUrl, endpoint.client, settings, options)
      : [];
  if (mesh !== undefined) {
    const mailbox = await checkMeshMailbox(mesh, settings);
    results.push(...mailbox);
    results.push(
      allPassed(mailbox)
        ? await checkMeshTestMessage(mesh, options.meshTest ?? {})
        : skip('mesh test message', 'not run: the mesh mailbox checks failed'),
    );
  }
  return {
    endpoint: endpoint.config.id,
    baseUrl: endpoint.baseUrl ?? mesh?.baseUrl ?? '',
    ok: allPassed(results),
    checks: results,
  };
}

async function fhirChecks(
  endpoint: Endpoint,
  baseUrl: string,
  client: FhirClient,
  settings: string,
  options: CheckOptions,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const target = {
    url: new URL(baseUrl),
    tls: endpoint.config.tls,
    settings,
    timeoutMs: options.timeoutMs ?? endpoint.config.retry.requestTimeoutMs,
  };
  for (const step of [checkDns, checkTcp, checkTls] as const) {
    const result = await step(target);
    results.push(result);
    if (result.status === 'fail') {
      results.push(...skipped(result.check));
      return results;
    }
  }
  const token = await checkToken(endpoint.config, endpoint.tokens, settings);
  results.push(token);
  if (token.status === 'fail') {
    results.push(...skipped('token'));
    return results;
  }
  try {
    results.push(...(await httpChecks(client, settings, options)));
  } catch (error) {
    results.push(thrown('capability', error));
  }
  return results;
}
