/**
 * Shared set-up for the MESH integration tests: a real sandbox on a free port with a sender mailbox (the adapter),
 * two practice mailboxes and an unrelated one, and real clients talking to it over HTTP.
 */
import type { MeshAuthenticatorOptions, MeshCredentials, MeshTransport } from '../../../src/delivery/mesh';
import { MeshClient, createMeshAuthenticator, createMeshTransport } from '../../../src/delivery/mesh';
import type { MeshSandboxOptions, RunningMeshSandbox } from '../../../src/sandbox/mesh';
import { startMeshSandbox } from '../../../src/sandbox/mesh';

export const SHARED_KEY = 'test-environment-shared-key';

export const ADAPTER: MeshCredentials = { mailbox: 'SPFHIR001', password: 'adapter-password', sharedKey: SHARED_KEY };
export const PRACTICE: MeshCredentials = {
  mailbox: 'A81001HC01',
  password: 'practice-password',
  sharedKey: SHARED_KEY,
};
export const OTHER_PRACTICE: MeshCredentials = {
  mailbox: 'B82002HC01',
  password: 'other-password',
  sharedKey: SHARED_KEY,
};
/** A mailbox that only takes pathology results, to test workflow restrictions. */
export const PATHOLOGY_LAB: MeshCredentials = { mailbox: 'LAB00001', password: 'lab-password', sharedKey: SHARED_KEY };

export function startTestSandbox(options: Partial<MeshSandboxOptions> = {}): Promise<RunningMeshSandbox> {
  return startMeshSandbox({
    sharedKey: SHARED_KEY,
    mailboxes: [
      { id: ADAPTER.mailbox, password: ADAPTER.password },
      { id: PRACTICE.mailbox, password: PRACTICE.password },
      { id: OTHER_PRACTICE.mailbox, password: OTHER_PRACTICE.password },
      { id: PATHOLOGY_LAB.mailbox, password: PATHOLOGY_LAB.password, receives: ['PATH_TEST_RESULTS'] },
    ],
    ...options,
  });
}

/** Makes clients and closes their connections afterwards. */
export class Clients {
  private readonly transports: MeshTransport[] = [];

  constructor(private readonly sandbox: () => RunningMeshSandbox) {}

  for(
    credentials: MeshCredentials,
    options: { chunkSizeBytes?: number; auth?: MeshAuthenticatorOptions; timeoutMs?: number } = {},
  ): MeshClient {
    const transport = createMeshTransport({ timeoutMs: options.timeoutMs ?? 5000 });
    this.transports.push(transport);
    return new MeshClient({
      baseUrl: this.sandbox().url,
      mailbox: credentials.mailbox,
      authenticator: createMeshAuthenticator(credentials, options.auth),
      transport,
      ...(options.chunkSizeBytes !== undefined ? { chunkSizeBytes: options.chunkSizeBytes } : {}),
    });
  }

  closeAll(): void {
    for (const transport of this.transports.splice(0)) {
      transport.close();
    }
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
