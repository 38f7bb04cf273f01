/**
 * `import FILE`: bulk-loads an NDJSON or CSV file through the API's own intake (app/import.ts), showing progress
 * (a bar with count, rate and ETA on a terminal, a plain line every few seconds otherwise), writing refused rows to
 * a report file and ending with a summary. Ctrl-C stops reading, lets the rows in flight finish and prints what
 * was done; running the same command again resumes, since rows accepted before count as already accepted.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { ImportCounts, ImportDeps, ImportFormat, ImportOptions, ImportSummary, RejectedRow } from '../app/import';
import { principalOf } from '../config/client-scope';
import { importFormatOf, importRows, runImport } from '../app/import';
import type { LoadedConfig } from '../config/load';
import type { Logger } from '../observability/logger';
import { createLogger } from '../observability/logger';
import type { RedisConnection } from '../store/connection';
import { waitForRedis } from '../store/connection';

/** What the import needs from the composition root: the intake's dependencies and a way to close them. */
export interface ImportServices extends ImportDeps {
  /** The store's connection, which queues no commands while down: the import waits until it is ready. */
  readonly redis: RedisConnection;
  close(): Promise<void>;
}

export type ImportServicesFactory = (config: LoadedConfig, logger: Logger) => ImportServices;

export interface ImportCommandOptions {
  readonly file: string;
  readonly format: ImportFormat;
  readonly clientId: string;
  /** The client's scope when it is a configured client (see ImportOptions.scope). */
  readonly scope?: ImportOptions['scope'];
  readonly concurrency: number;
  readonly reportPath: string;
  /** Where progress and the summary go; a bar is drawn only when it is a terminal. */
  readonly out: Writable & { readonly isTTY?: boolean };
  readonly signal?: AbortSignal;
  /** How often a plain progress line is written when `out` is not a terminal. */
  readonly progressEveryMs?: number;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) {
    await once(out, 'drain');
  }
}

/** Lines in the file, counted as a stream so the bar has a total (and an ETA) without holding the file. */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) {
      if (byte === 10) {
        lines += 1;
      }
    }
    last = chunk.at(-1) ?? last;
  }
  return last === 10 ? lines : lines + 1;
}

function countsText(counts: ImportCounts): string {
  return `accepted ${String(counts.accepted)}, already accepted ${String(counts.alreadyAccepted)}, rejected ${String(counts.rejected)}`;
}

export function summaryText(summary: ImportSummary, reportPath: string): string {
  const lines = [
    `${summary.interrupted ? 'Interrupted' : 'Done'}: ${String(summary.rows)} rows in ${(summary.elapsedMs / 1000).toFixed(1)} s (${String(summary.rowsPerSecond)} rows/s)`,
    `  ${countsText(summary)}`,
  ];
  if (summary.rejected > 0) {
    lines.push(`  rejected rows: ${reportPath}`);
  }
  if (summary.interrupted) {
    lines.push('  run the same command again to resume: rows already accepted are counted, not sent twice');
  }
  return `${lines.join('\n')}\n`;
}

interface Progress {
  update(counts: ImportCounts): void;
  stop(): void;
}

function progressDisplay(options: ImportCommandOptions, total: number, started: number): Progress {
  if (options.out.isTTY === true) {
    const bar = new SingleBar(
      {
        format: '{bar} {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | {counts}',
        stream: options.out,
        etaBuffer: 200,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0, counts: '' });
    return {
      update(counts) {
        const seconds = (performance.now() - started) / 1000;
        bar.update(counts.rows, {
          rate: seconds > 0 ? Math.round(counts.rows / seconds) : 0,
          counts: countsText(counts),
        });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const every = options.progressEveryMs ?? 5000;
  let lastWritten = started;
  return {
    update(counts) {
      const now = performance.now();
      if (now - lastWritten < every) {
        return;
      }
      lastWritten = now;
      const rate = counts.rows / ((now - started) / 1000);
      const eta = rate > 0 ? Math.max(0, Math.round((total - counts.rows) / rate)) : 0;
      options.out.write(
        `${String(counts.rows)}/${String(total)} rows, ${String(Math.round(rate))} rows/s, ETA ${String(eta)} s: ${countsText(counts)}\n`,
      );
    },
    stop() {
      // Plain lines need no clearing.
    },
  };
}

/** Runs one import and writes its summary; returns it with the exit code (0 all in, 1 some rejected, 130 stopped). */
export async function importCommand(
  deps: ImportDeps,
  options: ImportCommandOptions,
): Promise<{ readonly summary: ImportSummary; readonly exitCode: number }> {
  const lines = await countLines(options.file);
  const total = options.format === 'csv' ? Math.max(0, lines - 1) : lines;
  const report = createWriteStream(options.reportPath);
  const started = performance.now();
  const progress = progressDisplay(options, total, started);
  let summary: ImportSummary;
  try {
    summary = await runImport(importRows(options.file, options.format), deps, {
      clientId: options.clientId,
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      concurrency: options.concurrency,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      onRejected: async (row: RejectedRow) => write(report, `${JSON.stringify(row)}\n`),
      onProgress: (counts) => {
        progress.update(counts);
      },
    });
  } finally {
    progress.stop();
    report.end();
    await once(report, 'close');
  }
  await write(options.out, summaryText(summary, options.reportPath));
  return { summary, exitCode: summary.interrupted ? 130 : summary.rejected > 0 ? 1 : 0 };
}

/** A configured client imports within its own scope; any other name is the operator's own import. */
function scopeOf(config: LoadedConfig, clientId: string): { readonly scope?: ImportOptions['scope'] } {
  const client = config.clients.find((candidate) => candidate.id === clientId);
  return client === undefined ? {} : { scope: principalOf(client, client.roles) };
}

export function registerImportCommand(
  program: Command,
  loadConfig: () => LoadedConfig,
  createServices: ImportServicesFactory,
): void {
  program
    .command('import')
    .description('bulk-load an NDJSON or CSV file of messages through the intake (see docs/import.md)')
    .argument('<file>', '.ndjson (or .jsonl) with one {"kind","body"} per line, or .csv with the documented columns')
    .option('--client <id>', 'client the messages are recorded as accepted for', 'import')
    .option('--concurrency <n>', 'rows in the intake at once', '32')
    .option('--report <file>', 'where refused rows are written (NDJSON)', '<file>.rejected.ndjson')
    .option('--format <format>', 'ndjson or csv (default: from the file name)')
    .action(async (file: string, flags: { client: string; concurrency: string; report: string; format?: string }) => {
      const format = flags.format ?? importFormatOf(file);
      if (format !== 'ndjson' && format !== 'csv') {
        process.stderr.write(`cannot tell the format of ${file}: name it .ndjson or .csv, or pass --format\n`);
        process.exit(2);
      }
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        process.stderr.write('--concurrency must be a whole number of at least 1\n');
        process.exit(2);
      }
      const config = loadConfig();
      // Logs go to stderr so they never break the progress bar or the summary on stdout.
      const services = createServices(config, createLogger({ level: config.log.level, destination: process.stderr }));
      const stop = new AbortController();
      process.once('SIGINT', () => {
        stop.abort();
      });
      let exitCode = 1;
      try {
        await waitForRedis(services.redis, 10_000);
        ({ exitCode } = await importCommand(services, {
          file,
          format,
          clientId: flags.client,
          ...scopeOf(config, flags.client),
          concurrency,
          reportPath: flags.report === '<file>.rejected.ndjson' ? `${file}.rejected.ndjson` : flags.report,
          out: process.stdout,
          signal: stop.signal,
        }));
      } finally {
        await services.close();
      }
      process.exit(exitCode);
    });
}
