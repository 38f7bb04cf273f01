/**
 * The embedded MESH sandbox: a MESH API v2 server over in-memory mailboxes that can play receiving GP practices
 * for GP Connect Send Document (workflow GPFED_CONSULT_REPORT), for local runs and tests.
 */
export { CONSULT_REPORT_ACK_WORKFLOW, CONSULT_REPORT_WORKFLOW, PLACEHOLDER_ACK_FORMAT, placeholderAcks } from './acks';
export type {
  AckMessage,
  AckProducer,
  PlaceholderAckBody,
  PlaceholderAckKind,
  PracticeDecision,
  ReceivedReport,
  RejectionReason,
} from './acks';
export { MESH_BASE_PATH, MESH_V2_MEDIA_TYPE } from './api';
export { CONTROLS_BASE_PATH } from './controls';
export type { ReceivedMessage } from './controls';
export type { MeshMailboxConfig } from './mail-store';
export { DEFAULT_REJECTION } from './practices';
export { ROUTED_WORKFLOWS, ROUTING_TAG } from './routing';
export type { RegisteredPatient } from './routing';
export type { PracticeMode, PracticeSetting } from './practices';
export { DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_REQUEST_BYTES, startMeshSandbox } from './server';
export type { MeshSandboxOptions, MeshSandboxTls, RunningMeshSandbox } from './server';
