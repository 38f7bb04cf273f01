/**
 * Bull Board, the BullMQ dashboard, at /admin/queues for admins: every queue's waiting, active, delayed, failed
 * and completed jobs, from the read-only queue adapters queue/board-queues.ts opens. Its page runs its own
 * scripts and inline styles, so it gets a content security policy of its own, for its path only.
 */
import { createBullBoard } from '@bull-board/api';
import type { BaseAdapter } from '@bull-board/api/baseAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * The board's own scripts, styles (some inline, in its loading screen) and images, and its API under the same
 * path; nothing from elsewhere (its web fonts from Google stay blocked, as the dashboard's do), no framing.
 */
export const queueBoardSecurityHeaders: RequestHandler = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

export function queueBoardRouter(queues: readonly BaseAdapter[]): RequestHandler {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues,
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'sp-fhir-adapter queues' } },
  });
  return adapter.getRouter() as RequestHandler;
}
