/**
 * The interop check: against any FHIR R4 server, checks its CapabilityStatement, writes clearly tagged synthetic
 * patients (999-range NHS numbers only), sends every journey document exactly as the worker does (the delivery
 * layer's own attemptDelivery), reads every written resource back and resolves its references, sends everything
 * again (a replay) and checks that each business identifier still names exactly one resource, and on request
 * deletes what it wrote. Each step reports what failed and why; nothing here changes Redis or the ledger.
 */
import type { Bundle, CapabilityStatement, Coding, Resource } from '@medplum/fhirtypes';
import type { ConformanceCheck } from '../../delivery/attempt';
import { attemptDelivery } from '../../delivery/attempt';
import type { FhirClient } from '../../delivery/fhir-client';
import { EhrUnreachableError } from '../../delivery/fhir-client';
import { AccessTokenError } from '../../delivery/access-token';
import type { SandboxPatient } from '../../sandbox';
import { SANDBOX_PATIENTS } from '../../sandbox';
import type { SeededPatient } from '../seed-patients';
import { writePatients } from '../seed-patients';
import type { Journey } from './journeys';

/** The `meta.tag` on every patient the check writes, so an operator can find and remove them. */
export const INTEROP_TAG: Coding = {
  system: 'https://sp-fhir-adapter.org/fhir/CodeSystem/interop',
  code: 'synthetic-test-data',
  display: 'Synthetic test data written by sp-fhir-adapter interop',
};

/** What the server must offer for the adapter to deliver to it. */
const NEEDED_TYPES = ['Patient', 'ServiceRequest', 'Goal', 'Observation', 'Provenance'] as const;

export interface InteropStep {
  readonly name: string;
  readonly ok: boolean;
  /** One line per finding: what was done, or what failed and why. */
  readonly lines: readonly string[];
}

export interface InteropReport {
  readonly baseUrl: string;
  readonly ok: boolean;
  readonly steps: readonly InteropStep[];
}

export interface InteropDeps {
  readonly client: FhirClient;
  readonly conformance: ConformanceCheck;
  readonly now: () => Date;
}

export interface InteropOptions {
  readonly journeys: readonly Journey[];
  /** Delete what the check wrote, where the server allows. */
  readonly cleanup: boolean;
}

class Step {
  readonly lines: string[] = [];
  ok = true;

  constructor(readonly name: string) {}

  note(line: string): void {
    this.lines.push(line);
  }

  fail(line: string): void {
    this.ok = false;
    this.lines.push(`FAIL ${line}`);
  }

  done(): InteropStep {
    return { name: this.name, ok: this.ok, lines: this.lines };
  }
}

