/**
 * The retention purge: once a settled message is older than the retention period, its body (the patient data)
 * is replaced by a non-personal envelope (kind, source ids, practice) and the EHR's OperationOutcome is dropped,
 * while the record's state, its indexes and the whole ledger stay. Each purge appends a `purged` ledger entry in
 * the same atomic step (store/retention-store.ts), so the chain keeps verifying and the timeline shows when and why.
 */
import type { MessageStatus } from '../messages/record';
import type { AuditLedger } from '../store/ledger';

export interface RetentionPolicy {
  readonly retentionDays: number;
  /** Also purge messages that failed for good (they can then never be replayed). */
  readonly purgeFailed: boolean;
}

export interface PurgeOptions extends RetentionPolicy {
  readonly now: Date;
  /** Who asked: `retention` for the scheduled run, or the operator's name from the CLI. */
  readonly by: string;
  /** Report what would be purged without changing anything. */
  readonly dryRun?: boolean;
  /** Most messages to purge in this run (the next run carries on). */
  readonly limit?: number;
}

export interface PurgeReport {
  readonly dryRun: boolean;
  /** Messages received before this instant are past the retention period. */
  readonly cutoff: string;
  /** Ids purged (or, on a dry run, that would be). */
  readonly purged: readonly string[];
  /** Past the period but kept, by status: still in flight, or failed without `purgeFailed`. */
  readonly kept: Readonly<Record<string, number>>;
}

const DAY_MS = 86_400_000;
const BATCH = 200;

/** Statuses whose bodies may go: the message will never be sent again. */
export function purgeableStatuses(policy: RetentionPolicy): MessageStatus[] {
  return policy.purgeFailed ? ['delivered', 'superseded', 'failed'] : ['delivered', 'superseded'];
}

/** The body's non-personal part: enough for the status API and the audit views, nothing about the patient. */
export function purgedEnvelope(messageJson: string): string {
  const message = JSON.parse(messageJson) as {
    kind?: unknown;
    body?: { source?: Record<string, unknown>; gpPractice?: { odsCode?: unknown } };
  };
  const source = message.body?.source ?? {};
  return JSON.stringify({
    kind: message.kind,
    purged: true,
    body: {
      source: {
        system: source.system,
        recordId: source.recordId,
        recordVersion: source.recordVersion,
        sentAt: source.sentAt,
      },
      gpPractice: { odsCode: message.body?.gpPractice?.odsCode },
    },
  });
}

/** The status, if the policy lets a message in it lose its body. */
function purgeableStatus(status: string, allowed: readonly MessageStatus[]): MessageStatus | undefined {
  return allowed.find((candidate) => candidate === status);
}

export async function purgeExpired(ledger: AuditLedger, options: PurgeOptions): Promise<PurgeReport> {
  const { retention } = ledger;
  const cutoff = new Date(options.now.getTime() - options.retentionDays * DAY_MS);
  const allowed = purgeableStatuses(options);
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  const purged: string[] = [];
  const kept: Record<string, number> = {};
  // Purged ids leave the index, kept ones stay: the next batch starts after the ones kept so far.
  let offset = 0;
  for (;;) {
    const ids = await retention.receivedBefore(cutoff, offset, BATCH);
    if (ids.length === 0) {
      break;
    }
    for (const id of ids) {
      if (purged.length >= limit) {
        return { dryRun: options.dryRun === true, cutoff: cutoff.toISOString(), purged, kept };
      }
      const message = await retention.read(id);
      if (message === undefined) {
        if (options.dryRun !== true) {
          // The message itself is gone (deleted by hand): nothing left to purge.
          await retention.forget(id);
        } else {
          offset += 1;
        }
        continue;
      }
      const status = purgeableStatus(message.status, allowed);
      if (status === undefined || options.dryRun === true) {
        if (status !== undefined) {
          purged.push(id);
        } else {
          kept[message.status] = (kept[message.status] ?? 0) + 1;
        }
        offset += 1;
        continue;
      }
      const outcome = await retention.purge(
        {
          type: 'purged',
          at: options.now.toISOString(),
          messageId: id,
          practice: message.practice,
          endpoint: message.endpoint,
          status,
          by: options.by,
          retentionDays: options.retentionDays,
          cutoff: cutoff.toISOString(),
        },
        allowed,
        purgedEnvelope(message.messageJson),
      );
      if (outcome.kind === 'purged') {
        purged.push(id);
      } else if (outcome.kind === 'kept') {
        // It moved on since it was read (a replay); it stays in the index for a later run.
        kept[outcome.status] = (kept[outcome.status] ?? 0) + 1;
        offset += 1;
      }
      // 'missing' and 'already' left the index, so the offset stays.
    }
  }
  return { dryRun: options.dryRun === true, cutoff: cutoff.toISOString(), purged, kept };
}
