/**
 * Reads the EHR's CapabilityStatement and checks, one line each, what delivery relies on: FHIR 4.0.x,
 * transactions, and for each resource type the adapter writes, that it is supported with the update interaction and
 * conditional update (every write is one: on the business identifier, or for the Provenance on its write-key tag;
 * the adapter never relies on update-as-create, which many servers refuse), and the identifier searches the adapter
 * makes before it writes.
 */
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { FhirClient } from '../../delivery/fhir-client';
import type { CheckResult } from './check-result';
import { fail, pass } from './check-result';

/** Every resource type the mappers write; a CapabilityStatement must support each one. */
export const WRITTEN_TYPES = [
  'ServiceRequest',
  'Task',
  'EpisodeOfCare',
  'Goal',
  'CarePlan',
  'Encounter',
  'Observation',
  'Flag',
  'Consent',
  'Provenance',
] as const;

/** Types the adapter looks up by identifier before it writes: the patient, and the referral later records belong to. */
const SEARCHED_TYPES = ['Patient', 'ServiceRequest'] as const;

export interface CapabilityFindings {
  readonly checks: readonly CheckResult[];
  readonly capability?: Partial<CapabilityStatement>;
}

function interactions(resource: CapabilityStatementRestResource | undefined): Set<string> {
  return new Set((resource?.interaction ?? []).map((interaction) => interaction.code));
}

function checkWrittenType(type: string, resource: CapabilityStatementRestResource | undefined): CheckResult {
  const name = `capability: ${type}`;
  if (resource === undefined) {
    return fail(
      name,
      `${type} is not in the CapabilityStatement`,
      `The EHR does not accept ${type}, which the adapter writes: ask the EHR supplier to enable it for this client, or route these practices to another endpoint.`,
    );
  }
  const missing: string[] = [];
  if (!interactions(resource).has('update')) {
    missing.push('the update interaction');
  }
  if (resource.conditionalUpdate !== true) {
    missing.push('conditional update (conditionalUpdate)');
  }
  const key = type === 'Provenance' ? 'its write-key tag (_tag)' : 'its business identifier';
  if (missing.length > 0) {
    return fail(
      name,
      `${type} is listed without ${missing.join(' and ')}`,
      `The adapter writes ${type} as a conditional update on ${key}, so that a redelivery never duplicates it: ask the EHR supplier to enable ${missing.join(' and ')} for ${type}.`,
    );
  }
  return pass(name, `${type}: update, conditional update on ${key}`);
}

function checkSearchedType(type: string, resource: CapabilityStatementRestResource | undefined): CheckResult {
  const name = `capability: search ${type} by identifier`;
  const declared =
    interactions(resource).has('search-type') &&
    (resource?.searchParam ?? []).some((parameter) => parameter.name === 'identifier');
  if (!declared) {
    return fail(
      name,
      `${type} search by identifier is not declared`,
      `The adapter finds ${type === 'Patient' ? 'the patient by NHS number' : 'the referral by its identifier'} before writing: ask the EHR supplier to support ${type}?identifier= searches.`,
    );
  }
  return pass(name, `${type}?identifier= is supported`);
}

export async function checkCapability(client: FhirClient, settings: string): Promise<CapabilityFindings> {
  const response = await client.metadata();
  const body = response.body as Partial<CapabilityStatement> | undefined;
  if (response.status !== 200 || body?.resourceType !== 'CapabilityStatement') {
    const what =
      response.status === 200
        ? 'answered 200 without a CapabilityStatement'
        : `answered HTTP ${String(response.status)}`;
    const fix =
      response.status === 401 || response.status === 403
        ? `The EHR refuses the adapter's credentials: check ${settings}.auth (FHIR servers normally serve /metadata to any client).`
        : `Check that ${settings}.baseUrl is the FHIR base itself (the address that /metadata is under, often ending /fhir or /fhir/R4), not a web page or an API gateway's root.`;
    return { checks: [fail('capability', `GET ${client.baseUrl}/metadata ${what}`, fix)] };
  }
  const checks: CheckResult[] = [];
  const version = body.fhirVersion ?? 'unknown';
  const software = `${body.software?.name ?? 'unnamed software'} ${body.software?.version ?? ''}`.trim();
  checks.push(
    version.startsWith('4.0')
      ? pass('capability: FHIR version', `FHIR ${version} (${software})`)
      : fail(
          'capability: FHIR version',
          `FHIR ${version} (${software}), not R4 4.0.x`,
          `The adapter writes FHIR R4: point ${settings}.baseUrl at the EHR's R4 base (servers often serve each version under its own path, e.g. /R4).`,
        ),
  );
  const rest = (body.rest ?? []).find((entry) => entry.mode === 'server') ?? body.rest?.[0];
  const systemInteractions = new Set((rest?.interaction ?? []).map((interaction) => interaction.code));
  checks.push(
    systemInteractions.has('transaction')
      ? pass('capability: transaction', 'transactions are supported')
      : fail(
          'capability: transaction',
          'the transaction interaction is not declared',
          'The adapter writes each record as one all-or-nothing transaction: ask the EHR supplier to enable FHIR transactions (POST of a transaction Bundle to the base).',
        ),
  );
  const byType = new Map((rest?.resource ?? []).map((resource) => [resource.type, resource]));
  for (const type of WRITTEN_TYPES) {
    checks.push(checkWrittenType(type, byType.get(type)));
  }
  for (const type of SEARCHED_TYPES) {
    checks.push(checkSearchedType(type, byType.get(type)));
  }
  return { checks, capability: body };
}
