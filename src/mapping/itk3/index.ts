/**
 * GP Connect Send Document over ITK3 (FHIR STU3): the message that carries the episode PDF, and the
 * acknowledgements the practice answers with.
 */
export type { SendDocumentIds, SendDocumentInput, SendDocumentResult } from './send-document';
export { buildSendDocumentMessage, sendDocumentSubject } from './send-document';
export type {
  AcknowledgementInput,
  AcknowledgementKind,
  AcknowledgementParse,
  Itk3Acknowledgement,
} from './acknowledgement';
export { buildItk3Acknowledgement, parseItk3Acknowledgement } from './acknowledgement';
export type { Itk3ResponseCode } from './codes';
export { ITK3_RESPONSE_CODES, SEND_DOCUMENT_EVENT } from './codes';
export type { Stu3Bundle } from './stu3';
export type {
  PracticeAcknowledgement,
  PracticeAcknowledgementInput,
  PracticeAnswer,
} from './practice-acknowledgements';
export { practiceAcknowledgements } from './practice-acknowledgements';
