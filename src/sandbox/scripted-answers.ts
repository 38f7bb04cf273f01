/**
 * Answers the sandbox EHR can be told to give in place of serving the next requests, so the adapter's handling
 * of what real FHIR servers answer (a 409 write race, a 429 with rate-limit headers, a 503) can be exercised over
 * HTTP. Each answer is given once, in the order queued.
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

export interface ScriptedAnswers {
  /** Queues answers for the next matching requests. */
  answerNext(...answers: readonly ScriptedAnswer[]): void;
  /** Answers queued and not yet given. */
  pending(): number;
  /** Express middleware for the FHIR base path. */
  readonly handler: RequestHandler;
}

export function createScriptedAnswers(): ScriptedAnswers {
  const queue: ScriptedAnswer[] = [];
  const handler: RequestHandler = (req, res, next) => {
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
    handler,
  };
}
