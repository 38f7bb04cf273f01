/**
 * The sandbox's post office, in memory: the configured mailboxes, every message sent between them (chunk by chunk
 * until the last chunk arrives), each mailbox's inbox, and what each sender can see when tracking. It knows nothing
 * about HTTP; the server translates requests into calls here.
 */
import { randomBytes } from 'node:crypto';

export interface MeshMailboxConfig {
  /** Upper case, as MESH mailbox ids are (e.g. X26HC005). */
  readonly id: string;
  readonly password: string;
  /** Workflow ids the mailbox may receive; any when absent. */
  readonly receives?: readonly string[];
}

/** `error`: MESH could not deliver the message and put an error report in the sender's inbox instead. */
export type MessageStatus = 'uploading' | 'accepted' | 'acknowledged' | 'error';

/** Why MESH could not deliver a message it accepted, as its error report states it. */
export interface DeliveryFailure {
  readonly code: string;
  readonly description: string;
}

/** What the sender said about a message in its mex-* headers. */
export interface MessageEnvelope {
  readonly from: string;
  readonly to: string;
  readonly workflowId: string;
  readonly fileName?: string;
  readonly localId?: string;
  readonly subject?: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly compressed?: string;
  readonly encrypted?: string;
  readonly checksum?: string;
}

export interface StoredMessage extends MessageEnvelope {
  readonly messageId: string;
  /** DATA for a message, REPORT for MESH's error report about one (with an empty body). */
  readonly messageType: 'DATA' | 'REPORT';
  /** Set when the message cannot be delivered; on a REPORT, what went wrong with the linked message. */
  readonly failure?: DeliveryFailure;
  /** On a REPORT: the message it is about. */
  readonly linkedMessageId?: string;
  readonly totalChunks: number;
  /** Chunks in order, as uploaded; the download hands them out with the same boundaries. */
  readonly chunks: Buffer[];
  readonly uploadedAt: Date;
  status: MessageStatus;
  statusAt: Date;
}

export type ChunkResult =
  | { readonly kind: 'stored'; readonly message: StoredMessage; readonly complete: boolean }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'finalised' }
  | { readonly kind: 'out-of-order'; readonly expected: number };

export type DeliveryListener = (message: StoredMessage) => void;

export class MeshMailStore {
  private readonly mailboxes = new Map<string, MeshMailboxConfig>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly listeners: DeliveryListener[] = [];

  constructor(
    mailboxes: readonly MeshMailboxConfig[],
    private readonly now: () => Date,
  ) {
    for (const mailbox of mailboxes) {
      this.mailboxes.set(mailbox.id.toUpperCase(), mailbox);
    }
  }

  passwords(): ReadonlyMap<string, string> {
    return new Map([...this.mailboxes].map(([id, mailbox]) => [id, mailbox.password]));
  }

  mailbox(id: string): MeshMailboxConfig | undefined {
    return this.mailboxes.get(id.toUpperCase());
  }

  /** Called with each message once its last chunk has arrived and it sits in the recipient's inbox. */
  onDelivered(listener: DeliveryListener): void {
    this.listeners.push(listener);
  }

  /**
   * Starts a message with its first chunk. It reaches the inbox only when `finish` is called for it; one with a
   * `failure` never does, and its sender gets an error report instead.
   */
  start(envelope: MessageEnvelope, totalChunks: number, firstChunk: Buffer, failure?: DeliveryFailure): StoredMessage {
    const at = this.now();
    const message: StoredMessage = {
      ...envelope,
      messageId: newMessageId(at),
      messageType: 'DATA',
      ...(failure !== undefined ? { failure } : {}),
      totalChunks,
      chunks: [firstChunk],
      uploadedAt: at,
      status: 'uploading',
      statusAt: at,
    };
    this.messages.set(message.messageId, message);
    return message;
  }

