/**
 * Runs the retention purge every `intervalMs` in the worker role, one run at a time per process. Several worker
 * processes may run it at once safely: each message's purge is an atomic script that does nothing the second time.
 */
import type { Logger } from '../observability/logger';
import { runPeriodically } from '../lib/periodic';
import type { AuditLedger } from '../store/ledger';
import type { PurgeReport, RetentionPolicy } from './retention';
import { purgeExpired } from './retention';

export interface RetentionSchedule {
  runOnce(): Promise<PurgeReport>;
  stop(): void;
}

export function startRetentionPurge(options: {
  readonly ledger: AuditLedger;
  readonly policy: RetentionPolicy;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly now: () => Date;
}): RetentionSchedule {
  const runOnce = async (): Promise<PurgeReport> => {
    const report = await purgeExpired(options.ledger, { ...options.policy, now: options.now(), by: 'retention' });
    if (report.purged.length > 0) {
      options.logger.info(
        { purged: report.purged.length, cutoff: report.cutoff, kept: report.kept },
        'retention purge removed message bodies past the retention period',
      );
    }
    return report;
  };
  const schedule = runPeriodically(runOnce, {
    intervalMs: options.intervalMs,
    // A first run soon after start, so a restart does not delay the purge by a whole interval.
    firstRunMs: Math.min(options.intervalMs, 5000),
    onError: (error) => {
      options.logger.warn({ err: error }, 'retention purge failed; will try again');
    },
  });
  return {
    runOnce,
    stop: () => {
      schedule.stop();
    },
  };
}
