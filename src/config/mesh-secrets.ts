/**
 * Reads each live MESH mailbox's password and the environment's shared secret from the environment variable or
 * file its settings name, once at start-up. A problem names the setting and never shows any part of a secret.
 */
import { readFileSync } from 'node:fs';
import type { SecretSource } from './mesh-schema';
import type { EndpointConfig } from './schema';

type Env = Readonly<Record<string, string | undefined>>;

export interface MeshSecrets {
  readonly password: string;
  readonly sharedSecret: string;
}

export type MeshSecretsResult =
  | { readonly ok: true; readonly secrets: ReadonlyMap<string, MeshSecrets> }
  | { readonly ok: false; readonly problems: readonly string[] };

function readSecret(source: SecretSource, path: string, env: Env, problems: string[]): string {
  if (source.env !== undefined) {
    const value = env[source.env];
    if (value === undefined || value === '') {
      problems.push(`${path}.env: the environment variable ${source.env} is not set`);
      return '';
    }
    return value;
  }
  if (source.file !== undefined) {
    try {
      // A trailing newline is how most editors and secret mounts end a file; it is never part of the secret.
      const value = readFileSync(source.file, 'utf8').replace(/\r?\n$/, '');
      if (value === '') {
        problems.push(`${path}.file: ${source.file} is empty`);
      }
      return value;
    } catch (error) {
      problems.push(
        `${path}.file: ${source.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  return '';
}

export function loadMeshSecrets(endpoints: readonly EndpointConfig[], env: Env): MeshSecretsResult {
  const problems: string[] = [];
  const secrets = new Map<string, MeshSecrets>();
  endpoints.forEach((endpoint, index) => {
    const { mesh } = endpoint;
    if (mesh?.password === undefined || mesh.sharedSecret === undefined) {
      return;
    }
    const path = `endpoints[${String(index)}].mesh`;
    const password = readSecret(mesh.password, `${path}.password`, env, problems);
    const sharedSecret = readSecret(mesh.sharedSecret, `${path}.sharedSecret`, env, problems);
    secrets.set(endpoint.id, { password, sharedSecret });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, secrets };
}
