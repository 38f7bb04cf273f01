/**
 * `audit verify | purge | export`: the auditor's and operator's command-line access to the ledger, for scripts,
 * cron jobs and machines without a browser. Each command is a function taking its dependencies (so tests run it
 * against real Redis) and returning the process exit code; every use is itself recorded as `audit-access`.
 */
import { once } from 'node:events';
import { userInfo } from 'node:os';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { AuditAction } from '../audit/access';
import { recordAccess } from '../audit/access';
import { ledgerCsv, ledgerNdjson } from '../audit/exports';
import type { LedgerEntry } from '../store/ledger';
import type { AuditLedger } from '../store/ledger';
import type { PatientKeyer } from '../store/patient-key';
import type { RetentionPolicy } from '../audit/retention';
import { purgeExpired } from '../audit/retention';
import { auditEventExport, isDeliveryEntry } from '../audit/audit-event-export';
import type { AuditEventSite } from '../audit/audit-events';
import type { CheckpointOptions } from '../audit/checkpoint';
import { verifyFromCheckpoint } from '../audit/checkpoint';
import type { CommandDeps, OpenDeps } from './deps';
import { runCommand } from './deps';

export interface AuditCliContext {
  readonly ledger: AuditLedger;
  readonly patientKey: PatientKeyer;
  readonly out: Writable;
  readonly now: () => Date;
  /** Who runs the command, for the audit-access entry. */
  readonly who: string;
}

export type ExportFormat = 'csv' | 'ndjson' | 'fhir';

export interface ExportOptions {
  readonly format: ExportFormat;
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
  readonly practice?: string;
}

/** Turns ledger entries into a FHIR document; supplied by the AuditEvent module for `--format fhir`. */
export type FhirExporter = (
  ledger: AuditLedger,
  entries: readonly LedgerEntry[],
  options: ExportOptions,
) => Promise<unknown>;

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) {
    await once(out, 'drain');
  }
}

async function audited(ctx: AuditCliContext, action: AuditAction, target: Record<string, string>): Promise<void> {
  await recordAccess(ctx.ledger, ctx.patientKey, { who: ctx.who, action, target, channel: 'cli', at: ctx.now() });
}

/**
 * Exit 0 when the chain verifies, 1 (and the first broken link) when it does not. From the last checkpoint unless
 * `checkpoint.full`; a successful run moves the checkpoint to the head.
 */
