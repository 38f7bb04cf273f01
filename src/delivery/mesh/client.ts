/**
 * The adapter's MESH API v2 client for one mailbox: handshake, send (cut into chunks above the chunk size), list
 * the inbox, download (joining chunks), acknowledge and track. Like the FHIR client it never retries on its own:
 * each failure is a MeshError whose verdict tells the delivery policy whether trying again can help.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { z } from 'zod';
import { packageVersion } from '../../lib/version';
import type { MeshAuthenticator } from './auth';
import { meshErrorFromAnswer, meshInputError, meshProtocolError, meshUnreachable } from './errors';
import type { MeshMessageMetadata, OutgoingMeshMessage } from './message-headers';
import { parseChunkRange, readMetadata, sendHeaders, splitIntoChunks } from './message-headers';
import type { MeshHttpRequest, MeshHttpResponse, MeshTransport } from './transport';

export const MESH_V2_ACCEPT = 'application/vnd.mesh.v2+json';

/**
 * 20 MB: the older MESH API documentation limits a request over the internet to 20 MB (100 MB over HSCN); the
 * current one says 100 MB. The smaller figure is safe for both.
 */
export const DEFAULT_CHUNK_SIZE_BYTES = 20 * 1000 * 1000;

export interface MeshClientOptions {
  /** The MESH host, e.g. https://msg.intspineservices.nhs.uk; the client adds /messageexchange/… itself. */
  readonly baseUrl: string;
  readonly mailbox: string;
  readonly authenticator: MeshAuthenticator;
  readonly transport: MeshTransport;
  readonly chunkSizeBytes?: number;
  readonly now?: () => Date;
}

export interface SentMeshMessage {
  readonly messageId: string;
  readonly chunkCount: number;
}

export interface DownloadedMeshMessage {
  readonly metadata: MeshMessageMetadata;
  /** The whole message, chunks joined in order, exactly as sent (compressed bodies stay compressed). */
  readonly body: Buffer;
}

const sendAnswer = z.object({ message_id: z.string().min(1) });
const inboxAnswer = z.object({
  messages: z.array(z.string()),
  links: z.record(z.string(), z.string()).optional(),
});
const trackingAnswer = z.looseObject({
  message_id: z.string(),
  local_id: z.string().nullish(),
  workflow_id: z.string().nullish(),
  recipient: z.string().nullish(),
  status: z.string(),
  status_success: z.boolean().nullish(),
  status_code: z.string().nullish(),
  status_description: z.string().nullish(),
  status_timestamp: z.string().nullish(),
});

export type MeshTracking = z.infer<typeof trackingAnswer>;

export class MeshClient {
  private readonly baseUrl: string;
  private readonly mailbox: string;
  private readonly chunkSize: number;
  private readonly now: () => Date;

