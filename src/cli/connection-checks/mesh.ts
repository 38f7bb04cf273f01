/**
 * The connection checks of an endpoint's MESH mailbox (route mesh-send-document): mailbox authentication by the
 * MESH handshake, then reading the inbox, where the practices' acknowledgements arrive. Each failure says which
 * setting to change: the address, the client certificate, or the mailbox's password and shared secret.
 */
import type { MeshRoute } from '../../delivery/send-document';
import { MeshError } from '../../delivery/mesh';
import type { CheckResult } from './check-result';
import { fail, pass, skip } from './check-result';

/** The fix for a MESH request that failed, by what the failure was. */
function meshFailure(check: string, route: MeshRoute, settings: string, error: unknown): CheckResult {
  const at = `${settings}.mesh`;
  const sandbox = route.settings.baseUrl === 'sandbox';
  if (!(error instanceof MeshError)) {
    return fail(
      check,
      error instanceof Error ? error.message : String(error),
      'Unexpected error: run again with log level debug and report it.',
    );
  }
  if (error.status === 401 || error.status === 403) {
    return fail(
      check,
      error.message,
      sandbox
        ? `The embedded MESH sandbox does not know mailbox ${route.settings.mailbox}: it serves the mailboxes of the endpoints configured with mesh.baseUrl "sandbox"; restart it with this configuration.`
        : `MESH refused mailbox ${route.settings.mailbox}'s credentials: check ${at}.mailbox, the password ${at}.password names and the environment's shared secret ${at}.sharedSecret names (the shared secret is per MESH environment: integration and live differ).`,
    );
  }
  if (error.status !== undefined) {
    return fail(
      check,
      error.message,
      `Check that ${at}.baseUrl is the MESH API host of the environment the mailbox belongs to (e.g. https://msg.intspineservices.nhs.uk for integration).`,
    );
  }
  if (error.message.includes('failed TLS')) {
    return fail(
      check,
      error.message,
      `Check ${at}.tls: certFile and keyFile must be the client certificate issued for this mailbox's endpoint, and caFile the CA bundle MESH's certificate chains to.`,
    );
  }
  return fail(
    check,
    error.message,
    sandbox
      ? `The embedded MESH sandbox is not reachable at ${route.baseUrl}: start it (npm start, or the mesh-sandbox command) or check sandbox.host and sandbox.meshPort.`
      : `MESH is not reachable at ${route.baseUrl}: check ${at}.baseUrl, this machine's DNS and firewall, and the HSCN or internet route to MESH.`,
  );
}

export async function checkMeshMailbox(route: MeshRoute, settings: string): Promise<CheckResult[]> {
  const mailbox = route.settings.mailbox;
  try {
    await route.client.handshake();
  } catch (error) {
    return [
      meshFailure('mesh mailbox', route, settings, error),
      skip('mesh inbox', 'not run: the mesh mailbox check failed'),
    ];
  }
  const results = [pass('mesh mailbox', `mailbox ${mailbox} authenticated at ${route.baseUrl}`)];
  try {
    const waiting = await route.client.inbox();
    results.push(
      pass(
        'mesh inbox',
        `the inbox can be read (${String(waiting.length)} message${waiting.length === 1 ? '' : 's'} waiting)`,
      ),
    );
  } catch (error) {
    results.push(meshFailure('mesh inbox', route, settings, error));
  }
  return results;
}