export async function verifyCommand(
  ctx: AuditCliContext,
  json = false,
  checkpoint: CheckpointOptions = {},
): Promise<number> {
  const report = await verifyFromCheckpoint(ctx.ledger, ctx.now(), checkpoint);
  // Recorded after the check, so the entry verifying does not change what was verified.
  await audited(ctx, 'verify', {});
  if (json) {
    await write(ctx.out, `${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  if (report.ok) {
    await write(
      ctx.out,
      `OK: ${String(report.entries)} entries verified${report.fromSeq !== undefined ? ` after checkpoint seq ${String(report.fromSeq)}` : ' from the first entry'}; head seq ${String(report.headSeq)} hash ${report.headHash ?? '(empty ledger)'}\n`,
    );
    return 0;
  }
  const broken = report.firstBroken;
  await write(
    ctx.out,
    [
      `BROKEN: the ledger does not verify after entry ${String(report.lastGoodSeq)}`,
      `  reason: ${broken?.reason ?? 'unknown'}`,
      ...(broken?.id !== undefined
        ? [`  entry: ${broken.id}${broken.seq !== undefined ? ` (seq ${String(broken.seq)})` : ''}`]
        : []),
      `  detail: ${broken?.detail ?? ''}`,
      '',
    ].join('\n'),
  );
  return 1;
}

export async function purgeCommand(ctx: AuditCliContext, policy: RetentionPolicy, dryRun: boolean): Promise<number> {
  const report = await purgeExpired(ctx.ledger, { ...policy, now: ctx.now(), by: ctx.who, dryRun });
  const verb = dryRun ? 'would purge' : 'purged';
  const kept = Object.entries(report.kept)
    .map(([status, count]) => `${String(count)} ${status}`)
    .join(', ');
  await write(
    ctx.out,
    `${verb} ${String(report.purged.length)} message bodies received before ${report.cutoff}${kept === '' ? '' : `; kept ${kept}`}\n`,
  );
  for (const id of report.purged) {
    await write(ctx.out, `  ${id}\n`);
  }
  return 0;
}

/** Any entry naming the practice, as stored (the CSV and NDJSON exports carry every entry as it is). */
function inPractice(entry: LedgerEntry, practice: string | undefined): boolean {
  return practice === undefined || entry.fields.practice === practice;
}

/** Ledger entries in [from, to) (optionally one practice's) to `out` as CSV, NDJSON or a FHIR Bundle. */
export async function exportCommand(
  ctx: AuditCliContext,
  options: ExportOptions,
  fhir?: FhirExporter,
): Promise<number> {
  await audited(ctx, 'export', {
    format: options.format,
    ...(options.from !== undefined ? { from: options.from.toISOString() } : {}),
    ...(options.to !== undefined ? { to: options.to.toISOString() } : {}),
    ...(options.practice !== undefined ? { practice: options.practice } : {}),
  });
  const start = options.from === undefined ? '-' : String(options.from.getTime());
  const end = options.to === undefined ? '+' : String(options.to.getTime() - 1);
  if (options.format === 'fhir') {
    // Only deliveries become AuditEvents.
    if (fhir === undefined) {
      throw new Error('FHIR export is not available');
    }
    const entries: LedgerEntry[] = [];
    for await (const entry of ctx.ledger.scan(start, end)) {
      if (isDeliveryEntry(entry, options.practice)) {
        entries.push(entry);
      }
    }
    await write(ctx.out, `${JSON.stringify(await fhir(ctx.ledger, entries, options), null, 2)}\n`);
    return 0;
  }
  // Written a batch at a time, so a year's ledger does not have to fit in memory.
  let batch: LedgerEntry[] = [];
  const written = { batches: 0 };
  const flush = async (): Promise<void> => {
    if (options.format === 'csv') {
      await write(ctx.out, ledgerCsv(batch, written.batches === 0));
    } else {
      await write(ctx.out, ledgerNdjson(batch));
    }
    written.batches += 1;
    batch = [];
  };
  for await (const entry of ctx.ledger.scan(start, end)) {
    if (inPractice(entry, options.practice)) batch.push(entry);
    if (batch.length >= 1000) await flush();
  }
  if (batch.length > 0 || (written.batches === 0 && options.format === 'csv')) await flush();
  return 0;
}

function parseInstant(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) {
    return undefined;
  }
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) {
    throw new Error(`--${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time`);
  }
  return date;
}

function contextOf(deps: CommandDeps, who: string): AuditCliContext {
  const { ledger, patientKey } = deps.store();
  return { ledger, patientKey, out: process.stdout, now: deps.now, who };
}

/** Builds AuditEvents with this deployment's endpoints as the server agents. */
export function fhirExporter(site: AuditEventSite): FhirExporter {
  return async (ledger, entries) => auditEventExport(ledger, entries, site, new Date());
}

/** Adds `audit verify | purge | export` to the program. */
export function registerAuditCommands(program: Command, open: OpenDeps): void {
  const audit = program
    .command('audit')
    .description('verify, purge and export the audit ledger')
    .option('--as <name>', 'who is running the command (recorded in the ledger)', userInfo().username);
  const who = (): string => audit.opts<{ as: string }>().as;

  audit
    .command('verify')
    .description(
      'recompute the hash chain from the last checkpoint; exit 1 and print the first broken link if the ledger was altered',
    )
    .option('--json', 'print the full verification report as JSON')
    .option('--full', 're-read every entry from the first, not only those after the checkpoint')
    .action(async (options: { json?: boolean; full?: boolean }) => {
      await runCommand(open, async (deps) => {
        const secret = deps.config.audit.checkpointSecret;
        return verifyCommand(contextOf(deps, who()), options.json === true, {
          full: options.full === true,
          ...(secret !== undefined ? { secret } : {}),
        });
      });
    });

  audit
    .command('purge')
    .description('remove message bodies older than audit.retentionDays (ledger metadata stays)')
    .option('--dry-run', 'list what would be purged without changing anything')
    .action(async (options: { dryRun?: boolean }) => {
      await runCommand(open, async (deps) => {
        const { retentionDays, purgeFailed } = deps.config.audit;
        if (retentionDays === undefined) {
          process.stderr.write('audit.retentionDays (AUDIT_RETENTION_DAYS) is not set: nothing is ever purged\n');
          return 2;
        }
        return purgeCommand(contextOf(deps, who()), { retentionDays, purgeFailed }, options.dryRun === true);
      });
    });

  audit
    .command('export')
    .description('ledger entries to stdout as CSV, NDJSON or a FHIR Bundle of IHE BALP AuditEvents')
    .option('--format <format>', 'csv | ndjson | fhir', 'ndjson')
    .option('--from <date>', 'from this date or date-time (inclusive)')
    .option('--to <date>', 'to this date or date-time (exclusive)')
    .option('--practice <ods>', "only this GP practice's entries")
    .action(async (options: { format: string; from?: string; to?: string; practice?: string }) => {
      if (!['csv', 'ndjson', 'fhir'].includes(options.format)) {
        throw new Error('--format must be csv, ndjson or fhir');
      }
      const from = parseInstant(options.from, 'from');
      const to = parseInstant(options.to, 'to');
      const exportOptions: ExportOptions = {
        format: options.format as ExportFormat,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(options.practice !== undefined ? { practice: options.practice } : {}),
      };
      await runCommand(open, async (deps) =>
        exportCommand(contextOf(deps, who()), exportOptions, fhirExporter(deps.auditSite())),
      );
    });
}
