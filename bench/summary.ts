/**
 * The Markdown summary of one benchmark run: each target of issue 12 beside the figure measured and their ratio,
 * all from the same run, with the machine and the load average at the start and end (the machine may be shared).
 */
import { writeFileSync } from 'node:fs';
import type { MachineInfo } from './report';
import type { TargetRow } from './scenario';

export interface RunSummary {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly ehr: string;
  readonly redis: string;
  readonly command: string;
  readonly scenarios: readonly { readonly name: string; readonly describe: string; readonly seconds: number }[];
  readonly targets: readonly TargetRow[];
  readonly jsonFile: string;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const loads = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(' / ');

export function summaryMarkdown(summary: RunSummary): string {
  const { machine } = summary;
  const lines = [
    `# Benchmark summary, ${summary.date}`,
    '',
    `- Command: \`${summary.command}\``,
    `- Machine: ${String(machine.cpus)} × ${machine.cpuModel}, ${String(machine.memoryGiB)} GiB, Node ${machine.node}`,
    `- Load average (1 / 5 / 15 min): ${loads(summary.loadAverage.start)} at the start, ${loads(summary.loadAverage.end)} at the end, on ${String(machine.cpus)} cores`,
    `- EHR: ${summary.ehr}; Redis: ${summary.redis}`,
    `- Figures: [${summary.jsonFile}](${summary.jsonFile})`,
    '',
    '| Target | Goal | Measured | Ratio | Met |',
    '| ------ | ---- | -------- | ----- | --- |',
    ...summary.targets.map(
      (row) =>
        `| ${cell(row.target)} | ${cell(row.goal)} | ${cell(row.measured)} | ${row.ratio === undefined ? '' : String(row.ratio)} | ${row.met === undefined ? '' : row.met ? 'yes' : 'no'} |`,
    ),
    '',
    '| Scenario | What it measures | Seconds |',
    '| -------- | ---------------- | ------- |',
    ...summary.scenarios.map((s) => `| ${s.name} | ${cell(s.describe)} | ${String(s.seconds)} |`),
    '',
  ];
  return lines.join('\n');
}

export function writeSummary(file: string, summary: RunSummary): void {
  writeFileSync(file, summaryMarkdown(summary));
  console.log(`summary written to ${file}`);
}
