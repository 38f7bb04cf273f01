/**
 * Builds the GP Connect Send Document message that carries the episode PDF to the patient's registered practice
 * over MESH: an ITK3 message Bundle (ITK-Message-Bundle-1) whose MessageHeader (ITK-MessageHeader-2, event
 * ITK007C) points at a document Bundle (ITK-Document-Bundle-1) holding the Composition, the Patient, the link
 * worker, their organisation and the PDF as a Binary. Pure: every id is derived from the episode and the document
 * version, so the same document sent again is the same message, and a replacement names the version it replaces.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { nameBasedUuid } from '../../lib/name-uuid';
import { operationOutcome, outcomeIssue } from '../../lib/outcome';
import type { ReferralMessage } from '../../messages/schemas';
import {
  DOCUMENT_TYPE,
  ITK3_PROFILES,
  ITK3_SYSTEMS,
  LOCAL_EXTENSION,
  MESSAGE_HANDLING_EXTENSION,
  SEND_DOCUMENT_EVENT,
  SEND_DOCUMENT_MESSAGE_DEFINITION,
} from './codes';
import type {
  Stu3Binary,
  Stu3Bundle,
  Stu3Composition,
  Stu3Extension,
  Stu3MessageHeader,
  Stu3Organization,
  Stu3Patient,
  Stu3Practitioner,
} from './stu3';

export interface SendDocumentInput {
  /** The referral at its latest version: patient, link worker, their organisation, the record ids. */
  readonly referral: ReferralMessage;
  /** The rendered episode document. */
  readonly pdf: Buffer;
  readonly documentTitle: string;
  /** 1 for the first document of the episode; each replacement adds 1 (GPCM-SD-098). */
  readonly version: number;
  /** The adapter's MESH mailbox id (GPCM-SD-046). */
  readonly senderMailbox: string;
  /** When the message is generated (GPCM-SD-048). */
  readonly generatedAt: Date;
  /** The sending organisation's telephone number (GPCM-SD-031), when configured. */
  readonly senderTelephone?: string;
}

export type SendDocumentResult =
  | { readonly ok: true; readonly message: Stu3Bundle; readonly ids: SendDocumentIds }
  | { readonly ok: false; readonly outcome: OperationOutcome };

/** The ids a sender keeps to match the acknowledgements to the message. */
export interface SendDocumentIds {
  readonly messageHeaderId: string;
  readonly bundleIdentifier: string;
  readonly compositionIdentifier: string;
  /** SenderReference: the same for every version of the episode's document (GPCM-SD-042). */
  readonly senderReference: string;
}

const urn = (id: string): string => `urn:uuid:${id}`;

/** The identity of the episode in the sending system: every id below is a name-based UUID under it. */
function episodeKey(referral: ReferralMessage): string {
  return `${referral.source.system}|referral|${referral.source.recordId}`;
}

function documentIds(referral: ReferralMessage, version: number): SendDocumentIds & { readonly names: Names } {
  const key = episodeKey(referral);
  const at = (part: string): string => nameBasedUuid(`${key}|episode-document|v${String(version)}|${part}`);
  return {
    messageHeaderId: at('message-header'),
    bundleIdentifier: at('message-bundle'),
    compositionIdentifier: compositionIdentifier(referral, version),
    senderReference: nameBasedUuid(`${key}|episode-document`),
    names: {
      messageBundle: at('message-bundle-resource'),
      headerOrganization: at('header-organization'),
      documentBundle: at('document-bundle'),
      composition: at('composition'),
      patient: at('patient'),
      practitioner: at('practitioner'),
      organization: at('organization'),
      binary: at('binary'),
    },
  };
}

interface Names {
  readonly messageBundle: string;
  readonly headerOrganization: string;
  readonly documentBundle: string;
  readonly composition: string;
  readonly patient: string;
  readonly practitioner: string;
  readonly organization: string;
  readonly binary: string;
}

function compositionIdentifier(referral: ReferralMessage, version: number): string {
  return nameBasedUuid(`${episodeKey(referral)}|episode-document|v${String(version)}|composition-identifier`);
}

