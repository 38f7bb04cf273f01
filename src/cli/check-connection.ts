/**
 * `check-connection`: for each configured EHR endpoint (or the one `--endpoint` names), checks line by line
 * everything a delivery depends on, from DNS to a dry-run transaction the EHR validates without keeping, and for
 * an endpoint with route mesh-send-document its MESH mailbox (authentication, the inbox, a test message), and says for each
 * failure how to fix it. The exit status is 0 only when no check failed. The checks live in `connection-checks/`.
 */
import type { Command } from 'commander';
import type { EndpointReport } from './connection-checks/check-result';
import type { CheckOptions } from './connection-checks/run-checks';
import { checkEndpoint } from './connection-checks/run-checks';
import { renderJson, renderText } from './connection-checks/render';
import type { OpenDeps } from './deps';
import { runCommand } from './deps';

export { checkEndpoint } from './connection-checks/run-checks';
export type { CheckResult, EndpointReport } from './connection-checks/check-result';

interface CheckConnectionFlags {
  readonly endpoint?: string;
  readonly testPatient?: string;
  readonly dryRun: boolean;
  readonly json?: boolean;
  readonly timeoutMs?: string;
  readonly meshTestMessage?: boolean;
  readonly meshTestTo?: string;
  readonly meshTestWorkflow?: string;
}

/** Adds `check-connection`. */
export function registerCheckConnection(program: Command, open: OpenDeps): void {
  program
    .command('check-connection')
    .description('check each configured EHR endpoint, step by step, and say how to fix what is wrong')
    .option('--endpoint <id>', 'check only this endpoint')
    .option('--test-patient <nhsNumber>', 'NHS number of a test patient the EHR holds')
    .option('--no-dry-run', 'skip the dry run ($validate of the transaction for a synthetic referral)')
    .option('--timeout-ms <ms>', 'timeout of each network step (default: the endpoint request timeout)')
    .option('--mesh-test-message', 'send a MESH test message even from a live mailbox (the sandbox always gets one)')
    .option('--no-mesh-test-message', 'send no MESH test message, not even to the sandbox')
    .option(
      '--mesh-test-to <mailbox>',
      'recipient of the MESH test message (default: the mailbox of the endpoint itself)',
    )
    .option('--mesh-test-workflow <id>', 'workflow id of the MESH test message (default: SPFA_CONNECTION_TEST)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: CheckConnectionFlags) => {
      await runCommand(open, async (deps) => {
        const registry = deps.endpoints();
        const indexed = registry.all.map((endpoint, index) => ({ endpoint, index }));
        const chosen =
          flags.endpoint === undefined ? indexed : indexed.filter((e) => e.endpoint.config.id === flags.endpoint);
        if (chosen.length === 0) {
          process.stderr.write(
            `no endpoint "${flags.endpoint ?? ''}"; configured: ${registry.all.map((e) => e.config.id).join(', ')}\n`,
          );
          return 2;
        }
        const options: CheckOptions = {
          testPatient: flags.testPatient,
          dryRun: flags.dryRun,
          now: deps.now,
          timeoutMs: flags.timeoutMs !== undefined ? Number(flags.timeoutMs) : undefined,
          meshTest: { send: flags.meshTestMessage, to: flags.meshTestTo, workflowId: flags.meshTestWorkflow },
        };
        // One endpoint after another, so each endpoint's lines stay together and no EHR gets a burst of checks.
        const meshRoutes = await deps.meshRoutes();
        const reports: EndpointReport[] = [];
        for (const { endpoint, index } of chosen) {
          const mesh = meshRoutes.find((route) => route.endpointId === endpoint.config.id);
          reports.push(await checkEndpoint(endpoint, index, options, mesh));
        }
        process.stdout.write(flags.json === true ? renderJson(reports) : renderText(reports));
        return reports.every((report) => report.ok) ? 0 : 1;
      });
    });
}
