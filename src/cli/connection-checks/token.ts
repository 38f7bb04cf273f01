/**
 * The token check for endpoints using the OAuth 2.0 client credentials grant: a token is obtained with the
 * configured client authentication, and the scopes the token endpoint granted are compared with those asked for.
 */
import type { EndpointConfig } from '../../config/schema';
import type { AccessTokenSource } from '../../delivery/access-token';
import { AccessTokenError } from '../../delivery/access-token';
import type { CheckResult } from './check-result';
import { fail, pass, skip } from './check-result';

function refusedFix(config: EndpointConfig, settings: string, error: AccessTokenError): string {
  if (config.auth.type !== 'client-credentials') {
    return '';
  }
  const auth = `${settings}.auth`;
  if (error.message.includes('invalid_scope')) {
    return `The token endpoint will not grant ${auth}.scope ("${config.auth.scope ?? ''}"): ask the EHR supplier to grant those scopes to client "${config.auth.clientId}", or ask for only the scopes they have granted.`;
  }
  if (error.httpStatus !== undefined && error.httpStatus >= 500) {
    return 'The token endpoint is failing on its side: try again later and, if it persists, tell the EHR supplier.';
  }
  if (!error.permanent) {
    return `Check ${auth}.tokenUrl and that this machine can reach it (DNS, firewall, proxy).`;
  }
  return config.auth.clientAuthentication === 'private_key_jwt'
    ? `Check ${auth}.clientId and keyId, that the public key registered with the EHR (its JWKS) matches ${auth}.privateKeyFile, that the algorithm is one the EHR accepts, and that this machine's clock is right (assertions are only valid for minutes).`
    : `Check ${auth}.clientId and clientSecret, and whether the token endpoint expects them as HTTP Basic (client_secret_basic) or in the form (client_secret_post): set ${auth}.clientAuthentication to match.`;
}

/** Scopes asked for that the token endpoint's answer does not list. */
function missingScopes(asked: string | undefined, granted: string | undefined): string[] {
  if (asked === undefined || granted === undefined) {
    return [];
  }
  const have = new Set(granted.split(/\s+/).filter((scope) => scope !== ''));
  return asked.split(/\s+/).filter((scope) => scope !== '' && !have.has(scope));
}

export async function checkToken(
  config: EndpointConfig,
  tokens: AccessTokenSource | undefined,
  settings: string,
): Promise<CheckResult> {
  if (config.auth.type !== 'client-credentials' || tokens === undefined) {
    return skip('token', `not used: auth type "${config.auth.type}"`);
  }
  const method = config.auth.clientAuthentication;
  try {
    await tokens.token();
  } catch (error) {
    if (error instanceof AccessTokenError) {
      return fail('token', error.message, refusedFix(config, settings, error));
    }
    throw error;
  }
  const granted = tokens.grantedScope?.();
  const missing = missingScopes(config.auth.scope, granted);
  if (missing.length > 0) {
    return fail(
      'token',
      `token obtained from ${tokens.tokenUrl} (${method}) without scopes ${missing.join(', ')}; granted "${granted ?? ''}"`,
      `Ask the EHR supplier to grant ${missing.join(' ')} to client "${config.auth.clientId}": without them some writes will be refused.`,
    );
  }
  const scopes =
    granted !== undefined ? `granted "${granted}"` : 'scopes as asked for (the token endpoint did not list them)';
  return pass('token', `token obtained from ${tokens.tokenUrl} (${method}); ${scopes}`);
}
