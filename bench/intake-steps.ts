/**
 * The intake-steps phase of the benchmark: what each step of accepting one message costs, timed per message with
 * nothing else running, step by step over the whole batch (so each step's Redis CPU, read from INFO before and
 * after, is its own): schema validation and domain rules, the intake conformance check (preflightErrors), the
 * identity hashes, the latest-version read, the create script (record, idempotency key, outbox and ledger entry),
 * the enqueue, and the 202's JSON. The rest of a request's time (Express, the body parser, auth, sockets) is what a
 * sequential HTTP POST takes beyond the sum of the steps.
 */
import type { Redis } from 'ioredis';
import { preflightErrors } from '../src/delivery/preflight';
import { contentHash, identityKeys } from '../src/messages/identity';
import type { InboundMessage, MessageKind } from '../src/messages/schemas';
import { validateInbound } from '../src/messages/validate';
import type { Services } from '../src/runtime/services';
import type { Latencies } from './stats';
import { mean, percentiles } from './stats';

export interface StepFigures {
  readonly ms: Latencies;
  readonly meanMs: number;
  /** Redis CPU (user + system) per message during the step; only exact on a Redis nothing else uses. */
  readonly redisCpuMs: number;
  /** Time Redis spent executing the step's commands (INFO commandstats) per message: scripts included, the AOF not. */
  readonly redisCommandMs: number;
}

export interface IntakeStepsResults {
  readonly messages: number;
  readonly steps: Readonly<Record<string, StepFigures>>;
  /** Sequential HTTP POSTs of further messages: the whole request as a client sees it. */
  readonly httpRequestMs: Latencies;
  /** The HTTP p50 minus the sum of the steps' p50s: Express, parsing, auth, metrics, the socket. */
  readonly httpOverheadP50Ms: number;
  /** Every message the phase accepted, for the delivery phase to drain. */
  readonly acceptedIds: readonly string[];
}

export interface BenchDocument {
  readonly kind: MessageKind;
  readonly path: string;
  readonly body: InboundMessage['body'];
}

/** Redis's own CPU seconds so far (INFO cpu), as milliseconds. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}

/** Microseconds Redis has spent executing commands so far, summed over every command (INFO commandstats). */
export async function redisCommandUs(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/,usec=(\d+),/g)) {
    total += Number(match[1]);
  }
  return total;
}

/** Runs one step over every item, one at a time, timing each call and the Redis CPU of the whole batch. */
async function timeStep<T, R>(
  redis: Redis,
  items: readonly T[],
  step: (item: T, index: number) => R | Promise<R>,
): Promise<{ figures: StepFigures; results: R[] }> {
  const times: number[] = [];
  const results: R[] = [];
  const cpuBefore = await redisCpuMs(redis);
  const commandsBefore = await redisCommandUs(redis);
  for (const [index, item] of items.entries()) {
    const started = performance.now();
    results.push(await step(item, index));
    times.push(performance.now() - started);
  }
  const commands = (await redisCommandUs(redis)) - commandsBefore;
  const cpu = (await redisCpuMs(redis)) - cpuBefore;
  const perMessage = (ms: number): number => Math.round((ms / items.length) * 1000) / 1000;
  return {
    figures: {
      ms: percentiles(times),
      meanMs: mean(times),
      redisCpuMs: perMessage(cpu),
      redisCommandMs: perMessage(commands / 1000),
    },
    results,
  };
}

export async function measureIntakeSteps(
  services: Services,
  apiUrl: string,
  docs: readonly BenchDocument[],
  httpDocs: readonly BenchDocument[],
): Promise<IntakeStepsResults> {
  const redis = services.redis;
  const client = 'bench';
  const now = services.now();
  // Built on first use: take it before the timing starts, so no step's figures include building it.
  const conformance = services.conformance;

  const validate = await timeStep(redis, docs, (doc) => {
    const validation = validateInbound(doc.kind, doc.body, now);
    if (!validation.ok) {
      throw new Error(`benchmark document ${doc.body.source.recordId} is invalid`);
    }
    return validation.message;
  });
  const messages = validate.results;
  const preflight = await timeStep(redis, messages, (message) => {
    if (preflightErrors(message, conformance, now).length > 0) {
      throw new Error(`benchmark document ${message.body.source.recordId} would not conform`);
    }
  });
  const identity = await timeStep(redis, messages, (message) => ({
    contentHash: contentHash(message.body),
    idempotencyKey: identityKeys(message.kind, message.body.source, client).source,
  }));
  const latest = await timeStep(redis, messages, async (message) =>
    services.store.latestOfRecord(message.kind, message.body.source),
  );
  const ids = messages.map(() => services.newId());
  const endpoint = services.endpoints.forPractice(messages[0]?.body.gpPractice.odsCode ?? '');
  if (endpoint === undefined) {
    throw new Error('the benchmark practice has no endpoint');
  }
  const create = await timeStep(redis, messages, async (message, i) => {
    const keys = identity.results[i];
    const id = ids[i];
    if (keys === undefined || id === undefined) {
      throw new Error('identity step missed a message');
    }
    const created = await services.store.create({
      id,
      message,
      ...keys,
      clientId: client,
      endpointId: endpoint.config.id,
      now,
    });
    if (!created.created) {
      throw new Error(`benchmark message ${id} was not created`);
    }
  });
  const enqueue = await timeStep(redis, ids, async (id) => {
    await services.queues.enqueue(endpoint.config.id, id);
    await services.store.markEnqueued(id);
  });
  const response = await timeStep(redis, ids, (id) =>
    JSON.stringify({ messageId: id, status: 'queued', statusUrl: `${apiUrl}/v1/messages/${id}` }),
  );

  const http: number[] = [];
  const accepted = [...ids];
  for (const doc of httpDocs) {
    const started = performance.now();
    const answer = await fetch(`${apiUrl}${doc.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(doc.body),
    });
    const reply = (await answer.json()) as { messageId?: string };
    http.push(performance.now() - started);
    if (answer.status !== 202 || reply.messageId === undefined) {
      throw new Error(`intake answered ${String(answer.status)}`);
    }
    accepted.push(reply.messageId);
  }
  const steps = {
    validate: validate.figures,
    preflight: preflight.figures,
    identity: identity.figures,
    latestVersionRead: latest.figures,
    createScript: create.figures,
    enqueue: enqueue.figures,
    responseJson: response.figures,
  };
  const httpRequestMs = percentiles(http);
  const sumOfSteps = Object.values(steps).reduce((sum, step) => sum + step.ms.p50, 0);
  return {
    messages: docs.length,
    steps,
    httpRequestMs,
    httpOverheadP50Ms: Math.round((httpRequestMs.p50 - sumOfSteps) * 100) / 100,
    acceptedIds: accepted,
  };
}
