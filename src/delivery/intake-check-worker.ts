/**
 * The body of an intake check thread (delivery/intake-check.ts): builds its own conformance checker, says it is
 * ready, then answers each message it is sent with preflightErrors, exactly as intake would in its own thread.
 */
import { parentPort } from 'node:worker_threads';
import { createConformanceChecker } from '../conformance';
import type { CheckReply, CheckRequest } from './intake-check-protocol';
import { preflightErrors } from './preflight';

const port = parentPort;
if (port === null) {
  throw new Error('the intake check runs in a worker thread');
}
const checker = createConformanceChecker();
port.on('message', (request: CheckRequest) => {
  let reply: CheckReply;
  try {
    reply = { id: request.id, issues: preflightErrors(request.message, checker, new Date(request.now)) };
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies CheckReply);
