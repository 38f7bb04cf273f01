/**
 * The EHR a benchmark run delivers to: by default the sandbox started in its own process (bench/ehr-process.ts),
 * whose request counts are read where the requests arrive; or any FHIR base URL given with `--base-url`, whose
 * requests the benchmark cannot count (the figures that need them say so). Such a server must hold the
 * sandbox's synthetic patients (`sp-fhir-adapter seed-patients`).
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { EhrReply, EhrRequest } from './ehr-process';

export interface EhrCounts {
  readonly total: number;
  readonly byKind: Readonly<Record<string, number>>;
}

export interface BenchEhr {
  readonly baseUrl: string;
  /** Where the EHR runs: `embedded sandbox (own process)` or the URL given. */
  readonly description: string;
  /** Requests the EHR received since the last reset; undefined when they cannot be counted. */
  counts(): Promise<EhrCounts | undefined>;
  /** When each of those requests arrived (ms since the epoch, in order); undefined when they cannot be seen. */
  arrivals(): Promise<readonly number[] | undefined>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

function externalEhr(baseUrl: string): BenchEhr {
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    description: `external FHIR server ${baseUrl}`,
    counts: async () => Promise.resolve(undefined),
    arrivals: async () => Promise.resolve(undefined),
    reset: async () => Promise.resolve(),
    close: async () => Promise.resolve(),
  };
}

async function embeddedEhr(): Promise<BenchEhr> {
  const child: ChildProcess = fork(join(__dirname, 'ehr-process.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, (reply: EhrReply) => void>();
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`the benchmark EHR exited with ${String(code)}`));
    });
    child.on('message', (reply: EhrReply) => {
      if (reply.type === 'ready') {
        resolve(reply.baseUrl);
      } else {
        waiting.get(reply.id)?.(reply);
        waiting.delete(reply.id);
      }
    });
  });
  const ask = async (type: EhrRequest['type']): Promise<EhrReply> =>
    new Promise((resolve) => {
      nextId += 1;
      waiting.set(nextId, resolve);
      child.send({ type, id: nextId } satisfies EhrRequest);
    });
  const counts = async (): Promise<EhrCounts> => {
    const reply = await ask('counts');
    return reply.type === 'counts' ? { total: reply.total, byKind: reply.byKind } : { total: 0, byKind: {} };
  };
  return {
    baseUrl,
    description: 'embedded sandbox EHR in its own process',
    counts,
    arrivals: async () => {
      const reply = await ask('arrivals');
      return reply.type === 'arrivals' ? reply.arrivals : [];
    },
    reset: async () => {
      await ask('reset');
    },
    close: async () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => {
          resolve();
        });
        child.disconnect();
      }),
  };
}

export async function startBenchEhr(baseUrl: string | undefined): Promise<BenchEhr> {
  return baseUrl === undefined ? embeddedEhr() : externalEhr(baseUrl);
}
