/**
 * `check-connection` output: line by line for people, each failed check followed by its fix, or one JSON
 * document with the same content for monitoring and support tickets.
 */
import type { EndpointReport } from './check-result';

const MARK = { pass: 'ok  ', fail: 'FAIL', skip: '--  ' } as const;

export function renderText(reports: readonly EndpointReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(`${report.ok ? 'OK  ' : 'FAIL'} ${report.endpoint} ${report.baseUrl}`);
    const width = Math.max(...report.checks.map((result) => result.check.length));
    for (const result of report.checks) {
      lines.push(`  ${MARK[result.status]} ${result.check.padEnd(width)}  ${result.detail}`);
      if (result.fix !== undefined) {
        lines.push(`       ${' '.repeat(width)}  fix: ${result.fix}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderJson(reports: readonly EndpointReport[]): string {
  return `${JSON.stringify({ ok: reports.every((report) => report.ok), endpoints: reports }, null, 2)}\n`;
}
