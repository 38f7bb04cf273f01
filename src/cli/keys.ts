/**
 * `sp-fhir-adapter keys create | list | revoke`: API keys for the configured clients. A new key is printed once
 * and stored only as its hash; revoking one takes effect on the next request, with no restart.
 */
import type { Command } from 'commander';
import type { ClientConfig, ClientRole } from '../config/schema';
import { CLIENT_ROLES } from '../config/schema';
import type { ApiKeyStore } from '../store/api-keys';
import type { CommandDeps, OpenDeps } from './deps';
import { runCommand } from './deps';

export interface KeysCliContext {
  readonly apiKeys: Pick<ApiKeyStore, 'create' | 'list' | 'revoke'>;
  readonly clients: readonly ClientConfig[];
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
  readonly now: () => Date;
}

/** Creates a key for a configured client with the roles asked for (by default all the client's roles). */
export async function createKeyCommand(
  ctx: KeysCliContext,
  clientId: string,
  roles?: readonly string[],
): Promise<number> {
  const client = ctx.clients.find((candidate) => candidate.id === clientId);
  if (client === undefined) {
    const known = ctx.clients.map((candidate) => candidate.id).join(', ') || 'none';
    ctx.err.write(`no client "${clientId}" in the clients configuration (configured: ${known})\n`);
    return 2;
  }
  const asked = roles ?? client.roles;
  const notHeld = asked.filter((role) => !client.roles.includes(role as ClientRole));
  if (notHeld.length > 0) {
    ctx.err.write(
      `client "${clientId}" does not have the role(s) ${notHeld.join(', ')}; it has ${client.roles.join(', ')} (known roles: ${CLIENT_ROLES.join(', ')})\n`,
    );
    return 2;
  }
  const created = await ctx.apiKeys.create(clientId, asked, ctx.now());
  ctx.out.write(`key id: ${created.keyId}\nclient: ${clientId}\nroles:  ${asked.join(' ')}\n`);
  ctx.out.write(`key:    ${created.key}\n`);
  ctx.out.write('The key is shown this once and stored only as its hash: hand it to the client now.\n');
  return 0;
}

export async function listKeysCommand(ctx: KeysCliContext): Promise<number> {
  const keys = await ctx.apiKeys.list();
  ctx.out.write('key id        client                roles                 created                   revoked\n');
  for (const key of keys) {
    ctx.out.write(
      `${key.keyId.padEnd(13)} ${key.clientId.padEnd(21)} ${key.roles.join(' ').padEnd(21)} ${key.createdAt.padEnd(25)} ${key.revokedAt ?? '-'}\n`,
    );
  }
  return 0;
}

export async function revokeKeyCommand(ctx: KeysCliContext, keyId: string): Promise<number> {
  if (!(await ctx.apiKeys.revoke(keyId, ctx.now()))) {
    ctx.err.write(`no key with id ${keyId}\n`);
    return 1;
  }
  ctx.out.write(`revoked ${keyId}: requests presenting it are refused from now on\n`);
  return 0;
}

function contextOf(deps: CommandDeps): KeysCliContext {
  return {
    apiKeys: deps.store().apiKeys,
    clients: deps.config.clients,
    out: process.stdout,
    err: process.stderr,
    now: deps.now,
  };
}

export function registerKeysCommands(program: Command, open: OpenDeps): void {
  const keys = program.command('keys').description('create, list and revoke API keys of the configured clients');
  keys
    .command('create')
    .description('create a key for a client (printed once, stored only as its hash)')
    .requiredOption('--client <id>', 'the id of a client in the clients configuration')
    .option('--role <role...>', `roles the key grants (${CLIENT_ROLES.join(', ')}); by default all the client's`)
    .action(async (options: { client: string; role?: string[] }) =>
      runCommand(open, async (deps) => createKeyCommand(contextOf(deps), options.client, options.role)),
    );
  keys
    .command('list')
    .description('every key with its client, roles and dates (never the key itself)')
    .action(async () => runCommand(open, async (deps) => listKeysCommand(contextOf(deps))));
  keys
    .command('revoke')
    .description('revoke a key at once, without a restart')
    .argument('<keyId>', 'the key id shown by create and list')
    .action(async (keyId: string) => runCommand(open, async (deps) => revokeKeyCommand(contextOf(deps), keyId)));
}
