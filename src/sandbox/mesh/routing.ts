/**
 * MESH automated routing to a patient's registered practice, as the sandbox plays it. For certain workflows
 * (GPFED_CONSULT_REPORT among them) `mex-to` may be `GPPROVIDER_<NHS number>_<date of birth>_<surname>` instead of a
 * mailbox id. Live MESH traces the patient on PDS and looks the practice's mailbox up. The sandbox looks the NHS number up in its
 * own list of registered patients. Routing failures are not refused at send time. MESH accepts the message and puts
 * an error report (EPL-15x) in the sender's inbox.
 */
import type { DeliveryFailure } from './mail-store';

export const ROUTING_TAG = 'GPPROVIDER';

/** The workflows MESH resolves GPPROVIDER addresses for (MESH guidance: endpoint lookup service and WorkflowIDs). */
export const ROUTED_WORKFLOWS: ReadonlySet<string> = new Set([
  'TOC_FHIR_IP_DISCH',
  'TOC_FHIR_MH_DISCH',
  'TOC_FHIR_EC_DISCH',
  'TOC_FHIR_OP_ATTEN',
  'TOC_OUTP_ATT_DMS',
  'GPFED_CONSULT_REPORT',
  'GPFED_CONSULT_REPORT_ACK',
  'GPCONNECT_UPDATE_RECORD',
  'GPCONNECT_UPDATE_RECORD_ACK',
  'GPCONNECT_SEND_DOCUMENT',
]);

/** A synthetic patient the sandbox can route to: the practice mailbox they are registered with. */
export interface RegisteredPatient {
  readonly nhsNumber: string;
  readonly practice: string;
  /** When given, a routing value with another surname fails as "does not match the demographics". */
  readonly surname?: string;
}

export type Routing =
  | { readonly kind: 'mailbox'; readonly mailbox: string }
  | { readonly kind: 'failed'; readonly failure: DeliveryFailure };

const NO_MAILBOX: DeliveryFailure = { code: 'EPL-151', description: 'No mailbox matched' };
const INVALID_NHS_NUMBER: DeliveryFailure = { code: 'EPL-152', description: 'Invalid NHS Number' };
const NHS_NUMBER_NOT_FOUND: DeliveryFailure = { code: 'EPL-153', description: 'NHS Number not found' };
const NO_DEMOGRAPHICS_MATCH: DeliveryFailure = {
  code: 'EPL-154',
  description: 'NHS Number supplied does not match the demographics',
};

/**
 * The mailbox `mex-to` names. A GPPROVIDER value is resolved only for routed workflows; for any other workflow it
 * is taken as a mailbox id, which no mailbox has, as in MESH.
 */
export function routeRecipient(
  mexTo: string,
  workflowId: string,
  patients: ReadonlyMap<string, RegisteredPatient>,
  mailboxExists: (id: string) => boolean,
): Routing {
  const prefix = `${ROUTING_TAG}_`;
  if (!mexTo.startsWith(prefix) || !ROUTED_WORKFLOWS.has(workflowId)) {
    return { kind: 'mailbox', mailbox: mexTo.toUpperCase() };
  }
  const [nhsNumber = '', , ...surnameParts] = mexTo.slice(prefix.length).split('_');
  // Only the form is checked: the sandbox's patients are synthetic and need not pass the modulus 11 check.
  if (!/^\d{10}$/.test(nhsNumber)) {
    return { kind: 'failed', failure: INVALID_NHS_NUMBER };
  }
  const patient = patients.get(nhsNumber);
  if (patient === undefined) {
    return { kind: 'failed', failure: NHS_NUMBER_NOT_FOUND };
  }
  const surname = surnameParts.join('_');
  if (patient.surname !== undefined && patient.surname.toUpperCase() !== surname.toUpperCase()) {
    return { kind: 'failed', failure: NO_DEMOGRAPHICS_MATCH };
  }
  const mailbox = patient.practice.toUpperCase();
  return mailboxExists(mailbox) ? { kind: 'mailbox', mailbox } : { kind: 'failed', failure: NO_MAILBOX };
}
