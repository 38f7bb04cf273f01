/**
 * What the composition root hands a command: the configuration and each part built on first use, so a command
 * opens only what it needs, and `close()` closes what it opened. Commands take this, never build parts themselves.
 */
import type { AuditEventSite } from '../audit/audit-events';
import type { Config } from '../config/schema';
import type { ConformanceCheck } from '../delivery/attempt';
import type { EndpointRegistry } from '../delivery/endpoints';
import type { MeshRoute } from '../delivery/send-document';
import type { DeliveryQueues } from '../queue/producer';
import type { Store } from '../store/create-store';

export interface CommandDeps {
  readonly config: Config;
  readonly now: () => Date;
  store(): Store;
  queues(): DeliveryQueues;
  endpoints(): EndpointRegistry;
  /** The MESH mailbox of each endpoint with route mesh-send-document (clients built on first use). */
  meshRoutes(): Promise<readonly MeshRoute[]>;
  conformance(): ConformanceCheck;
  auditSite(): AuditEventSite;
  close(): Promise<void>;
}

/** Loads the configuration and returns the root over it (the entry point supplies it). */
export type OpenDeps = () => CommandDeps;

/** Runs a command with freshly opened deps, closes them, and exits with the command's status. */
export async function runCommand(open: OpenDeps, command: (deps: CommandDeps) => Promise<number>): Promise<never> {
  const deps = open();
  let code: number;
  try {
    code = await command(deps);
  } finally {
    await deps.close();
  }
  process.exit(code);
}
