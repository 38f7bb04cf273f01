/**
 * How the benchmark offers load: referral documents for the sandbox's synthetic patients, a closed loop (a
 * fixed number of requests in flight) and an open loop (requests started at a fixed rate whatever the answers'
 * speed, as real clients do, so a slow server shows as latency rather than as a lower offered rate).
 */
import { SANDBOX_PATIENTS } from '../src/sandbox';
import type { BenchDocument } from './intake-steps';

export function referral(i: number, run: string): BenchDocument {
  const patient = SANDBOX_PATIENTS[i % SANDBOX_PATIENTS.length];
  if (patient === undefined) {
    throw new Error('the sandbox has no patients');
  }
  return {
    kind: 'referral',
    path: '/v1/referrals',
    body: {
      source: {
        system: 'https://bench.example.org',
        recordId: `B-${run}-${String(i)}`,
        recordVersion: 1,
        sentAt: '2026-11-01T09:00:00Z',
      },
      patient: { nhsNumber: patient.nhsNumber },
      gpPractice: { odsCode: patient.practiceOdsCode },
      linkWorker: { name: 'Bench Worker', organisation: { odsCode: 'RX9LW' } },
      status: 'accepted',
      referredAt: '2026-11-01T08:00:00Z',
      referrer: { name: 'Dr Bench', organisation: { odsCode: patient.practiceOdsCode } },
      method: 'gp',
      reasons: [{ snomed: '422650009' }],
      urgency: 'routine',
    },
  };
}

/** Runs `work` over every item with at most `concurrency` in flight. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        if (item !== undefined) {
          await work(item);
        }
      }
    }),
  );
}

/** Starts `work` for each item at `perSecond` (in small bursts every 10 ms) and waits for all of them. */
export async function runOpenLoop<T>(
  items: readonly T[],
  perSecond: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const running: Promise<void>[] = [];
  let sent = 0;
  while (sent < items.length) {
    const due = Math.min(items.length, Math.floor(((performance.now() - started) / 1000) * perSecond) + 1);
    for (; sent < due; sent += 1) {
      const item = items[sent];
      if (item !== undefined) {
        running.push(work(item));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(running);
}

export async function post(apiUrl: string, doc: BenchDocument): Promise<{ status: number; messageId?: string }> {
  const response = await fetch(`${apiUrl}${doc.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(doc.body),
  });
  const body = (await response.json()) as { messageId?: string };
  return { status: response.status, ...(body.messageId !== undefined ? { messageId: body.messageId } : {}) };
}

/**
 * Posts a document and fails unless it was accepted; returns its message id. A connection reset before any answer
 * (a kept-alive socket the server had just closed, more likely on a loaded machine) is sent once more, as a real
 * client would: intake is idempotent per source record, so the second POST cannot make a second message.
 */
export async function accept(apiUrl: string, doc: BenchDocument): Promise<string> {
  const answer = await post(apiUrl, doc).catch(async (error: unknown) => {
    if (error instanceof TypeError) {
      return post(apiUrl, doc);
    }
    throw error;
  });
  if (answer.status !== 202 || answer.messageId === undefined) {
    throw new Error(`intake answered ${String(answer.status)}`);
  }
  return answer.messageId;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
