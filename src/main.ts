#!/usr/bin/env node
/**
 * Command-line entry point: parses the command, loads the configuration once and starts what was asked for,
 * shutting down cleanly on SIGINT/SIGTERM.
 */
import { Command } from 'commander';
import { registerAuditCommands } from './cli/audit';
import { registerImportCommand } from './cli/import';
import { checkConnection } from './cli/check-connection';
import { seedPatients } from './cli/seed-patients';
import { ConfigError, loadConfig } from './config/load';
import type { Config } from './config/schema';
import { createEndpointRegistry } from './delivery/endpoints';
import { FhirClient } from './delivery/fhir-client';
import type { Logger } from './observability/logger';
import { createLogger } from './observability/logger';
import type { Roles } from './runtime/run';
import { runAdapter } from './runtime/run';
import { createServices } from './runtime/services';
import { packageVersion } from './lib/version';
import { startSandbox } from './sandbox';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function loadOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    return fail(error instanceof ConfigError ? error.message : String(error));
  }
}

function onSignals(logger: Logger, stop: () => Promise<void>): void {
  let signalled = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down: no new work, finishing in-flight deliveries');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function run(roles: Roles): Promise<void> {
  const config = loadOrExit();
  const logger = createLogger({ level: config.log.level });
  try {
    const adapter = await runAdapter(config, roles, logger);
    onSignals(logger, () => adapter.stop());
  } catch (error) {
    fail((error as Error).message);
  }
}

const program = new Command()
  .name('sp-fhir-adapter')
  .description('Delivers social prescribing referrals, goals and outcome notes to GP EHRs as FHIR R4.')
  .version(packageVersion());

program
  .command('start', { isDefault: true })
  .description('API + delivery workers (+ the embedded sandbox EHR when an endpoint targets it)')
  .action(async () => run({ api: true, worker: true, sandbox: true }));
program
  .command('api')
  .description('the HTTP API only')
  .action(async () => run({ api: true, worker: false, sandbox: false }));
program
  .command('worker')
  .description('the delivery workers only')
  .action(async () => run({ api: false, worker: true, sandbox: false }));
program
  .command('sandbox')
  .description('the embedded sandbox FHIR R4 server only')
  .option('-p, --port <port>', 'port to listen on')
  .action(async (options: { port?: string }) => {
    const config = loadOrExit();
    const logger = createLogger({ level: config.log.level });
    const sandbox = await startSandbox({
      port: options.port !== undefined ? Number(options.port) : config.sandbox.port,
      host: config.sandbox.host,
      logger,
      ...(config.sandbox.oauth !== undefined ? { oauth: config.sandbox.oauth } : {}),
    });
    logger.info({ baseUrl: sandbox.baseUrl }, 'sandbox EHR listening');
    onSignals(logger, () => sandbox.close());
  });
program
  .command('check-connection')
  .description('check that each configured EHR endpoint answers as a FHIR R4 server the adapter can deliver to')
  .action(async () => {
    const config = loadOrExit();
    const sandboxBaseUrl = `http://${config.sandbox.host}:${config.sandbox.port}/fhir`;
    const registry = createEndpointRegistry(config.endpoints, { sandboxBaseUrl });
    let allOk = true;
    for (const endpoint of registry.all) {
      const report = await checkConnection(endpoint);
      allOk &&= report.ok;
      process.stdout.write(`${report.ok ? 'OK  ' : 'FAIL'} ${report.endpoint} ${report.baseUrl}\n`);
      for (const line of report.lines) {
        process.stdout.write(`     ${line}\n`);
      }
    }
    process.exit(allOk ? 0 : 1);
  });

program
  .command('seed-patients')
  .description("write the sandbox's synthetic patients into a FHIR R4 server (e.g. a local HAPI FHIR test server)")
  .requiredOption('--base-url <url>', 'FHIR base URL of the server to seed')
  .action(async (options: { baseUrl: string }) => {
    const client = new FhirClient({ baseUrl: options.baseUrl, auth: { type: 'none' }, timeoutMs: 30_000 });
    for (const line of await seedPatients(client)) {
      process.stdout.write(`${line}\n`);
    }
  });

registerAuditCommands(program, loadOrExit);
registerImportCommand(program, loadOrExit, createServices);

program.parseAsync(process.argv).catch((error: unknown) => fail((error as Error).message));
