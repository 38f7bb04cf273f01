/**
 * Starts the embedded MESH sandbox for the endpoints whose MESH base URL is "sandbox": the adapter's mailboxes, a
 * mailbox per practice of the sandbox EHR's synthetic patients (named by the practice's ODS code, and accepting
 * what it receives), those patients registered for MESH automated routing, and the practice's ITK3
 * acknowledgements (practiceAcknowledgements from mapping/), which the sandbox cannot import itself.
 */
import type { Config } from '../config/schema';
import type { MeshCredentials } from '../delivery/mesh/auth';
import { practiceAcknowledgements } from '../mapping/itk3';
import type { Logger } from '../observability/logger';
import type { AckProducer, PracticeSetting, RunningMeshSandbox } from '../sandbox/mesh';
import { CONSULT_REPORT_ACK_WORKFLOW, startMeshSandbox } from '../sandbox/mesh';
import { SANDBOX_PATIENTS } from '../sandbox';

/** The embedded sandbox's environment secret: it guards nothing but a local test server, so it can be fixed. */
export const MESH_SANDBOX_SHARED_KEY = 'sp-fhir-adapter-mesh-sandbox';
export const DEFAULT_MESH_SANDBOX_PORT = 8095;

/** The password of a mailbox of the embedded sandbox. */
export function meshSandboxPassword(mailbox: string): string {
  return `sandbox-${mailbox.toUpperCase()}`;
}

export function meshSandboxCredentials(mailbox: string): MeshCredentials {
  return { mailbox: mailbox.toUpperCase(), password: meshSandboxPassword(mailbox), sharedKey: MESH_SANDBOX_SHARED_KEY };
}

/** True when an endpoint sends over MESH to the embedded sandbox. */
export function usesMeshSandbox(config: Config): boolean {
  return config.endpoints.some((e) => e.routes.includes('mesh-send-document') && e.mesh?.baseUrl === 'sandbox');
}

/** The practice's ITK3 infrastructure and business acknowledgements, as MESH messages for the sender's inbox. */
export const itk3PracticeAcks: AckProducer = (report, decision, at) =>
  practiceAcknowledgements({
    report: report.body,
    ...(report.contentEncoding !== undefined ? { contentEncoding: report.contentEncoding } : {}),
    answer: decision,
    practiceOds: report.practice,
    practiceMailbox: report.practice,
    at,
  }).map((ack) => ({
    workflowId: CONSULT_REPORT_ACK_WORKFLOW,
    subject: `ITK3 ${ack.kind} acknowledgement ${ack.code}`,
    fileName: `${ack.kind}-ack-${report.messageId}.json`,
    contentType: 'application/fhir+json',
    body: ack.body,
  }));

export async function startConfiguredMeshSandbox(
  config: Config,
  logger: Logger,
  port: number = DEFAULT_MESH_SANDBOX_PORT,
  host: string = config.sandbox.host,
): Promise<RunningMeshSandbox> {
  const senders = config.endpoints.flatMap((e) =>
    e.mesh?.baseUrl === 'sandbox' && e.routes.includes('mesh-send-document') ? [e.mesh.mailbox.toUpperCase()] : [],
  );
  const practices = [...new Set(SANDBOX_PATIENTS.map((p) => p.practiceOdsCode.toUpperCase()))];
  const mailboxes = [...new Set([...senders, ...practices])].map((id) => ({ id, password: meshSandboxPassword(id) }));
  const accept: PracticeSetting = { mode: 'accept' };
  return startMeshSandbox({
    sharedKey: MESH_SANDBOX_SHARED_KEY,
    mailboxes,
    practices: Object.fromEntries(practices.map((ods) => [ods, accept])),
    registeredPatients: SANDBOX_PATIENTS.map((p) => ({
      nhsNumber: p.nhsNumber,
      practice: p.practiceOdsCode.toUpperCase(),
      surname: p.family,
    })),
    ackProducer: itk3PracticeAcks,
    port,
    host,
    logger,
  });
}
