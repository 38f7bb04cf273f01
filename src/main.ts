#!/usr/bin/env node
/**
 * Command-line entry point: parses the command, loads the configuration once and hands it to the composition
 * root (src/runtime/), which starts a role or gives a command what it uses; shuts down cleanly on SIGINT/SIGTERM.
 * One registration line per command.
 */
import { Command } from 'commander';
import { registerAuditCommands } from './cli/audit';
import { registerCheckConnection } from './cli/check-connection';
import { registerEndpointCommands } from './cli/endpoints';
import { registerImportCommand } from './cli/import';
import { registerInterop } from './cli/interop';
import { registerKeysCommands } from './cli/keys';
import { registerReplay } from './cli/replay';
import { registerSeedPatients } from './cli/seed-patients';
import { ConfigError, loadConfig } from './config/load';
import { packageVersion } from './lib/version';
import { commandRoot, registerRoleCommands } from './runtime/commands';
import { createRoot } from './runtime/root';
import { servicesOf } from './runtime/services';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const program = new Command()
  .name('sp-fhir-adapter')
  .description('Delivers social prescribing referrals, goals and outcome notes to GP EHRs as FHIR R4.')
  .version(packageVersion());
const open = commandRoot(loadConfig);

registerRoleCommands(program, loadConfig);
registerCheckConnection(program, open);
registerReplay(program, open);
registerSeedPatients(program);
registerInterop(program, open);
registerAuditCommands(program, open);
registerKeysCommands(program, open);
registerEndpointCommands(program, open);
registerImportCommand(program, loadConfig, (config, logger) => servicesOf(createRoot(config, logger)));

program
  .parseAsync(process.argv)
  .catch((error: unknown) => fail(error instanceof ConfigError ? error.message : (error as Error).message));