function errorText(error: unknown): string {
  if (error instanceof EhrUnreachableError || error instanceof AccessTokenError) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function checkCapabilities(body: unknown, step: Step): void {
  const capability = body as Partial<CapabilityStatement>;
  if (capability.resourceType !== 'CapabilityStatement') {
    step.fail('metadata did not answer with a CapabilityStatement');
    return;
  }
  const fhirVersion = capability.fhirVersion ?? 'unknown';
  if (fhirVersion.startsWith('4.0')) {
    step.note(`FHIR ${fhirVersion}; software ${capability.software?.name ?? 'unnamed'}`);
  } else {
    step.fail(`FHIR version ${fhirVersion}: the adapter sends FHIR R4 (4.0.x)`);
  }
  const rest = (capability.rest ?? []).find((r) => r.mode === 'server') ?? capability.rest?.[0];
  const system = new Set((rest?.interaction ?? []).map((i) => i.code));
  if (!system.has('transaction')) {
    step.fail('the CapabilityStatement does not list the transaction interaction: every delivery is one transaction');
  }
  const types = new Map((rest?.resource ?? []).map((r) => [r.type, new Set((r.interaction ?? []).map((i) => i.code))]));
  for (const type of NEEDED_TYPES) {
    const interactions = types.get(type);
    if (interactions === undefined) {
      step.fail(`${type}: not listed in the CapabilityStatement`);
    } else if (!interactions.has('search-type') || !interactions.has('update')) {
      step.fail(
        `${type}: search-type and update are needed, the server lists ${[...interactions].join(', ') || 'none'}`,
      );
    }
  }
}

/** `Type/id` references inside a resource (contained and absolute ones are the server's business). */
function literalReferences(resource: Resource): string[] {
  const found = JSON.stringify(resource).match(/"reference":"([A-Z][A-Za-z]+\/[A-Za-z0-9.-]{1,64})"/g) ?? [];
  return [...new Set(found.map((r) => r.slice('"reference":"'.length, -1)))];
}

/** The synthetic patients the journeys refer to; a number outside the 999 test range is refused outright. */
function patientsFor(journeys: readonly Journey[], step: Step): SandboxPatient[] {
  const numbers = new Set(journeys.flatMap((j) => j.documents.map((d) => d.message.body.patient.nhsNumber)));
  const patients: SandboxPatient[] = [];
  for (const nhsNumber of numbers) {
    const patient = SANDBOX_PATIENTS.find((p) => p.nhsNumber === nhsNumber);
    if (!nhsNumber.startsWith('999') || patient === undefined) {
      step.fail(`NHS number ${nhsNumber.slice(0, 3)}…: only the synthetic 999-range patients are written`);
    } else {
      patients.push(patient);
    }
  }
  return patients;
}

interface Written {
  /** `Type/id` of every resource the sends wrote, in order. */
  readonly references: string[];
  /** `Type` and `system|value` of every resource with a business identifier. */
  readonly identifiers: Map<string, string>;
}

/** Sends every journey document once, in order, as one delivery attempt each, and notes what was written. */
async function sendAll(
  journeys: readonly Journey[],
  deps: InteropDeps,
  step: Step,
  written: Written,
  pass: string,
): Promise<void> {
  for (const journey of journeys) {
    for (const [index, doc] of journey.documents.entries()) {
      const client = deps.client.withRequestId(`interop-${pass}-${journey.name}-${String(index + 1)}`);
      const result = await attemptDelivery(doc.message, { client, conformance: deps.conformance, now: deps.now });
      switch (result.kind) {
        case 'delivered':
          for (const resource of result.resources) {
            if (!written.references.includes(resource.reference)) {
              written.references.push(resource.reference);
            }
            if (resource.identifier !== undefined) {
              written.identifiers.set(`${resource.resourceType} ${resource.identifier}`, resource.resourceType);
            }
          }
          step.note(
            `${doc.name}: written (${String(result.resources.length)} resources, HTTP ${String(result.httpStatus)})`,
          );
          break;
        case 'settled':
          step.note(`${doc.name}: nothing to send, ${result.reason}`);
          break;
        case 'superseded':
          // The server already holds a later version of this record (from this run or an earlier one).
          step.note(`${doc.name}: not rewritten, ${result.reason}`);
          break;
        case 'retry':
          step.fail(`${doc.name}: ${result.reason} (a delivery would be retried later)`);
          break;
        case 'rejected':
          step.fail(`${doc.name}: ${result.reason}`);
          break;
      }
    }
  }
}

async function verifyReadBack(deps: InteropDeps, written: Written, step: Step): Promise<void> {
  const resolved = new Map<string, number>();
  const read = async (reference: string): Promise<{ status: number; resource?: Resource }> => {
    const response = await deps.client.request('GET', reference);
    resolved.set(reference, response.status);
    return response.status === 200 ? { status: 200, resource: response.body as Resource } : { status: response.status };
  };
  let references = 0;
  for (const reference of written.references) {
    const { status, resource } = await read(reference);
    if (resource === undefined) {
      step.fail(`${reference}: read answered HTTP ${String(status)}`);
      continue;
    }
    for (const target of literalReferences(resource)) {
      references += 1;
      const known = resolved.get(target);
      const targetStatus = known ?? (await read(target)).status;
      if (targetStatus !== 200) {
        step.fail(`${reference} refers to ${target}, which answered HTTP ${String(targetStatus)}`);
      }
    }
  }
  step.note(`${String(written.references.length)} resources read back; ${String(references)} references checked`);
}

async function verifyUnique(deps: InteropDeps, written: Written, step: Step): Promise<void> {
  for (const [key, resourceType] of written.identifiers) {
    const token = key.slice(resourceType.length + 1);
    const response = await deps.client.search(resourceType, { identifier: token, _count: '5', _elements: 'id' });
    const count = response.status === 200 ? ((response.body as Bundle).entry ?? []).length : -1;
    if (count !== 1) {
      step.fail(
        count < 0
          ? `${resourceType}?identifier=${token}: search answered HTTP ${String(response.status)}`
          : `${resourceType} ${token}: ${String(count)} resources carry this identifier after the replay, 1 expected`,
      );
    }
  }
  step.note(`${String(written.identifiers.size)} identifiers each name exactly one resource`);
}

async function cleanUp(
  deps: InteropDeps,
  written: Written,
  patients: readonly SeededPatient[],
  step: Step,
): Promise<void> {
  // Later resources refer to earlier ones, so they go first; patients last, and only those this run created.
  const targets = [
    ...[...written.references].reverse(),
    ...patients.filter((p) => p.created && p.reference !== '').map((p) => p.reference),
  ];
  let deleted = 0;
  for (const reference of targets) {
    const response = await deps.client.request('DELETE', reference);
    if (response.status < 300) {
      deleted += 1;
    } else if (response.status === 405 || response.status === 403) {
      step.note(`${reference}: the server does not allow deleting it (HTTP ${String(response.status)})`);
    } else {
      step.fail(`${reference}: delete answered HTTP ${String(response.status)}`);
    }
  }
  step.note(`${String(deleted)} of ${String(targets.length)} resources deleted`);
}

/** Runs the whole check; an unreachable server or refused credentials end it at the step where they happened. */
export async function runInterop(options: InteropOptions, deps: InteropDeps): Promise<InteropReport> {
  const steps: InteropStep[] = [];
  const written: Written = { references: [], identifiers: new Map() };
  let seeded: SeededPatient[] = [];
  const run = async (name: string, body: (step: Step) => Promise<void>): Promise<boolean> => {
    const step = new Step(name);
    try {
      await body(step);
    } catch (error) {
      step.fail(errorText(error));
    }
    steps.push(step.done());
    return step.ok;
  };
  const report = (): InteropReport => ({
    baseUrl: deps.client.baseUrl,
    ok: steps.every((s) => s.ok),
    steps,
  });

  const capable = await run('capabilities', async (step) => {
    const metadata = await deps.client.metadata();
    if (metadata.status !== 200) {
      step.fail(`GET metadata answered HTTP ${String(metadata.status)}`);
      return;
    }
    checkCapabilities(metadata.body, step);
  });
  if (!capable) {
    return report();
  }
  const patientsReady = await run('synthetic patients', async (step) => {
    const patients = patientsFor(options.journeys, step);
    seeded = await writePatients(deps.client, { patients, tag: INTEROP_TAG });
    for (const patient of seeded) {
      step.note(
        `${patient.reference || 'Patient'} ${patient.created ? 'created' : 'found and updated'}, tagged ${INTEROP_TAG.code}`,
      );
    }
  });
  if (patientsReady) {
    const sent = await run('send journeys', async (step) => sendAll(options.journeys, deps, step, written, 'send'));
    if (sent) {
      await run('read back', async (step) => verifyReadBack(deps, written, step));
      await run('replay', async (step) => {
        await sendAll(options.journeys, deps, step, written, 'replay');
        await verifyUnique(deps, written, step);
      });
    }
  }
  if (options.cleanup) {
    await run('cleanup', async (step) => cleanUp(deps, written, seeded, step));
  }
  return report();
}

/** The report as lines for a terminal. */
export function reportLines(report: InteropReport): string[] {
  return [
    `${report.ok ? 'OK  ' : 'FAIL'} interop against ${report.baseUrl}`,
    ...report.steps.flatMap((step) => [
      `${step.ok ? 'ok  ' : 'FAIL'} ${step.name}`,
      ...step.lines.map((l) => `     ${l}`),
    ]),
  ];
}
