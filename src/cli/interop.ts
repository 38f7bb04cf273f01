/**
 * `interop --base-url URL [auth options] [--journeys DIR] [--cleanup] [--json]`: runs the journeys against any
 * FHIR R4 server and reports each step; exit 0 when every step passed, 1 otherwise.
 */
import type { Command } from 'commander';
import type { OpenDeps } from './deps';
import { runCommand } from './deps';
import { loadJourneys, shippedJourneysDir } from './interop/journeys';
import { reportLines, runInterop } from './interop/run';
import type { ServerOptions } from './server-options';
import { serverConnection, withServerOptions } from './server-options';

interface InteropCommandOptions extends ServerOptions {
  readonly journeys?: string;
  readonly cleanup?: boolean;
  readonly json?: boolean;
}

/** Adds `interop` with the server options. */
export function registerInterop(program: Command, open: OpenDeps): void {
  withServerOptions(
    program
      .command('interop')
      .description('send the example journeys to a FHIR R4 server as the worker would, and check what it stored')
      .option('--journeys <dir>', 'folder of journey folders (NN-<kind>.json documents); the shipped ones by default')
      .option('--cleanup', 'delete what the check wrote, where the server allows')
      .option('--json', 'print the report as JSON'),
  ).action(async (options: InteropCommandOptions) => {
    const { client } = serverConnection(options);
    const journeys = loadJourneys(options.journeys ?? shippedJourneysDir(), new Date());
    await runCommand(open, async (deps) => {
      const report = await runInterop(
        { journeys, cleanup: options.cleanup === true },
        { client, conformance: deps.conformance(), now: deps.now },
      );
      process.stdout.write(
        options.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${reportLines(report).join('\n')}\n`,
      );
      return report.ok ? 0 : 1;
    });
  });
}
