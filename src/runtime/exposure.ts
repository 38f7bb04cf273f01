/**
 * Whether the API may start as configured: an API with no credentials at all is for a developer's machine, so it
 * is refused on any address other than loopback unless the operator says so explicitly (http.allowInsecure).
 */
import { ConfigError } from '../config/load';
import type { Config } from '../config/schema';
import type { KeyRing } from '../http/auth';
import { isOpen } from '../http/auth';

/** Loopback names and addresses: only this machine can reach an API listening there. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

export function configuredKeyRing(config: Config): KeyRing {
  return { ingest: config.http.apiKeys, admin: config.http.adminKeys, auditor: config.audit.apiKeys };
}

/** Throws when the API would run open on an address others can reach, without http.allowInsecure. */
export function assertSafeExposure(config: Config): void {
  const open = isOpen({
    keyRing: configuredKeyRing(config),
    clients: config.clients,
    ...(config.http.oauth !== undefined ? { oauth: config.http.oauth } : {}),
  });
  if (open && !isLoopbackHost(config.http.host) && !config.http.allowInsecure) {
    throw new ConfigError([
      `http.host: the API would listen on ${config.http.host} with no credentials at all; configure clients (CLIENTS) ` +
        'or keys (API_KEYS), or set http.allowInsecure (ALLOW_INSECURE_HTTP=yes) to run it open on purpose',
    ]);
  }
}
