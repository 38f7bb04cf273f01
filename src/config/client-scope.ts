/**
 * Who is asking and what they may touch: the authenticated client, its roles, and the practices and source
 * systems it is scoped to. The edges build one per request; the use cases below them check each message and
 * filter each listing against it, so one client can never reach another's records.
 */
import type { ClientConfig, ClientRole } from './schema';

/** Every value, or only those listed. */
export type Scope = '*' | readonly string[];

export interface Principal {
  readonly clientId: string;
  readonly roles: readonly ClientRole[];
  /** ODS codes of the practices it may submit for and read. */
  readonly practices: Scope;
  /** The `source.system` URIs it may submit under. */
  readonly sourceSystems: Scope;
}

export function permits(scope: Scope, value: string): boolean {
  return scope === '*' || scope.includes(value);
}

/** A configured client's scope with the roles a credential grants it (never more than the client has). */
export function principalOf(client: ClientConfig, granted: readonly ClientRole[]): Principal {
  return {
    clientId: client.id,
    roles: client.roles.filter((role) => granted.includes(role)),
    practices: client.practices.includes('*') ? '*' : client.practices,
    sourceSystems: client.sourceSystems,
  };
}

/** A client of the older per-role key settings: one role, every practice, any source system. */
export function unscopedPrincipal(clientId: string, role: ClientRole): Principal {
  return { clientId, roles: [role], practices: '*', sourceSystems: '*' };
}