function problems(input: SendDocumentInput): OperationOutcome | undefined {
  const issues = [];
  // MESH routes by NHS number, date of birth and surname, which must match the Patient (GPCM-SD-038).
  if (input.referral.patient.name === undefined) {
    issues.push(
      outcomeIssue({
        code: 'required',
        text: "is required: the practice's system matches the Patient by name",
        expression: 'patient.name',
      }),
    );
  }
  if (input.referral.patient.birthDate === undefined) {
    issues.push(
      outcomeIssue({
        code: 'required',
        text: "is required: the practice's system matches the Patient by date of birth",
        expression: 'patient.birthDate',
      }),
    );
  }
  if (!Number.isInteger(input.version) || input.version < 1) {
    issues.push(outcomeIssue({ code: 'value', text: 'must be a whole number from 1', expression: 'version' }));
  }
  if (input.pdf.length === 0) {
    issues.push(outcomeIssue({ code: 'required', text: 'must not be empty', expression: 'pdf' }));
  }
  return issues.length === 0 ? undefined : operationOutcome(issues);
}

function messageHandling(senderReference: string): Stu3Extension {
  return {
    url: MESSAGE_HANDLING_EXTENSION,
    extension: [
      { url: 'BusAckRequested', valueBoolean: true },
      { url: 'InfAckRequested', valueBoolean: true },
      {
        url: 'RecipientType',
        valueCoding: { system: ITK3_SYSTEMS.recipientType, code: 'FA', display: 'For Action' },
      },
      { url: 'Priority', valueCoding: { system: ITK3_SYSTEMS.priority, code: 'routine', display: 'Routine' } },
      { url: 'MessageDefinition', valueReference: { reference: SEND_DOCUMENT_MESSAGE_DEFINITION } },
      { url: 'SenderReference', valueString: senderReference },
      { url: 'LocalExtension', valueString: LOCAL_EXTENSION },
    ],
  };
}

