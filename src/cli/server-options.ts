/**
 * The options that name a FHIR server for operator commands (`seed-patients`, `interop`): its base URL and the
 * same auth methods an endpoint has (bearer token, client credentials with a secret, private_key_jwt), validated
 * by the endpoint auth schema and turned into the delivery layer's own FHIR client. Secrets may come from
 * FHIR_BEARER_TOKEN and FHIR_CLIENT_SECRET instead of the command line, where other users could see them.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ConfigError, parseEndpointAuth } from '../config/load';
import type { FhirConnection } from '../delivery/endpoints';
import { fhirClientFor } from '../delivery/endpoints';

export interface ServerOptions {
  readonly baseUrl: string;
  readonly bearerToken?: string;
  readonly tokenUrl?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly clientAuth?: string;
  readonly privateKeyFile?: string;
  readonly keyId?: string;
  readonly keyAlg?: string;
  readonly scope?: string;
  readonly timeoutMs: string;
}

/** The option behind each auth setting, so a problem names what the operator typed. */
const OPTION_OF: Readonly<Record<string, string>> = {
  token: '--bearer-token',
  tokenUrl: '--token-url',
  clientId: '--client-id',
  clientSecret: '--client-secret',
  clientAuthentication: '--client-auth',
  privateKeyFile: '--private-key-file',
  keyId: '--key-id',
  algorithm: '--key-alg',
  scope: '--scope',
};

/** Adds the server options to a command. */
export function withServerOptions(command: Command): Command {
  return command
    .requiredOption('--base-url <url>', 'FHIR R4 base URL of the server')
    .addOption(new Option('--bearer-token <token>', 'a static bearer token').env('FHIR_BEARER_TOKEN'))
    .option('--token-url <url>', 'OAuth 2.0 token endpoint: use the client credentials grant')
    .option('--client-id <id>', 'client credentials: the client id')
    .addOption(new Option('--client-secret <secret>', 'client credentials: the secret').env('FHIR_CLIENT_SECRET'))
    .addOption(
      new Option('--client-auth <method>', 'client credentials: how the client authenticates').choices([
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ]),
    )
    .option('--private-key-file <file>', 'private_key_jwt: PEM private key (selects private_key_jwt)')
    .option('--key-id <kid>', 'private_key_jwt: kid of the public key registered with the server')
    .addOption(new Option('--key-alg <alg>', 'private_key_jwt: signing algorithm').choices(['RS384', 'ES384']))
    .option('--scope <scopes>', 'client credentials: space-separated scopes to ask for')
    .option('--timeout-ms <ms>', 'timeout of one request', '30000');
}

/** The auth settings the options describe, in the endpoint auth schema's shape (validated by the caller). */
export function rawAuth(options: ServerOptions): Record<string, unknown> {
  if (options.tokenUrl !== undefined) {
    const withKey = options.privateKeyFile !== undefined || options.clientAuth === 'private_key_jwt';
    return {
      type: 'client-credentials',
      tokenUrl: options.tokenUrl,
      clientId: options.clientId,
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      ...(withKey
        ? {
            clientAuthentication: 'private_key_jwt',
            privateKeyFile: options.privateKeyFile,
            keyId: options.keyId,
            ...(options.keyAlg !== undefined ? { algorithm: options.keyAlg } : {}),
          }
        : {
            ...(options.clientAuth !== undefined ? { clientAuthentication: options.clientAuth } : {}),
            clientSecret: options.clientSecret,
          }),
    };
  }
  return options.bearerToken !== undefined ? { type: 'bearer', token: options.bearerToken } : { type: 'none' };
}

/** "auth.clientId: Required" becomes "--client-id: Required". */
function namedByOption(problem: string): string {
  const match = /^auth\.([A-Za-z]+): /.exec(problem);
  const option = match?.[1] !== undefined ? OPTION_OF[match[1]] : undefined;
  return option === undefined || match === null ? problem : `${option}: ${problem.slice(match[0].length)}`;
}

/**
 * The FHIR client (and token source) for the server the options name.
 * @throws ConfigError naming each option that is missing or wrong
 */
export function serverConnection(options: ServerOptions): FhirConnection {
  const timeoutMs = Number(options.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100) {
    throw new ConfigError(['--timeout-ms: must be a whole number of milliseconds, at least 100']);
  }
  let loaded;
  try {
    loaded = parseEndpointAuth(rawAuth(options), 'auth');
  } catch (error) {
    throw error instanceof ConfigError ? new ConfigError(error.problems.map(namedByOption)) : error;
  }
  return fhirClientFor(options.baseUrl, loaded.auth, {
    timeoutMs,
    path: 'auth',
    signingKeys: loaded.signingKeys,
  });
}
