/**
 * Writing MESH API v2 answers for the sandbox: error and validation bodies, download headers and tracking records.
 */
import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { ValidationProblem } from './api-requests';
import { MESH_V2_MEDIA_TYPE } from './api-requests';
import type { MeshMailStore, StoredMessage } from './mail-store';

export function setDownloadHeaders(res: Response, message: StoredMessage, chunkNo: number): void {
  const report = message.messageType === 'REPORT';
  const headers: Record<string, string | undefined> = {
    'content-type': message.contentType ?? 'application/octet-stream',
    'content-encoding': message.contentEncoding,
    'mex-messageid': message.messageId,
    'mex-from': message.from,
    // A report's mex-to would name the undelivered message's intended recipient: with GPPROVIDER routing, patient
    // details, which the sandbox does not keep.
    'mex-to': report ? undefined : message.to,
    'mex-workflowid': message.workflowId,
    'mex-filename': message.fileName,
    'mex-localid': message.localId,
    'mex-subject': message.subject,
    'mex-messagetype': message.messageType,
    'mex-chunk-range': `${chunkNo}:${message.totalChunks}`,
    'mex-content-compressed': message.compressed,
    'mex-content-encrypted': message.encrypted,
    'mex-content-checksum': message.checksum,
    'mex-addresstype': 'ALL',
    'mex-version': '1.0',
    'mex-statussuccess': report ? 'ERROR' : 'SUCCESS',
    'mex-statuscode': message.failure?.code ?? '00',
    'mex-statusevent': report ? 'SEND' : 'TRANSFER',
    'mex-statusdescription': message.failure?.description ?? 'Transferred to recipient mailbox',
    'mex-linkedmsgid': message.linkedMessageId,
    'mex-statustimestamp': meshTimestamp(message.statusAt),
  };
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      res.setHeader(name, value);
    }
  }
}

export function trackingOf(message: StoredMessage, store: MeshMailStore): Record<string, unknown> {
  const uploading = message.status === 'uploading';
  if (message.status === 'error') {
    return {
      message_id: message.messageId,
      local_id: message.localId ?? null,
      workflow_id: message.workflowId,
      filename: message.fileName ?? null,
      upload_timestamp: message.uploadedAt.toISOString(),
      recipient: null,
      status: 'error',
      status_success: false,
      status_event: 'SEND',
      status_timestamp: message.statusAt.toISOString(),
      status_description: message.failure?.description ?? null,
      status_code: message.failure?.code ?? null,
      chunk_count: message.totalChunks,
      in_recipient_inbox: false,
    };
  }
  return {
    message_id: message.messageId,
    local_id: message.localId ?? null,
    workflow_id: message.workflowId,
    filename: message.fileName ?? null,
    upload_timestamp: message.uploadedAt.toISOString(),
    recipient: message.to,
    recipient_ods_code: null,
    status: message.status,
    status_success: !uploading,
    status_event: uploading ? 'UPLOAD' : message.status === 'acknowledged' ? 'DOWNLOAD' : 'TRANSFER',
    status_timestamp: message.statusAt.toISOString(),
    status_description: uploading ? 'Waiting for further chunks' : 'Success',
    status_code: uploading ? null : '00',
    chunk_count: message.totalChunks,
    in_recipient_inbox: store.inbox(message.to).includes(message.messageId),
  };
}

/** `yyyyMMddHHmmss` in UTC, the form MESH uses in mex-statustimestamp. */
export function meshTimestamp(at: Date): string {
  return at.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** The v2 error body: the message it concerns, an id for the incident, and what went wrong. */
export function sendError(
  res: Response,
  status: number,
  event: string,
  code: string,
  msg: string,
  messageId?: string,
): void {
  res
    .status(status)
    .type(MESH_V2_MEDIA_TYPE)
    .send(
      JSON.stringify({
        ...(messageId !== undefined ? { message_id: messageId } : {}),
        internal_id: randomBytes(8).toString('hex'),
        detail: [{ event, code, msg }],
      }),
    );
}

/** A 400 naming each bad header, query parameter or path segment, as the v2 specification's validation errors do. */
export function sendValidationError(res: Response, problems: readonly ValidationProblem[]): void {
  res
    .status(400)
    .type('application/json')
    .send(JSON.stringify({ detail: problems.map((problem) => ({ ...problem, type: 'value_error' })) }));
}
