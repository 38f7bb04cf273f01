/**
 * `seed-patients`: writes the sandbox's synthetic patients (999-range NHS numbers) into any FHIR R4 server, so a
 * test EHR such as a local HAPI FHIR container knows the patients the examples and demos refer to. Each write is
 * a conditional update on the NHS number, so running it twice changes nothing. The server may be secured: the
 * command takes the same auth options as an endpoint.
 */
import type { Coding } from '@medplum/fhirtypes';
import type { Command } from 'commander';
import type { FhirClient } from '../delivery/fhir-client';
import { SYSTEMS } from '../mapping/codes';
import type { SandboxPatient } from '../sandbox';
import { SANDBOX_PATIENTS, toFhirPatient } from '../sandbox';
import type { ServerOptions } from './server-options';
import { serverConnection, withServerOptions } from './server-options';

export interface SeedOptions {
  /** Which patients to write; the sandbox's by default. */
  readonly patients?: readonly SandboxPatient[];
  /** A `meta.tag` every written patient carries, so what a run wrote can be found and deleted again. */
  readonly tag?: Coding;
}

export interface SeededPatient {
  readonly nhsNumber: string;
  /** `Patient/<id>` as the server named it. */
  readonly reference: string;
  readonly created: boolean;
}

/** The query that finds a patient by NHS number, for conditional writes and reads. */
export function patientByNhsNumber(nhsNumber: string): string {
  return `Patient?identifier=${encodeURIComponent(SYSTEMS.nhsNumber)}|${nhsNumber}`;
}

/** Writes each patient as a conditional update on its NHS number; throws on the first the server refuses. */
export async function writePatients(client: FhirClient, options: SeedOptions = {}): Promise<SeededPatient[]> {
  const seeded: SeededPatient[] = [];
  for (const patient of options.patients ?? SANDBOX_PATIENTS) {
    // The target server chooses its own ids; the NHS number is what identifies the patient.
    const fhir = toFhirPatient(patient);
    const resource = {
      ...fhir,
      id: undefined,
      ...(options.tag !== undefined ? { meta: { ...fhir.meta, tag: [options.tag] } } : {}),
    };
    const response = await client.request('PUT', patientByNhsNumber(patient.nhsNumber), resource);
    if (response.status >= 300) {
      throw new Error(`writing patient ${patient.id} failed: HTTP ${String(response.status)}`);
    }
    const id = (response.body as { id?: unknown } | undefined)?.id;
    seeded.push({
      nhsNumber: patient.nhsNumber,
      reference: typeof id === 'string' ? `Patient/${id}` : '',
      created: response.status === 201,
    });
  }
  return seeded;
}

export async function seedPatients(client: FhirClient): Promise<string[]> {
  const seeded = await writePatients(client);
  return SANDBOX_PATIENTS.map(
    (patient, index) =>
      `${seeded[index]?.created === true ? 'created' : 'updated'} ${patient.given} ${patient.family} (${patient.practiceOdsCode})`,
  );
}

/** Adds `seed-patients` with the server options. */
export function registerSeedPatients(program: Command): void {
  withServerOptions(
    program
      .command('seed-patients')
      .description("write the sandbox's synthetic patients into a FHIR R4 server (e.g. a local HAPI FHIR test server)"),
  ).action(async (options: ServerOptions) => {
    const { client } = serverConnection(options);
    for (const line of await seedPatients(client)) {
      process.stdout.write(`${line}\n`);
    }
  });
}
