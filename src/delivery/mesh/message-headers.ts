/**
 * A MESH message's metadata as `mex-*` HTTP headers: built for sending (checked against the specification's
 * lengths and what an HTTP header can carry, so a bad value is named before anything is sent) and read back from
 * a download.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MeshInputProblem } from './errors';

export interface OutgoingMeshMessage {
  /** The recipient mailbox id (or, for routed workflows, the `GPPROVIDER_…` routing value). */
  readonly to: string;
  readonly workflowId: string;
  readonly body: Buffer;
  readonly fileName?: string;
  /** The sender's own reference; MESH forbids patient-identifiable data here. */
  readonly localId?: string;
  readonly subject?: string;
  readonly contentType?: string;
  /** Set when the body is already compressed (sent as `content-encoding` and `mex-content-compressed: Y`). */
  readonly contentEncoding?: string;
  /** Set when the body is encrypted end to end (`mex-content-encrypted: Y`). */
  readonly encrypted?: boolean;
}

export interface MeshMessageMetadata {
  readonly messageId: string;
  readonly from?: string;
  readonly to?: string;
  readonly workflowId?: string;
  readonly fileName?: string;
  readonly localId?: string;
  readonly subject?: string;
  /** DATA for a message, REPORT for an error report about a message this mailbox sent. */
  readonly messageType?: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly compressed: boolean;
  readonly encrypted: boolean;
  readonly checksum?: string;
  readonly chunkCount: number;
  readonly statusSuccess?: string;
  readonly statusCode?: string;
  readonly statusDescription?: string;
  /** For a REPORT: the message it is about. */
  readonly linkedMessageId?: string;
}

/** Maximum lengths from the MESH API v2 specification's send-message parameters. */
const MAX_LENGTHS: Readonly<Record<string, number>> = {
  'mex-to': 100,
  'mex-workflowid': 300,
  'mex-subject': 500,
  'mex-localid': 300,
  'mex-filename': 300,
  'mex-content-checksum': 100,
};

/** Visible ASCII and spaces: what every HTTP stack passes through unchanged. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

export type SendHeadersResult =
  | { readonly ok: true; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly problems: MeshInputProblem[] };

/** The headers of the first request of a message (the only one for an unchunked message). */
export function sendHeaders(
  sender: string,
  message: OutgoingMeshMessage,
  chunkCount: number,
  checksum: string | undefined,
): SendHeadersResult {
  const candidate: Record<string, string | undefined> = {
    'mex-from': sender,
    'mex-to': message.to,
    'mex-workflowid': message.workflowId,
    'mex-filename': message.fileName,
    'mex-localid': message.localId,
    'mex-subject': message.subject,
    'mex-content-checksum': checksum,
    'mex-content-compressed': message.contentEncoding !== undefined ? 'Y' : undefined,
    'mex-content-encrypted': message.encrypted === true ? 'Y' : undefined,
    'mex-chunk-range': chunkCount > 1 ? `1:${chunkCount}` : undefined,
    'content-type': message.contentType ?? 'application/octet-stream',
    'content-encoding': message.contentEncoding,
  };
  const problems: MeshInputProblem[] = [];
  for (const required of ['mex-to', 'mex-workflowid'] as const) {
    if ((candidate[required] ?? '') === '') {
      problems.push({ path: required, message: 'is required' });
    }
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(candidate)) {
    if (value === undefined) {
      continue;
    }
    const max = MAX_LENGTHS[name];
    if (max !== undefined && value.length > max) {
      problems.push({ path: name, message: `is ${value.length} characters long; MESH allows at most ${max}` });
    }
    if (!HEADER_SAFE.test(value)) {
      problems.push({ path: name, message: 'may only contain printable ASCII characters' });
    }
    headers[name] = value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, headers };
}

/** The message metadata a download answer carries, from its first (or only) chunk. */
export function readMetadata(messageId: string, headers: IncomingHttpHeaders): MeshMessageMetadata {
  const get = (name: string): string | undefined => {
    const value = headers[name];
    const single = Array.isArray(value) ? value[0] : value;
    return single === undefined || single === '' ? undefined : single;
  };
  const optional: Record<string, string | undefined> = {
    from: get('mex-from'),
    to: get('mex-to'),
    workflowId: get('mex-workflowid'),
    fileName: get('mex-filename'),
    localId: get('mex-localid'),
    subject: get('mex-subject'),
    messageType: get('mex-messagetype'),
    contentType: get('content-type'),
    contentEncoding: get('content-encoding'),
    checksum: get('mex-content-checksum'),
    statusSuccess: get('mex-statussuccess'),
    statusCode: get('mex-statuscode'),
    statusDescription: get('mex-statusdescription'),
    linkedMessageId: get('mex-linkedmsgid'),
  };
  return {
    messageId: get('mex-messageid') ?? messageId,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    compressed: get('mex-content-compressed')?.toUpperCase() === 'Y',
    encrypted: get('mex-content-encrypted')?.toUpperCase() === 'Y',
    chunkCount: parseChunkRange(get('mex-chunk-range'))?.total ?? 1,
  };
}

/** `k:n` as numbers, or undefined when absent or malformed. */
export function parseChunkRange(range: string | undefined): { chunk: number; total: number } | undefined {
  const match = range === undefined ? null : /^(\d+):(\d+)$/.exec(range.trim());
  if (match === null) {
    return undefined;
  }
  const chunk = Number(match[1]);
  const total = Number(match[2]);
  return chunk >= 1 && total >= chunk ? { chunk, total } : undefined;
}

/** The body cut into pieces of at most `size` bytes, in order; an empty body is one empty chunk. */
export function splitIntoChunks(body: Buffer, size: number): Buffer[] {
  if (body.length <= size) {
    return [body];
  }
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += size) {
    chunks.push(body.subarray(offset, offset + size));
  }
  return chunks;
}