/** Escapes text for the Composition's XHTML narrative. */
function xhtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function buildSendDocumentMessage(input: SendDocumentInput): SendDocumentResult {
  const outcome = problems(input);
  const { referral } = input;
  const { name, birthDate } = referral.patient;
  if (outcome !== undefined || name === undefined || birthDate === undefined) {
    return { ok: false, outcome: outcome ?? operationOutcome([]) };
  }
  const ids = documentIds(referral, input.version);
  const { names } = ids;
  const senderOrganisation = referral.linkWorker.organisation;
  const timestamp = input.generatedAt.toISOString();

  const headerOrganization: Stu3Organization = {
    resourceType: 'Organization',
    id: names.headerOrganization,
    meta: { profile: [ITK3_PROFILES.headerOrganization] },
    identifier: [{ system: ITK3_SYSTEMS.odsOrganisationCode, value: senderOrganisation.odsCode }],
  };
  const organization: Stu3Organization = {
    resourceType: 'Organization',
    id: names.organization,
    meta: { profile: [ITK3_PROFILES.organization] },
    identifier: [{ system: ITK3_SYSTEMS.odsOrganisationCode, value: senderOrganisation.odsCode }],
    ...(senderOrganisation.name !== undefined ? { name: senderOrganisation.name } : {}),
    ...(input.senderTelephone !== undefined
      ? { telecom: [{ system: 'phone', value: input.senderTelephone, use: 'work' }] }
      : {}),
  };
  const practitioner: Stu3Practitioner = {
    resourceType: 'Practitioner',
    id: names.practitioner,
    meta: { profile: [ITK3_PROFILES.practitioner] },
    ...(referral.linkWorker.sdsUserId !== undefined
      ? { identifier: [{ system: ITK3_SYSTEMS.sdsUserId, value: referral.linkWorker.sdsUserId }] }
      : {}),
    // The inbound contract carries the link worker's name as one string, so it goes in `text`.
    name: [{ use: 'official', text: referral.linkWorker.name }],
  };
  const patient: Stu3Patient = {
    resourceType: 'Patient',
    id: names.patient,
    meta: { profile: [ITK3_PROFILES.patient] },
    identifier: [{ system: ITK3_SYSTEMS.nhsNumber, value: referral.patient.nhsNumber }],
    name: [{ use: 'official', family: name.family, given: [name.given] }],
    birthDate,
  };
  const binary: Stu3Binary = {
    resourceType: 'Binary',
    id: names.binary,
    meta: { profile: [ITK3_PROFILES.binary] },
    contentType: 'application/pdf',
    content: input.pdf.toString('base64'),
  };
  const summary = summaryLine(input, name);
  const composition: Stu3Composition = {
    resourceType: 'Composition',
    id: names.composition,
    meta: { profile: [ITK3_PROFILES.composition] },
    identifier: { system: ITK3_SYSTEMS.uuid, value: ids.compositionIdentifier },
    status: 'final',
    type: { coding: [DOCUMENT_TYPE] },
    subject: { reference: urn(names.patient) },
    date: timestamp,
    author: [{ reference: urn(names.practitioner) }, { reference: urn(names.organization) }],
    title: input.documentTitle,
    confidentiality: 'N',
    custodian: { reference: urn(names.organization) },
    text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${xhtml(summary)}</p></div>` },
    ...(input.version > 1
      ? {
          relatesTo: [
            {
              code: 'replaces',
              targetIdentifier: {
                system: ITK3_SYSTEMS.uuid,
                value: compositionIdentifier(referral, input.version - 1),
              },
            },
          ],
        }
      : {}),
    // The PDF is the primary attachment, so it is the first section's first entry (GPCM-SD-022).
    section: [{ title: input.documentTitle, entry: [{ reference: urn(names.binary) }] }],
  };
  const documentBundle: Stu3Bundle = {
    resourceType: 'Bundle',
    id: names.documentBundle,
    meta: { profile: [ITK3_PROFILES.documentBundle], versionId: String(input.version) },
    identifier: { system: ITK3_SYSTEMS.uuid, value: ids.bundleIdentifier },
    type: 'document',
    entry: [composition, binary, patient, practitioner, organization].map((resource) => ({
      fullUrl: urn(resource.id),
      resource,
    })),
  };
  const header: Stu3MessageHeader = {
    resourceType: 'MessageHeader',
    id: ids.messageHeaderId,
    meta: { profile: [ITK3_PROFILES.messageHeader] },
    extension: [messageHandling(ids.senderReference)],
    event: SEND_DOCUMENT_EVENT,
    sender: { reference: urn(names.headerOrganization) },
    timestamp,
    source: { endpoint: input.senderMailbox },
    focus: { reference: urn(names.documentBundle) },
  };
  const message: Stu3Bundle = {
    resourceType: 'Bundle',
    id: names.messageBundle,
    meta: { profile: [ITK3_PROFILES.messageBundle] },
    identifier: { system: ITK3_SYSTEMS.uuid, value: ids.bundleIdentifier },
    type: 'message',
    entry: [header, headerOrganization, documentBundle].map((resource) => ({ fullUrl: urn(resource.id), resource })),
  };
  return {
    ok: true,
    message,
    ids: {
      messageHeaderId: ids.messageHeaderId,
      bundleIdentifier: ids.bundleIdentifier,
      compositionIdentifier: ids.compositionIdentifier,
      senderReference: ids.senderReference,
    },
  };
}

/**
 * The MESH subject line of the message (GPCM-SD-061/-064, Send Document 1.3.2 format). It carries patient details
 * as the specification asks; the adapter must never log it. An HTTP header holds printable ASCII only, so letters
 * with accents lose them (Siân becomes Sian) and anything else non-ASCII becomes "?"; the document itself keeps
 * the names as written.
 */
export function sendDocumentSubject(input: SendDocumentInput): string | undefined {
  const { name } = input.referral.patient;
  return name === undefined ? undefined : asciiHeaderText(summaryLine(input, name));
}

function asciiHeaderText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, '?');
}

/** The one-line summary the Composition narrative and the MESH subject share (GPCM-SD-119, -061). */
function summaryLine(input: SendDocumentInput, name: { readonly given: string; readonly family: string }): string {
  const organisation = input.referral.linkWorker.organisation;
  return (
    `${input.documentTitle} for ${name.given} ${name.family}, NHS Number: ${input.referral.patient.nhsNumber}, ` +
    `seen at ${organisation.name ?? organisation.odsCode}, ${organisation.odsCode}, Version: ${String(input.version)}`
  );
}