  /** Adds chunk `chunkNo` (1-based) of a message the sender started; `complete` once every chunk is in. */
  addChunk(sender: string, messageId: string, chunkNo: number, chunk: Buffer): ChunkResult {
    const message = this.messages.get(messageId);
    if (message?.from !== sender) {
      return { kind: 'not-found' };
    }
    if (message.status !== 'uploading') {
      return { kind: 'finalised' };
    }
    const expected = message.chunks.length + 1;
    if (chunkNo !== expected) {
      return { kind: 'out-of-order', expected };
    }
    message.chunks.push(chunk);
    return { kind: 'stored', message, complete: message.chunks.length === message.totalChunks };
  }

  /** Drops a message whose upload failed a check, so it never reaches an inbox. */
  discard(messageId: string): void {
    this.messages.delete(messageId);
  }

  /** Ids of the messages waiting in a mailbox's inbox, oldest first. */
  inbox(mailbox: string): string[] {
    return [...this.messages.values()]
      .filter((message) => message.to === mailbox && message.status === 'accepted')
      .map((message) => message.messageId);
  }

  /** A message addressed to `mailbox` that has been delivered (acknowledged or not). */
  delivered(mailbox: string, messageId: string): StoredMessage | undefined {
    const message = this.messages.get(messageId);
    return message?.to === mailbox && isDelivered(message) ? message : undefined;
  }

  /** Removes a message from the recipient's inbox; false when it is not there (unknown or already acknowledged). */
  acknowledge(mailbox: string, messageId: string): boolean {
    const message = this.delivered(mailbox, messageId);
    if (message?.status !== 'accepted') {
      return false;
    }
    message.status = 'acknowledged';
    message.statusAt = this.now();
    return true;
  }

  /** A message `sender` sent, by MESH message id. */
  sent(sender: string, messageId: string): StoredMessage | undefined {
    const message = this.messages.get(messageId);
    return message?.from === sender ? message : undefined;
  }

  /** Messages `sender` sent with a given mex-localid (more than one when the sender reused it). */
  sentWithLocalId(sender: string, localId: string): StoredMessage[] {
    return [...this.messages.values()].filter((message) => message.from === sender && message.localId === localId);
  }

  /** Every message delivered to a mailbox, whether or not it has been acknowledged since. */
  receivedBy(mailbox: string): StoredMessage[] {
    return [...this.messages.values()].filter((message) => message.to === mailbox && isDelivered(message));
  }

  /** Puts a fully uploaded message into its recipient's inbox and tells the listeners, or reports its failure. */
  finish(message: StoredMessage): void {
    message.statusAt = this.now();
    if (message.failure !== undefined) {
      message.status = 'error';
      this.reportFailure(message, message.failure);
      return;
    }
    message.status = 'accepted';
    for (const listener of this.listeners) {
      listener(message);
    }
  }

  /**
   * MESH's error report: a REPORT message with an empty body in the sender's own inbox, naming the message it is
   * about and carrying its workflow id, local id and subject.
   */
  private reportFailure(message: StoredMessage, failure: DeliveryFailure): void {
    const at = this.now();
    const report: StoredMessage = {
      from: message.from,
      to: message.from,
      workflowId: message.workflowId,
      ...(message.localId !== undefined ? { localId: message.localId } : {}),
      ...(message.subject !== undefined ? { subject: message.subject } : {}),
      messageId: newMessageId(at),
      messageType: 'REPORT',
      failure,
      linkedMessageId: message.messageId,
      totalChunks: 1,
      chunks: [Buffer.alloc(0)],
      uploadedAt: at,
      status: 'accepted',
      statusAt: at,
    };
    this.messages.set(report.messageId, report);
  }
}

/** Reached its recipient's inbox (and may since have been acknowledged); an error report counts as delivered. */
function isDelivered(message: StoredMessage): boolean {
  return message.status === 'accepted' || message.status === 'acknowledged';
}

/** The whole message: its chunks joined in order. */
export function messageBytes(message: StoredMessage): Buffer {
  return Buffer.concat(message.chunks);
}

/** MESH message ids look like `20220228174323222_ABCDEF`: the upload time to the millisecond and six hex digits. */
function newMessageId(at: Date): string {
  const stamp = at.toISOString().replace(/\D/g, '').slice(0, 17);
  return `${stamp}_${randomBytes(3).toString('hex').toUpperCase()}`;
}
