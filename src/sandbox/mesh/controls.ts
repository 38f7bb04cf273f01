/**
 * Test controls for the MESH sandbox, over HTTP under /_sandbox (no MESH authentication: they stand outside the
 * MESH API, like an operator's console): what a mailbox received and its bytes, how a receiving practice answers,
 * and failures injected into the next MESH API requests.
 */
import express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { MeshMailStore, StoredMessage } from './mail-store';
import { messageBytes } from './mail-store';
import type { ReceivingPractices } from './practices';

export const CONTROLS_BASE_PATH = '/_sandbox';

/** A message as the test controls describe it; `body` is the whole message, chunks joined. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly from: string;
  readonly to: string;
  readonly workflowId: string;
  readonly localId?: string;
  readonly subject?: string;
  readonly fileName?: string;
  readonly contentType?: string;
  readonly checksum?: string;
  readonly chunkCount: number;
  readonly acknowledged: boolean;
  readonly receivedAt: Date;
  readonly body: Buffer;
}

/** Failures the sandbox answers MESH API requests with, ahead of any other processing. */
export class InjectedFailures {
  private remaining = 0;
  private status = 503;

  failNext(count: number, status = 503): void {
    this.remaining = count;
    this.status = status;
  }

  /** The status to fail this request with, or undefined to let it through. */
  take(): number | undefined {
    if (this.remaining <= 0) {
      return undefined;
    }
    this.remaining -= 1;
    return this.status;
  }
}

export function receivedMessages(store: MeshMailStore, mailbox: string): ReceivedMessage[] {
  return store.receivedBy(mailbox.toUpperCase()).map(describe);
}

function describe(message: StoredMessage): ReceivedMessage {
  return {
    messageId: message.messageId,
    from: message.from,
    to: message.to,
    workflowId: message.workflowId,
    ...(message.localId !== undefined ? { localId: message.localId } : {}),
    ...(message.subject !== undefined ? { subject: message.subject } : {}),
    ...(message.fileName !== undefined ? { fileName: message.fileName } : {}),
    ...(message.contentType !== undefined ? { contentType: message.contentType } : {}),
    ...(message.checksum !== undefined ? { checksum: message.checksum } : {}),
    chunkCount: message.totalChunks,
    acknowledged: message.status === 'acknowledged',
    receivedAt: message.statusAt,
    body: messageBytes(message),
  };
}

const practiceSettingSchema = z.object({
  mode: z.enum(['accept', 'reject', 'silent']),
  reason: z.object({ code: z.string().min(1), text: z.string().min(1) }).optional(),
});

const failureSchema = z.object({
  count: z.number().int().min(0),
  status: z.number().int().min(400).max(599).optional(),
});

export function controlsRouter(
  store: MeshMailStore,
  practices: ReceivingPractices,
  failures: InjectedFailures,
): express.Router {
  const router = express.Router();
  router.use(express.json());

  router.get('/mailboxes/:mailbox/received', (req: Request, res: Response) => {
    const listed = receivedMessages(store, param(req, 'mailbox')).map(({ body, ...rest }) => ({
      ...rest,
      size: body.length,
    }));
    res.json(listed);
  });

  router.get('/mailboxes/:mailbox/received/:messageId', (req: Request, res: Response) => {
    const found = receivedMessages(store, param(req, 'mailbox')).find((m) => m.messageId === param(req, 'messageId'));
    if (found === undefined) {
      res.status(404).json({ problems: [{ path: 'messageId', message: 'no such message in this mailbox' }] });
      return;
    }
    res
      .status(200)
      .type(found.contentType ?? 'application/octet-stream')
      .send(found.body);
  });

  router.put('/practices/:mailbox', (req: Request, res: Response) => {
    const parsed = practiceSettingSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ problems: describeIssues(parsed.error) });
      return;
    }
    if (store.mailbox(param(req, 'mailbox')) === undefined) {
      res.status(404).json({ problems: [{ path: 'mailbox', message: 'not a mailbox of this sandbox' }] });
      return;
    }
    practices.set(param(req, 'mailbox'), parsed.data);
    res.status(204).end();
  });

  router.post('/failures', (req: Request, res: Response) => {
    const parsed = failureSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ problems: describeIssues(parsed.error) });
      return;
    }
    failures.failNext(parsed.data.count, parsed.data.status);
    res.status(204).end();
  });

  return router;
}

function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
}

function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}
