/**
 * The retention purge: once a settled message is older than the retention period, its body (the patient data)
 * is replaced by a non-personal envelope (kind, source ids, practice) and the EHR's OperationOutcome is dropped,
 * while the record's state, its indexes and the whole ledger stay. Each purge appends a `purged` ledger entry in
 * the same atomic step (ledger-scripts.ts), so the chain keeps verifying and the timeline shows when and why.
 */
import type { MessageStatus } from '../messages/record';
import type { AuditLedger } from '../store/ledger';
import { PURGE_BODY } from '../store/ledger-scripts';
import { ledgerBlock } from '../store/ledger-block';
import { encodeLedgerEvent } from '../store/ledger-events';

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

export async function purgeExpired(ledger: AuditLedger, options: PurgeOptions): Promise<PurgeReport> {
  const { redis, keys, index } = ledger;
  const cutoff = new Date(options.now.getTime() - options.retentionDays * DAY_MS);
  const allowed = purgeableStatuses(options);
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  const purged: string[] = [];
  const kept: Record<string, number> = {};
  // Purged ids leave the index, kept ones stay: the next batch starts after the ones kept so far.
  let offset = 0;
  for (;;) {
    const ids = await redis.zrangebyscore(
      index.retained,
      '-inf',
      `(${String(cutoff.getTime())}`,
      'LIMIT',
      offset,
      BATCH,
    );
    if (ids.length === 0) {
      break;
    }
    for (const id of ids) {
      if (purged.length >= limit) {
        return { dryRun: options.dryRun === true, cutoff: cutoff.toISOString(), purged, kept };
      }
      const [status, message, practice, endpoint] = await redis.hmget(
        keys.message(id),
        'status',
        'message',
        'practice',
        'endpointId',
      );
      if (status === null || status === undefined || message === null || message === undefined) {
        if (options.dryRun !== true) {
          // The message itself is gone (deleted by hand): nothing left to purge.
          await redis.zrem(index.retained, id);
        } else {
          offset += 1;
        }
        continue;
      }
      const purgeable = allowed.includes(status as MessageStatus);
      if (!purgeable || options.dryRun === true) {
        if (purgeable) {
          purged.push(id);
        } else {
          kept[status] = (kept[status] ?? 0) + 1;
        }
        offset += 1;
        continue;
      }
      const at = options.now.toISOString();
      const block = ledgerBlock(
        keys,
        encodeLedgerEvent({
          type: 'purged',
          at,
          messageId: id,
          practice: practice ?? '',
          endpoint: endpoint ?? '',
          status: status as MessageStatus,
          by: options.by,
          retentionDays: options.retentionDays,
          cutoff: cutoff.toISOString(),
        }),
      );
      const outcome = await PURGE_BODY.run(
        redis,
        [keys.message(id), index.retained, ...block.keys],
        [id, allowed.join(' '), purgedEnvelope(message), at, ...block.args],
      );
      if (outcome === 'purged') {
        purged.push(id);
      } else if (outcome.startsWith('status:')) {
        // It moved on since it was read (a replay); it stays in the index for a later run.
        const current = outcome.slice('status:'.length);
        kept[current] = (kept[current] ?? 0) + 1;
        offset += 1;
      }
      // 'missing' and 'already' left the index, so the offset stays.
    }
  }
  return { dryRun: options.dryRun === true, cutoff: cutoff.toISOString(), purged, kept };
}
