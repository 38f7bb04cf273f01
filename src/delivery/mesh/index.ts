/**
 * Talking to NHS MESH (Message Exchange for Social Care and Health) through its API v2: the route GP Connect
 * Send Document takes into a GP practice's workflow.
 */
export { MESH_AUTH_SCHEME, createMeshAuthenticator, meshAuthTimestamp, meshAuthorization } from './auth';
export type { MeshAuthenticator, MeshAuthenticatorOptions, MeshAuthorizationInput, MeshCredentials } from './auth';
export { DEFAULT_CHUNK_SIZE_BYTES, MESH_V2_ACCEPT, MeshClient } from './client';
export type { DownloadedMeshMessage, MeshClientOptions, MeshTracking, SentMeshMessage } from './client';
export { MeshError } from './errors';
export type { MeshErrorDetails, MeshFailureVerdict, MeshInputProblem } from './errors';
export type { MeshMessageMetadata, OutgoingMeshMessage } from './message-headers';
export { MESH_INBOX_PAGE, pollInbox } from './poll';
export type { MeshMessageHandler, PollResult } from './poll';
export { loadMeshTls } from './tls';
export type { MeshTlsFiles, MeshTlsMaterial } from './tls';
export { createMeshTransport } from './transport';
export type { MeshHttpRequest, MeshHttpResponse, MeshTransport, MeshTransportOptions } from './transport';
