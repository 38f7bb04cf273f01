/**
 * `endpoints list` and `queues`: the state of each configured endpoint and of each of its queues, as a table for
 * people or JSON for scripts (`--json`).
 */
import type { Command } from 'commander';
import type { EndpointRow, QueueRow } from './operator-status';
import { endpointRows, queueRows } from './operator-status';
import type { OpenDeps } from './deps';
import { runCommand } from './deps';

/** Lays rows out in columns, each as wide as its widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

export function renderEndpoints(rows: readonly EndpointRow[]): string {
  return table(
    ['ID', 'ROUTES', 'BASE URL', 'AUTH', 'PRACTICES', 'CONCURRENCY', 'REQ/S', 'QUEUED', 'FAILED', 'LAST DELIVERY'],
    rows.map((row) => [
      row.id,
      row.routes?.join(',') ?? 'fhir',
      row.baseUrl,
      row.auth,
      row.practices.join(','),
      String(row.concurrency),
      String(row.maxRequestsPerSecond),
      String(row.queueDepth),
      String(row.failedMessages),
      row.lastDelivery !== undefined ? `${row.lastDelivery.outcome} ${row.lastDelivery.at}` : '-',
    ]),
  );
}

export function renderQueues(rows: readonly QueueRow[]): string {
  return table(
    ['ENDPOINT', 'QUEUE', 'WAITING', 'PRIORITIZED', 'ACTIVE', 'DELAYED', 'FAILED', 'OLDEST WAITING'],
    rows.map((row) => [
      row.endpoint,
      row.queue,
      String(row.counts.waiting),
      String(row.counts.prioritized),
      String(row.counts.active),
      String(row.counts.delayed),
      String(row.counts.failed),
      row.counts.waiting + row.counts.prioritized > 0 ? `${row.oldestWaitingSeconds.toFixed(0)} s` : '-',
    ]),
  );
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Adds `endpoints list` and `queues`. */
export function registerEndpointCommands(program: Command, open: OpenDeps): void {
  const endpoints = program.command('endpoints').description('the configured EHR endpoints');
  endpoints
    .command('list')
    .description(
      'each endpoint: routes, base URL, auth, practices, limits, queue depth, failed messages, last delivery',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await runCommand(open, async (deps) => {
        const rows = await endpointRows(deps);
        process.stdout.write(options.json === true ? json(rows) : renderEndpoints(rows));
        return 0;
      });
    });
  program
    .command('queues')
    .description(
      'each queue (delivery, send-document, audit-events) per endpoint: jobs waiting, active, delayed and failed, and the age of the oldest waiting job',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await runCommand(open, async (deps) => {
        const rows = await queueRows(deps);
        process.stdout.write(options.json === true ? json(rows) : renderQueues(rows));
        return 0;
      });
    });
}
