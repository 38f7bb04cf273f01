/**
 * `check-connection`: asks each configured EHR endpoint for its CapabilityStatement and whether it can find a
 * patient by NHS number (after obtaining an access token when the endpoint uses OAuth 2.0), so practice IT can see
 * at once whether the adapter will be able to deliver.
 */
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { Command } from 'commander';
import type { Endpoint } from '../delivery/endpoints';
import { AccessTokenError } from '../delivery/access-token';
import { EhrUnreachableError } from '../delivery/fhir-client';
import { SYSTEMS } from '../mapping/codes';
import type { OpenDeps } from './deps';
import { runCommand } from './deps';

export interface ConnectionReport {
  readonly endpoint: string;
  readonly baseUrl: string;
  readonly ok: boolean;
  readonly lines: readonly string[];
}

const NEEDED = ['ServiceRequest', 'Goal', 'Observation'] as const;

export async function checkConnection(endpoint: Endpoint): Promise<ConnectionReport> {
  const lines: string[] = [];
  let ok = true;
  try {
    if (endpoint.tokens !== undefined) {
      await endpoint.tokens.token();
      lines.push(`access token: obtained from ${endpoint.tokens.tokenUrl}`);
    }
    const metadata = await endpoint.client.metadata();
    if (metadata.status !== 200) {
      return {
        endpoint: endpoint.config.id,
        baseUrl: endpoint.baseUrl,
        ok: false,
        lines: [`metadata: HTTP ${metadata.status}`],
      };
    }
    const capability = metadata.body as Partial<CapabilityStatement>;
    const fhirVersion: string = capability.fhirVersion ?? 'unknown';
    lines.push(
      `FHIR ${fhirVersion}; software ${capability.software?.name ?? 'unnamed'} ${capability.software?.version ?? ''}`.trim(),
    );
    if (!fhirVersion.startsWith('4.0')) {
      ok = false;
      lines.push(`not FHIR R4 (4.0.x): deliveries would be refused`);
    }
    const resources = new Set((capability.rest ?? []).flatMap((rest) => (rest.resource ?? []).map((r) => r.type)));
    for (const type of NEEDED) {
      if (resources.size > 0 && !resources.has(type)) {
        ok = false;
        lines.push(`${type}: not listed in the CapabilityStatement`);
      }
    }
    const search = await endpoint.client.search('Patient', {
      identifier: `${SYSTEMS.nhsNumber}|`,
      _count: '1',
      _elements: 'id',
    });
    if (search.status === 200) {
      lines.push('patient search by NHS number: works');
    } else {
      ok = false;
      lines.push(`patient search by NHS number: HTTP ${search.status}`);
    }
  } catch (error) {
    ok = false;
    if (error instanceof AccessTokenError) {
      lines.push(`access token: could not be obtained: ${error.message}`);
    } else {
      lines.push(error instanceof EhrUnreachableError ? error.message : `error: ${(error as Error).message}`);
    }
  }
  return { endpoint: endpoint.config.id, baseUrl: endpoint.baseUrl, ok, lines };
}

/** Adds `check-connection`: every configured endpoint, one report each; exit 1 when any fails. */
export function registerCheckConnection(program: Command, open: OpenDeps): void {
  program
    .command('check-connection')
    .description('check that each configured EHR endpoint answers as a FHIR R4 server the adapter can deliver to')
    .action(async () => {
      await runCommand(open, async (deps) => {
        let allOk = true;
        for (const endpoint of deps.endpoints().all) {
          const report = await checkConnection(endpoint);
          allOk &&= report.ok;
          process.stdout.write(`${report.ok ? 'OK  ' : 'FAIL'} ${report.endpoint} ${report.baseUrl}\n`);
          for (const line of report.lines) {
            process.stdout.write(`     ${line}\n`);
          }
        }
        return allOk ? 0 : 1;
      });
    });
}
