/**
 * The fixed values of GP Connect Send Document and ITK3, each with the requirement or page it comes from
 * (docs/gp-connect-send-document.md lists them with what is verified and what is not).
 */

export const ITK3_PROFILES = {
  messageBundle: 'https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Message-Bundle-1',
  messageHeader: 'https://fhir.nhs.uk/STU3/StructureDefinition/ITK-MessageHeader-2',
  headerOrganization: 'https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-ITK-Header-Organization-1',
  documentBundle: 'https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Document-Bundle-1',
  composition: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Composition-1',
  patient: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1',
  practitioner: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Practitioner-1',
  organization: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Organization-1',
  binary: 'https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Attachment-Binary-1',
  responseOutcome: 'https://fhir.nhs.uk/STU3/StructureDefinition/ITK-Response-OperationOutcome-1',
} as const;

export const MESSAGE_HANDLING_EXTENSION =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-MessageHandling-2';

export const ITK3_SYSTEMS = {
  messageEvent: 'https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2',
  recipientType: 'https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1',
  priority: 'https://fhir.nhs.uk/STU3/CodeSystem/ITK-Priority-1',
  responseCodes: 'https://fhir.nhs.uk/STU3/CodeSystem/ITK-ResponseCodes-1',
  uuid: 'https://tools.ietf.org/html/rfc4122',
  odsOrganisationCode: 'https://fhir.nhs.uk/Id/ods-organization-code',
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  sdsUserId: 'https://fhir.nhs.uk/Id/sds-user-id',
  snomed: 'http://snomed.info/sct',
} as const;

/** GPCM-SD-047: the event of a Send Document message. */
export const SEND_DOCUMENT_EVENT = {
  system: ITK3_SYSTEMS.messageEvent,
  code: 'ITK007C',
  display: 'ITK GP Connect Send Document',
} as const;

/** GPCM-SD-054: the event of an ITK3 response (acknowledgement). */
export const RESPONSE_EVENT = { system: ITK3_SYSTEMS.messageEvent, code: 'ITK008M', display: 'ITK Response' } as const;

/** GPCM-SD-043 (Send Document 1.3.2 SCAL wording). */
export const SEND_DOCUMENT_MESSAGE_DEFINITION =
  'https://fhir.nhs.uk/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-Instance-1';

/**
 * GPCM-SD-044 names the use case; Send Document 1.3.2 relaxed it to any string. This value names this document;
 * whether receiving systems expect a registered value is NOT VERIFIED.
 */
export const LOCAL_EXTENSION = 'SendDocument-SocialPrescribingSummary';

/** Composition.type of the consultation report example ("Report of clinical encounter"). */
export const DOCUMENT_TYPE = {
  system: ITK3_SYSTEMS.snomed,
  code: '371531000',
  display: 'Report of clinical encounter',
} as const;

/** ITK3 response codes (ITK-ResponseCodes-1), with the displays the code system gives them. */
export const ITK3_RESPONSE_CODES = {
  '10001': 'Handling Specification Error',
  '10002': 'Infrastructure Level Response Value - Processing Error',
  '10003': 'Business Level Response Value - Processing Error',
  '10004': 'Message Definition Value - Processing Error',
  '10005': 'Message Definition Version Value - Processing Error',
  '10006': 'Priority Value - Processing Error',
  '10007': 'Sender Reference Value - Processing Error',
  '10008': 'Handling Specification Business Rule Error',
  '10009': 'Unreadable message received',
  '10010': 'Recipient Type - Processing Error',
  '20001': 'Unrecognised Recipient Person',
  '20002': 'Unrecognised Recipient Organisation',
  '20003': 'Unrecognised Sender',
  '20004': 'Non-Approved file type received as an attachment',
  '20005': 'Unsupported file type received as an attachment',
  '20006': 'ITK header validation failure',
  '20007': 'Duplicate Message received',
  '20008': 'Duplicate Document received',
  '20009': 'Payload validation failure',
  '20010': 'Unrecognised Payload Recipient Organisation',
  '20011': 'Unrecognised Payload Recipient Person',
  '20012': 'Unauthorised Sender',
  '20013': 'Success',
  '30001': 'Patient known here',
  '30002': 'Patient not known here',
  '30003': 'Patient no longer at this clinical setting',
} as const;

export type Itk3ResponseCode = keyof typeof ITK3_RESPONSE_CODES;

/** The positive codes: 20013 (infrastructure) and 30001 (business); every other code is negative and final. */
export const POSITIVE_RESPONSE_CODES: readonly Itk3ResponseCode[] = ['20013', '30001'];
