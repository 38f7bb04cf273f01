/**
 * Runs AuditEvent forwarding in the worker role: one BullMQ queue and worker per endpoint that sends its
 * AuditEvents somewhere (`audit-<endpointId>`, small concurrency, so forwarding never competes with deliveries for
 * long), and the sweeper that moves deliveries from the hand-off set the store fills atomically onto those queues.
 */
import type { Job } from 'bullmq';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EndpointRegistry } from '../delivery/endpoints';
import type { Logger } from '../observability/logger';
import { RetryLaterError, deliveryBackoff } from './processor';
import { UNBOUNDED_ATTEMPTS } from './producer';
import { queuePrefix } from './names';
import { runPeriodically } from '../lib/periodic';
import type { AuditEventSite } from '../audit/audit-events';
import type { AuditForwardResult, AuditTarget } from '../audit/audit-forward';
import { forwardAuditEvents } from '../audit/audit-forward';
import type { AuditLedger } from '../store/ledger';

/** Job data: ids only, the events are rebuilt from the ledger. */
export interface AuditForwardJobData {
  readonly messageId: string;
  readonly attempt: number;
}

/** Forwarding jobs in flight per target: AuditEvents are small and not urgent. */
export const AUDIT_FORWARD_CONCURRENCY = 2;

export function auditForwardQueueName(endpointId: string): string {
  return `audit-${endpointId}`;
}

/** `<messageId>.<attempt>`: the hand-off member and the job id, so adding the same delivery twice is a no-op. */
export function auditForwardJobId(messageId: string, attempt: number): string {
  return `${messageId}.${String(attempt)}`;
}

function parseMember(member: string): AuditForwardJobData | undefined {
  const dot = member.lastIndexOf('.');
  const attempt = Number(member.slice(dot + 1));
  return dot > 0 && Number.isInteger(attempt) && attempt > 0 ? { messageId: member.slice(0, dot), attempt } : undefined;
}

/** The audit target of each endpoint that sends its AuditEvents to its EHR or to an audit repository. */
export function auditTargets(endpoints: EndpointRegistry): Map<string, AuditTarget> {
  const targets = new Map<string, AuditTarget>();
  for (const endpoint of endpoints.all) {
    const { auditEvents, retry, id } = endpoint.config;
    const repository = endpoint.auditRepository;
    if (auditEvents.send === 'ehr') {
      // The configuration allows "ehr" only on endpoints with route "fhir", which always have a client.
      if (endpoint.baseUrl !== undefined && endpoint.client !== undefined) {
        targets.set(id, { endpointId: id, kind: 'ehr', baseUrl: endpoint.baseUrl, client: endpoint.client, retry });
      }
    } else if (repository !== undefined) {
      // Built with the registry, so its credentials were checked at start-up.
      targets.set(id, {
        endpointId: id,
        kind: 'repository',
        baseUrl: repository.baseUrl,
        client: repository.client,
        retry,
      });
    }
  }
  return targets;
}

export interface AuditForwarding {
  /** Moves due hand-offs onto their queues; returns how many it handled. */
  sweepOnce(): Promise<number>;
  close(): Promise<void>;
}

export interface AuditForwardingOptions {
  /** For queues and the sweeper (fails fast when Redis is down). */
  readonly redis: Redis;
  /** For BullMQ workers (waits and reconnects). */
  readonly workerRedis: Redis;
  readonly redisPrefix: string;
  readonly endpoints: EndpointRegistry;
  readonly ledger: AuditLedger;
  readonly site: AuditEventSite;
  readonly sweepMs: number;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly random?: () => number;
}

export function startAuditForwarding(options: AuditForwardingOptions): AuditForwarding {
  const targets = auditTargets(options.endpoints);
  const log = options.logger.child({ task: 'audit-forward' });
  const prefix = queuePrefix(options.redisPrefix);
  const queues = new Map(
    [...targets.keys()].map((id) => [
      id,
      new Queue<AuditForwardJobData>(auditForwardQueueName(id), {
        connection: options.redis,
        prefix,
        defaultJobOptions: {
          attempts: UNBOUNDED_ATTEMPTS,
          backoff: { type: 'audit-forward-policy' },
          removeOnComplete: { age: 24 * 3600, count: 10_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      }),
    ]),
  );
  const deps = {
    ledger: options.ledger,
    site: options.site,
    target: (id: string) => targets.get(id),
    now: options.now,
    random: options.random ?? Math.random,
  };
  const processJob = async (job: Job<AuditForwardJobData>): Promise<AuditForwardResult> => {
    const result = await forwardAuditEvents(
      { messageId: job.data.messageId, attempt: job.data.attempt, previousTries: job.attemptsMade },
      deps,
    );
    const context = { jobId: job.id, messageId: job.data.messageId, attempt: job.data.attempt };
    switch (result.kind) {
      case 'forwarded':
        log.debug({ ...context, auditEvents: result.ids.length }, 'AuditEvents forwarded');
        return result;
      case 'skipped':
        log.debug({ ...context, reason: result.reason }, 'AuditEvent forward skipped');
        return result;
      case 'retry':
        log.info({ ...context, reason: result.reason, retryInMs: result.delayMs }, 'AuditEvent forward will retry');
        throw new RetryLaterError(result.reason, result.delayMs);
      case 'failed':
        log.warn({ ...context, reason: result.reason }, 'AuditEvent forward failed for good');
        throw new UnrecoverableError(result.reason);
    }
  };
  const workers = [...targets.keys()].map((id) => {
    const worker = new Worker<AuditForwardJobData>(auditForwardQueueName(id), processJob, {
      connection: options.workerRedis,
      prefix,
      concurrency: AUDIT_FORWARD_CONCURRENCY,
      settings: { backoffStrategy: deliveryBackoff },
    });
    worker.on('error', (error) => {
      log.error({ err: error, endpoint: id }, 'AuditEvent forwarding worker error');
    });
    return worker;
  });

  const { forwardOutbox, messages } = options.ledger;
  const sweepOnce = async (): Promise<number> => {
    const due = await forwardOutbox.due(options.now(), 500);
    for (const member of due) {
      const job = parseMember(member);
      const endpointId = job === undefined ? undefined : await messages.endpointOf(job.messageId);
      const queue = endpointId === undefined ? undefined : queues.get(endpointId);
      if (job !== undefined && queue !== undefined) {
        // Idempotent: BullMQ ignores an add whose job id exists, and a rerun finds its work already recorded.
        await queue.add('forward', job, { jobId: auditForwardJobId(job.messageId, job.attempt) });
      } else {
        log.info({ member, endpoint: endpointId }, 'hand-off dropped: its endpoint no longer sends AuditEvents');
      }
      await forwardOutbox.remove(member);
    }
    return due.length;
  };
  const schedule = runPeriodically(sweepOnce, {
    intervalMs: options.sweepMs,
    onError: (error) => {
      log.warn({ err: error }, 'AuditEvent hand-off sweep failed; will try again');
    },
  });
  if (targets.size > 0) {
    log.info({ targets: [...targets.values()].map((t) => `${t.endpointId}→${t.kind}`) }, 'AuditEvent forwarding');
  }
  return {
    sweepOnce,
    async close() {
      schedule.stop();
      await Promise.all(workers.map(async (worker) => worker.close()));
      await Promise.all([...queues.values()].map(async (queue) => queue.close()));
    },
  };
}
