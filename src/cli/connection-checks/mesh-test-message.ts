/**
 * The MESH test message of `check-connection`: a small message with no patient data sent from the endpoint's
 * mailbox (to itself unless another recipient is named), tracked in the outbox, and, when it comes back to this
 * mailbox, downloaded and acknowledged so nothing is left in the inbox. Sent by default only to the embedded
 * sandbox: on a live MESH the workflow must be registered for both mailboxes, so it is sent there only when asked.
 */
import { randomUUID } from 'node:crypto';
import type { MeshRoute } from '../../delivery/send-document';
import { MeshError } from '../../delivery/mesh';
import type { CheckResult } from './check-result';
import { fail, pass, skip } from './check-result';

/** The workflow of the test message: the adapter's own, which the Send Document acknowledgement poller ignores. */
export const MESH_TEST_WORKFLOW = 'SPFA_CONNECTION_TEST';

export interface MeshTestOptions {
  /** true: send whatever the mailbox; false: never; undefined: only to the embedded sandbox. */
  readonly send?: boolean | undefined;
  /** The recipient mailbox; the endpoint's own mailbox when absent. */
  readonly to?: string | undefined;
  readonly workflowId?: string | undefined;
}

const CHECK = 'mesh test message';

function sendFailure(route: MeshRoute, to: string, workflowId: string, error: unknown): CheckResult {
  const detail = error instanceof Error ? error.message : String(error);
  const mailbox = route.settings.mailbox;
  if (error instanceof MeshError && error.code === '12') {
    return fail(
      CHECK,
      detail,
      `MESH has no mailbox ${to}: name a recipient that exists in this MESH environment with --mesh-test-to, or leave it out to send to ${mailbox} itself.`,
    );
  }
  if (error instanceof MeshError && error.code === '17') {
    return fail(
      CHECK,
      detail,
      `Workflow ${workflowId} is not registered for mailbox ${to}: pass --mesh-test-workflow with a workflow both mailboxes are registered for, or ask the MESH mailbox administrators to register it.`,
    );
  }
  if (error instanceof MeshError && error.status === 417) {
    return fail(
      CHECK,
      detail,
      `MESH refused the message's headers (code ${error.code ?? 'none'}): check that ${mailbox} may send workflow ${workflowId} to ${to}.`,
    );
  }
  return fail(
    CHECK,
    detail,
    'The mailbox authenticated but could not send: check the MESH outbox is enabled for the mailbox, and run again with log level debug.',
  );
}

export async function checkMeshTestMessage(route: MeshRoute, options: MeshTestOptions): Promise<CheckResult> {
  const sandbox = route.settings.baseUrl === 'sandbox';
  if (options.send === false || (options.send === undefined && !sandbox)) {
    return skip(
      CHECK,
      sandbox ? 'not asked for (--no-mesh-test-message)' : 'not sent to a live MESH unless asked (--mesh-test-message)',
    );
  }
  const mailbox = route.settings.mailbox.toUpperCase();
  const to = (options.to ?? mailbox).toUpperCase();
  const workflowId = options.workflowId ?? MESH_TEST_WORKFLOW;
  const localId = `check-connection-${randomUUID()}`;
  let messageId: string;
  try {
    ({ messageId } = await route.client.send({
      to,
      workflowId,
      localId,
      subject: 'sp-fhir-adapter check-connection test message',
      contentType: 'text/plain',
      body: Buffer.from('A connection test from sp-fhir-adapter. It holds no patient data and needs no action.\n'),
    }));
  } catch (error) {
    return sendFailure(route, to, workflowId, error);
  }
  let tracked: string;
  try {
    tracked = (await route.client.trackByLocalId(localId)).status;
  } catch (error) {
    return fail(
      CHECK,
      `sent as ${messageId}, but tracking failed: ${error instanceof Error ? error.message : String(error)}`,
      'Sending works; tracking does not: check the mailbox may use outbox tracking (MESH API v2 /outbox/tracking).',
    );
  }
  if (to !== mailbox) {
    return pass(CHECK, `sent ${messageId} to ${to} (workflow ${workflowId}); MESH tracking says "${tracked}"`);
  }
  // Back in this mailbox: taken out of the inbox, unless a running adapter's poller took it first.
  let back: string;
  try {
    const waiting = await route.client.inbox();
    if (waiting.includes(messageId)) {
      await route.client.download(messageId);
      await route.client.acknowledge(messageId);
      back = 'received back and acknowledged';
    } else {
      back = 'already taken from the inbox by a running adapter';
    }
  } catch (error) {
    return fail(
      CHECK,
      `sent ${messageId} to ${to}, but it could not be taken from the inbox: ${error instanceof Error ? error.message : String(error)}`,
      `Sending works; reading the inbox does not: the Send Document acknowledgements arrive there, so check that ${mailbox} may download and acknowledge its messages.`,
    );
  }
  return pass(CHECK, `sent ${messageId} to ${to} (workflow ${workflowId}); MESH tracking says "${tracked}"; ${back}`);
}
