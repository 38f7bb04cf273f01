/**
 * The GP Connect Send Document route over MESH: milestones ask for episode document versions, each version is sent
 * once (resumed safely after a crash), and the practice's ITK3 acknowledgements settle it.
 */
export type { MeshRoute, SendDocumentDeps } from './deps';
export { milestoneOf } from './milestones';
export { scanMilestones } from './request';
export type { MilestoneScanDeps } from './request';
export { CONSULT_REPORT_WORKFLOW, documentLocalId, gpProviderAddress, sendEpisodeDocument } from './send';
export type { SendDecision } from './send';
export { CONSULT_REPORT_ACK_WORKFLOW, handleOverdue, receiveAcknowledgement } from './acknowledgements';
export type { AckOutcome } from './acknowledgements';
export { documentsDue, sendJobId } from './due';
