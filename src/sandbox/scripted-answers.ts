/**
 * Answers the sandbox EHR can be told to give in place of serving the next requests, so the adapter's handling
 * of what real FHIR servers answer (a 409 write race, a 429 with rate-limit headers, a 503) can be exercised over
 * HTTP. Each answer is given once, in the order queued. It also notes when each FHIR request arrived, so a test
 * can count, on the server's side, how many requests the adapter sent in any span of time.
 */
import type { RequestHandler } from 'express';

export interface ScriptedAnswer {
  readonly status: number;
  /** Sent as FHIR JSON when an object, as plain text when a string. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Which request takes the answer: the next transaction (the default) or the next request of any kind. */
  readonly to?: 'transaction' | 'any';
}

/** One FHIR request as the sandbox received it: method, path under the FHIR base, and arrival time (epoch ms). */
export interface Arrival {
  readonly method: string;
  readonly path: string;
  readonly at: number;
}

/** Arrivals kept (the oldest dropped first): enough for any test, bounded for a sandbox that runs for days. */
const ARRIVALS_KEPT = 10_000;

export interface ScriptedAnswers {
  /** Queues answers for the next matching requests. */
  answerNext(...answers: readonly ScriptedAnswer[]): void;
  /** Answers queued and not yet given. */
  pending(): number;
  /** The most recent FHIR requests received (answered by script or not), oldest first. */
  arrivals(): readonly Arrival[];
  /** Express middleware for the FHIR base path. */
  readonly handler: RequestHandler;
}

export function createScriptedAnswers(): ScriptedAnswers {
  const queue: ScriptedAnswer[] = [];
  const arrived: Arrival[] = [];
  const handler: RequestHandler = (req, res, next) => {
    arrived.push({ method: req.method, path: req.path, at: Date.now() });
    if (arrived.length > ARRIVALS_KEPT) {
      arrived.splice(0, arrived.length - ARRIVALS_KEPT);
    }
    // Mounted at the FHIR base: a transaction is a POST to the base itself.
    const isTransaction = req.method === 'POST' && req.path === '/';
    const index = queue.findIndex((answer) => (answer.to ?? 'transaction') === 'any' || isTransaction);
    const [answer] = index < 0 ? [] : queue.splice(index, 1);
    if (answer === undefined) {
      next();
      return;
    }
    res.status(answer.status).set(answer.headers ?? {});
    if (typeof answer.body === 'string') {
      res.type('text/plain').send(answer.body);
    } else if (answer.body !== undefined) {
      res.type('application/fhir+json').send(JSON.stringify(answer.body));
    } else {
      res.end();
    }
  };
  return {
    answerNext: (...answers) => {
      queue.push(...answers);
    },
    pending: () => queue.length,
    arrivals: () => [...arrived],
    handler,
  };
}
