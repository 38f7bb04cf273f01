/**
 * The benchmark's EHR in a process of its own: the sandbox behind a request counter (test/support/
 * counting-sandbox.ts), so it does not share an event loop with the adapter it is measured against. Started by
 * bench/ehr.ts with an IPC channel: it sends `{ baseUrl }` once listening and answers `counts`, `reset` and `arrivals`.
 */
import { startCountingSandbox } from '../test/support/counting-sandbox';

export interface EhrRequest {
  readonly type: 'counts' | 'reset' | 'arrivals';
  readonly id: number;
}
export type EhrReply =
  | { readonly type: 'ready'; readonly baseUrl: string }
  | { readonly type: 'counts'; readonly id: number; readonly total: number; readonly byKind: Record<string, number> }
  /** When each request since the last reset arrived (ms since the epoch). */
  | { readonly type: 'arrivals'; readonly id: number; readonly arrivals: readonly number[] };

async function main(): Promise<void> {
  const sandbox = await startCountingSandbox();
  const send = (reply: EhrReply): void => {
    process.send?.(reply);
  };
  process.on('message', (request: EhrRequest) => {
    if (request.type === 'arrivals') {
      send({ type: 'arrivals', id: request.id, arrivals: sandbox.arrivals() });
      return;
    }
    if (request.type === 'reset') {
      sandbox.reset();
    }
    send({ type: 'counts', id: request.id, ...sandbox.counts(), byKind: { ...sandbox.counts().byKind } });
  });
  process.on('disconnect', () => {
    void sandbox.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', baseUrl: sandbox.baseUrl });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
