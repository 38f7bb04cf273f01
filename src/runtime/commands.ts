/**
 * The process roles as commands (`start`, `api`, `worker`, `sandbox`) and the root every other command is given:
 * the configuration is loaded once per command, and a problem with it ends the process with its message. The
 * roles' modules (HTTP app, workers, sandbox) are loaded when a role starts, so a one-off command does not load them.
 */
import type { Command } from 'commander';
import { ConfigError } from '../config/load';
import type { LoadedConfig } from '../config/load';
import type { Logger } from '../observability/logger';
import { createLogger } from '../observability/logger';
import type { Root } from './root';
import { createRoot } from './root';
import type { Roles } from './run';
import type { RealisticOptions } from '../sandbox';
import type { RealisticFlags } from './sandbox';

export type LoadConfig = () => LoadedConfig;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function loadOrExit(load: LoadConfig): LoadedConfig {
  try {
    return load();
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

async function run(load: LoadConfig, roles: Roles): Promise<void> {
  const config = loadOrExit(load);
  const logger = createLogger({ level: config.log.level });
  try {
    const { runAdapter } = await import('./run.js');
    const adapter = await runAdapter(config, roles, logger);
    onSignals(logger, () => adapter.stop());
  } catch (error) {
    fail((error as Error).message);
  }
}

/** The root a one-off command runs with: Redis commands wait for the connection instead of failing at once. */
export function commandRoot(load: LoadConfig): () => Root {
  return () => {
    const config = loadOrExit(load);
    return createRoot(config, createLogger({ level: config.log.level }), { queueCommandsWhileConnecting: true });
  };
}

/** Adds `start` (the default), `api`, `worker` and `sandbox`. */
export function registerRoleCommands(program: Command, load: LoadConfig): void {
  program
    .command('start', { isDefault: true })
    .description('API + delivery workers (+ the embedded sandbox EHR when an endpoint targets it)')
    .action(async () => run(load, { api: true, worker: true, sandbox: true }));
  program
    .command('api')
    .description('the HTTP API only')
    .action(async () => run(load, { api: true, worker: false, sandbox: false }));
  program
    .command('worker')
    .description('the delivery workers only')
    .action(async () => run(load, { api: false, worker: true, sandbox: false }));
  program
    .command('sandbox')
    .description('the embedded sandbox FHIR R4 server only')
    .option('-p, --port <port>', 'port to listen on')
    .option('--realistic', 'behave like a Medplum server on PostgreSQL (see docs/interop.md)')
    .option('--seed <n>', 'realistic mode: seed of the conflicts picked')
    .option('--conflict-rate <share>', 'realistic mode: share of writes refused whole with a 409')
    .option('--entry-conflict-rate <share>', 'realistic mode: share of transaction entries failing with a 409')
    .option('--quota-points <n>', 'realistic mode: FHIR interaction points per client per window, 0 for none')
    .option('--quota-window <seconds>', 'realistic mode: length of the quota window')
    .action(async (options: { port?: string } & RealisticFlags) => {
      const config = loadOrExit(load);
      const logger = createLogger({ level: config.log.level });
      const { realisticFromFlags, startConfiguredSandbox } = await import('./sandbox.js');
      let realistic: RealisticOptions | undefined;
      try {
        realistic = realisticFromFlags(options, config.sandbox.realistic);
      } catch (error) {
        fail((error as Error).message);
      }
      const sandbox = await startConfiguredSandbox(
        config,
        logger,
        options.port !== undefined ? Number(options.port) : undefined,
        realistic,
      );
      logger.info(
        {
          baseUrl: sandbox.baseUrl,
          ...(sandbox.realistic !== undefined ? { realistic: sandbox.realistic.options } : {}),
        },
        'sandbox EHR listening',
      );
      onSignals(logger, () => sandbox.close());
    });
  program
    .command('mesh-sandbox')
    .description('the embedded MESH sandbox only (the sandbox practices answer with ITK3 acknowledgements)')
    .option('-p, --port <port>', 'port to listen on', '8095')
    .option('--host <host>', 'address to listen on (the sandbox host setting by default)')
    .action(async (options: { port: string; host?: string }) => {
      const config = loadOrExit(load);
      const logger = createLogger({ level: config.log.level });
      const { startConfiguredMeshSandbox } = await import('./mesh-sandbox.js');
      const mesh = await startConfiguredMeshSandbox(config, logger, Number(options.port), options.host);
      logger.info({ url: mesh.url }, 'MESH sandbox listening');
      onSignals(logger, () => mesh.close());
    });
}
