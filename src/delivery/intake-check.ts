/**
 * The check intake runs on every message before accepting it (preflightErrors: the worker's own mapping and
 * profile check), either in the API's own thread or in a small pool of worker threads, so that the check's CPU
 * (most of an accepted message's) does not hold up the event loop that serves requests and talks to Redis. Both
 * give the same answer: a thread runs the same function on a structured clone of the same message.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../lib/module-worker';
import type { InboundMessage } from '../messages/schemas';
import type { Logger } from '../observability/logger';
import type { CheckReply, CheckRequest } from './intake-check-protocol';
import type { ConformanceCheck } from './preflight';
import { preflightErrors } from './preflight';

export interface IntakeCheck {
  /** What would stop this message from conforming once delivered (preflightErrors); [] when nothing would. */
  errors(message: InboundMessage, now: Date): Promise<OperationOutcomeIssue[]>;
  /** Resolves once the check can answer (a pool's threads have built their checkers); rejects if one cannot. */
  ready(): Promise<void>;
  /** Waits for the checks in flight, then ends the threads; later checks are refused. */
  close(): Promise<void>;
}

/** The check in the calling thread. */
export function inProcessIntakeCheck(conformance: ConformanceCheck): IntakeCheck {
  return {
    errors: (message, now) => {
      try {
        return Promise.resolve(preflightErrors(message, conformance, now));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

export interface IntakeCheckPoolOptions {
  /** Threads in the pool, at least 1 (0 means the in-process check, chosen by the caller). */
  readonly threads: number;
  readonly logger: Logger;
  /** The thread's module; the tests start a failing one. */
  readonly workerFile?: string;
}

interface Pending {
  readonly resolve: (issues: OperationOutcomeIssue[]) => void;
  readonly reject: (err: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  readonly ready: Promise<void>;
  /** Why the thread stopped before it was ready (it is not replaced: checks sent to it fail with this). */
  failure: Error | undefined;
}

const WORKER_FILE = siblingModule(__filename, 'intake-check-worker');

/**
 * Starts `threads` worker threads, each with its own conformance checker (2 to 4 s to build and about 250 MB each),
 * and sends each check to the thread with the fewest in flight. A thread that stops after it was ready fails the
 * checks it held (intake answers them as it would a check that threw) and is replaced.
 */
export function startIntakeCheckPool(options: IntakeCheckPoolOptions): IntakeCheck {
  if (options.threads < 1) {
    throw new Error('an intake check pool needs at least one thread');
  }
  const file = options.workerFile ?? WORKER_FILE;
  const threads: Thread[] = [];
  const settled = new Set<Promise<unknown>>();
  let nextId = 0;
  let closing = false;

  const start = (slot: number): Thread => {
    const worker = startModuleWorker(file);
    const pending = new Map<number, Pending>();
    let isReady = false;
    const ready = new Promise<void>((resolve, reject) => {
      const failAll = (err: Error): void => {
        for (const entry of pending.values()) {
          entry.reject(err);
        }
        pending.clear();
        if (!isReady) {
          thread.failure = err;
          reject(err);
        } else if (!closing) {
          options.logger.error({ err, thread: slot }, 'an intake check thread stopped; starting another');
          threads[slot] = start(slot);
        }
      };
      worker.on('message', (reply: CheckReply) => {
        if ('ready' in reply) {
          isReady = true;
          resolve();
          return;
        }
        const entry = pending.get(reply.id);
        pending.delete(reply.id);
        if ('error' in reply) {
          entry?.reject(new Error(reply.error));
        } else {
          entry?.resolve(reply.issues);
        }
      });
      let failed = false;
      const fail = (err: Error): void => {
        if (!failed) {
          failed = true;
          failAll(err);
        }
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        fail(new Error(`the intake check thread exited with code ${String(code)}`));
      });
    });
    // A thread that fails before it is ready fails ready(); nothing else waits on this promise.
    ready.catch(() => undefined);
    // The worker's events, which use `thread`, come only after this returns.
    const thread: Thread = { worker, pending, ready, failure: undefined };
    return thread;
  };

  for (let slot = 0; slot < options.threads; slot += 1) {
    threads.push(start(slot));
  }

  const leastBusy = (): Thread =>
    threads.reduce((best, thread) => (thread.pending.size < best.pending.size ? thread : best));

  return {
    errors(message, now) {
      if (closing) {
        return Promise.reject(new Error('the intake check is closed'));
      }
      const thread = leastBusy();
      if (thread.failure !== undefined) {
        return Promise.reject(thread.failure);
      }
      const id = nextId;
      nextId += 1;
      const answer = new Promise<OperationOutcomeIssue[]>((resolve, reject) => {
        thread.pending.set(id, { resolve, reject });
      });
      const request: CheckRequest = { id, message, now: now.toISOString() };
      thread.worker.postMessage(request);
      const tracked = answer.then(
        () => undefined,
        () => undefined,
      );
      settled.add(tracked);
      void tracked.then(() => settled.delete(tracked));
      return answer;
    },
    async ready() {
      await Promise.all(threads.map((thread) => thread.ready));
    },
    async close() {
      if (closing) {
        return;
      }
      closing = true;
      await Promise.all(settled);
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
    },
  };
}
