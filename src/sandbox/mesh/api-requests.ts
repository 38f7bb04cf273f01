/**
 * Reading MESH API requests for the sandbox: the sender's mex-* envelope, chunk ranges, inbox paging, the Accept
 * header, path parameters and the raw body.
 */
import type { Request } from 'express';
import type { MessageEnvelope } from './mail-store';

export const MESH_V2_MEDIA_TYPE = 'application/vnd.mesh.v2+json';

const DEFAULT_MAX_RESULTS = 500;
export const MIN_MAX_RESULTS = 10;
export const MAX_MAX_RESULTS = 5000;

export interface ValidationProblem {
  readonly loc: readonly string[];
  readonly msg: string;
}

export type EnvelopeResult =
  | { readonly ok: true; readonly value: MessageEnvelope }
  | { readonly ok: false; readonly problems: ValidationProblem[] };

export function readEnvelope(req: Request, mailbox: string): EnvelopeResult {
  const header = (name: string): string | undefined => {
    const value = req.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const to = header('mex-to');
  const workflowId = header('mex-workflowid');
  const problems: ValidationProblem[] = [];
  if (to === undefined) {
    problems.push({ loc: ['header', 'mex-to'], msg: 'field required' });
  }
  if (workflowId === undefined) {
    problems.push({ loc: ['header', 'mex-workflowid'], msg: 'field required' });
  }
  if (to === undefined || workflowId === undefined) {
    return { ok: false, problems };
  }
  const optional = {
    fileName: header('mex-filename'),
    localId: header('mex-localid'),
    subject: header('mex-subject'),
    contentType: header('content-type'),
    contentEncoding: header('content-encoding'),
    compressed: header('mex-content-compressed'),
    encrypted: header('mex-content-encrypted'),
    checksum: header('mex-content-checksum'),
  };
  const present = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
  return {
    ok: true,
    value: { from: (header('mex-from') ?? mailbox).toUpperCase(), to, workflowId, ...present },
  };
}

/** The total chunk count from a first chunk's `mex-chunk-range` (1 when absent), or undefined when malformed. */
export function parseFirstChunkRange(range: string | undefined): number | undefined {
  if (range === undefined || range === '') {
    return 1;
  }
  const match = /^1:(\d+)$/.exec(range.trim());
  const total = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  return Number.isInteger(total) && total >= 1 ? total : undefined;
}

export function parseMaxResults(value: unknown): number | undefined {
  if (value === undefined) {
    return DEFAULT_MAX_RESULTS;
  }
  const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return parsed >= MIN_MAX_RESULTS && parsed <= MAX_MAX_RESULTS ? parsed : undefined;
}

export function encodeCursor(messageId: string): string {
  return Buffer.from(JSON.stringify({ after: messageId })).toString('base64');
}

export function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { after?: unknown };
    return typeof parsed.after === 'string' ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}

export function acceptsV2(req: Request): boolean {
  return (req.get('accept') ?? '').toLowerCase().includes(MESH_V2_MEDIA_TYPE);
}

export function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}

/** The raw request body, byte for byte (never inflated), or undefined when it exceeds `limit`. */
export async function readBody(req: Request, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  // An oversized body is still read to its end (and dropped): abandoning the stream would reset the connection
  // before the 413 could be sent.
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= limit) {
      chunks.push(buffer);
    }
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}