  constructor(private readonly options: MeshClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.mailbox = options.mailbox.toUpperCase();
    this.chunkSize = options.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE_BYTES;
    this.now = options.now ?? (() => new Date());
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1) {
      throw new Error(`chunkSizeBytes must be a positive integer, not ${this.chunkSize}`);
    }
  }

  /** "Validate a mailbox": proves the credentials work; MESH wants it at least once a day. */
  async handshake(): Promise<void> {
    const answer = await this.request('handshake', {
      method: 'POST',
      path: '',
      headers: {
        'mex-clientversion': `sp-fhir-adapter==${packageVersion()}`,
        'mex-osname': os.type(),
        'mex-osversion': os.release(),
        'mex-osarchitecture': os.arch(),
      },
    });
    this.expect('handshake', answer, [200]);
  }

  /**
   * Sends one message. A body larger than the chunk size goes as a chunked message: the first chunk to the outbox
   * with `mex-chunk-range: 1:n`, the rest to the outbox under the message id MESH gave. The checksum header is the
   * SHA-256 of the whole body.
   */
  async send(message: OutgoingMeshMessage): Promise<SentMeshMessage> {
    const chunks = splitIntoChunks(message.body, this.chunkSize);
    if (message.contentEncoding !== undefined && chunks.length > 1) {
      // MESH wants each chunk compressed on its own; cutting one compressed stream would give undecodable chunks.
      throw meshInputError([
        { path: 'body', message: `a compressed body must fit in one chunk (${this.chunkSize} bytes)` },
      ]);
    }
    const checksum = `sha256:${createHash('sha256').update(message.body).digest('hex')}`;
    const headers = sendHeaders(this.mailbox, message, chunks.length, checksum);
    if (!headers.ok) {
      throw meshInputError(headers.problems);
    }
    const [first, ...rest] = chunks as [Buffer, ...Buffer[]];
    const answer = await this.request('send', {
      method: 'POST',
      path: '/outbox',
      headers: headers.headers,
      body: first,
    });
    this.expect('send', answer, [202]);
    const { message_id: messageId } = this.parse('send', answer, sendAnswer);
    for (const [index, chunk] of rest.entries()) {
      const chunkNo = index + 2;
      const chunkAnswer = await this.request('send chunk', {
        method: 'POST',
        path: `/outbox/${encodeURIComponent(messageId)}/${chunkNo}`,
        headers: {
          'content-type': 'application/octet-stream',
          'mex-chunk-range': `${chunkNo}:${chunks.length}`,
        },
        body: chunk,
      });
      this.expect('send chunk', chunkAnswer, [202]);
    }
    return { messageId, chunkCount: chunks.length };
  }

  /**
   * The ids of every message waiting in the inbox, following `links.next` across pages. MESH pages 500 ids at a
   * time unless `pageSize` (10 to 5000) says otherwise.
   */
  async inbox(options: { readonly pageSize?: number } = {}): Promise<string[]> {
    const ids: string[] = [];
    let path: string | undefined =
      options.pageSize === undefined ? '/inbox' : `/inbox?max_results=${String(options.pageSize)}`;
    while (path !== undefined) {
      const answer = await this.request('inbox', { method: 'GET', path, headers: {} });
      this.expect('inbox', answer, [200]);
      const page = this.parse('inbox', answer, inboxAnswer);
      ids.push(...page.messages);
      path = this.nextPage(page.links?.next);
    }
    return ids;
  }

  /** Downloads a message: the first chunk from the inbox, and when MESH says 206 the remaining chunks one by one. */
  async download(messageId: string): Promise<DownloadedMeshMessage> {
    const path = `/inbox/${encodeURIComponent(messageId)}`;
    const first = await this.request('download', { method: 'GET', path, headers: {} });
    this.expect('download', first, [200, 206]);
    const metadata = readMetadata(messageId, first.headers);
    const parts = [first.body];
    if (first.status === 206) {
      const range = parseChunkRange(header(first, 'mex-chunk-range'));
      if (range === undefined || range.total < 2) {
        throw meshProtocolError('download', 206, 'no usable mex-chunk-range');
      }
      for (let chunkNo = 2; chunkNo <= range.total; chunkNo += 1) {
        const next = await this.request('download chunk', { method: 'GET', path: `${path}/${chunkNo}`, headers: {} });
        this.expect('download chunk', next, chunkNo < range.total ? [206] : [200]);
        parts.push(next.body);
      }
    }
    return { metadata, body: Buffer.concat(parts) };
  }

  /** Tells MESH the message is safely stored here; it leaves the inbox and the sender's tracking says so. */
  async acknowledge(messageId: string): Promise<void> {
    const answer = await this.request('acknowledge', {
      method: 'PUT',
      path: `/inbox/${encodeURIComponent(messageId)}/status/acknowledged`,
      headers: {},
    });
    this.expect('acknowledge', answer, [200]);
  }

  /** Where a message this mailbox sent has got to (accepted, acknowledged …). */
  async track(messageId: string): Promise<MeshTracking> {
    const answer = await this.request('tracking', {
      method: 'GET',
      path: `/outbox/tracking?messageID=${encodeURIComponent(messageId)}`,
      headers: {},
    });
    this.expect('tracking', answer, [200]);
    return this.parse('tracking', answer, trackingAnswer);
  }

  /** Tracking by the sender's local id (deprecated by MESH in favour of `track`; 300 when the id is not unique). */
  async trackByLocalId(localId: string): Promise<MeshTracking> {
    const answer = await this.request('tracking', {
      method: 'GET',
      path: `/outbox/tracking/${encodeURIComponent(localId)}`,
      headers: {},
    });
    this.expect('tracking', answer, [200]);
    return this.parse('tracking', answer, trackingAnswer);
  }

  private async request(
    operation: string,
    request: { method: MeshHttpRequest['method']; path: string; headers: Record<string, string>; body?: Buffer },
  ): Promise<MeshHttpResponse> {
    const url = `${this.baseUrl}/messageexchange/${encodeURIComponent(this.mailbox)}${request.path}`;
    try {
      return await this.options.transport.send({
        method: request.method,
        url,
        headers: {
          ...request.headers,
          accept: MESH_V2_ACCEPT,
          authorization: this.options.authenticator.header(),
        },
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
    } catch (error) {
      throw meshUnreachable(operation, error);
    }
  }

  private expect(operation: string, answer: MeshHttpResponse, statuses: readonly number[]): void {
    if (!statuses.includes(answer.status)) {
      throw meshErrorFromAnswer(operation, answer.status, answer.body, header(answer, 'retry-after'), this.now());
    }
  }

  private parse<T>(operation: string, answer: MeshHttpResponse, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(answer.body.toString('utf8'));
    } catch {
      throw meshProtocolError(operation, answer.status, 'a body that is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw meshProtocolError(operation, answer.status, 'a body that does not match the MESH API v2 answer');
    }
    return parsed.data;
  }

  /** The path after /messageexchange/<mailbox> of a `links.next` MESH gave, which may be absolute or relative. */
  private nextPage(next: string | undefined): string | undefined {
    if (next === undefined) {
      return undefined;
    }
    const { pathname, search } = new URL(next, this.baseUrl);
    const prefix = `/messageexchange/${this.mailbox}`;
    if (!pathname.toUpperCase().startsWith(prefix.toUpperCase())) {
      throw meshProtocolError('inbox', 200, `a links.next outside this mailbox`);
    }
    return `${pathname.slice(prefix.length)}${search}`;
  }
}

function header(answer: MeshHttpResponse, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
