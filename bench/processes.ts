/**
 * Running the adapter's roles as separate processes for the benchmarks: start a role and wait for its ready log
 * line, run a one-off command to its end, read a process's RSS from /proc, and size or delete the Redis keys under
 * a throwaway prefix.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

export interface RoleFigures {
  readonly role: string;
  /** From spawning the process to its "listening"/"started" log line (or its exit, for a command). */
  readonly startupMs: number;
  readonly rssMiB: number;
}

const MAIN = join(__dirname, '..', 'src', 'main.js');

/** Resident set size of a process in MiB, from /proc (Linux); `peak` reads the high-water mark instead. */
export function rssMiB(pid: number | undefined, peak = false): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    const match = new RegExp(`^${peak ? 'VmHWM' : 'VmRSS'}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] === undefined ? 0 : Math.round((Number(match[1]) / 1024) * 10) / 10;
  } catch {
    return 0;
  }
}

export interface RoleProcess {
  readonly child: ChildProcess;
  readonly startupMs: number;
  /** The fields of the log line that said it was ready. */
  readonly ready: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts `main.js <args>` and resolves when it logs `readyMessage` (pino JSON on stdout). */
export async function startRole(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  readyMessage: string,
): Promise<RoleProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        try {
          const fields = JSON.parse(line) as Record<string, unknown>;
          if (fields.msg === readyMessage) {
            child.stdout.off('data', onData);
            // Keep draining so a full pipe never blocks the process.
            child.stdout.resume();
            resolve(fields);
          }
        } catch {
          // Not a log line.
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      reject(new Error(`${args.join(' ')} exited (${String(code)}) before "${readyMessage}": ${stderr}`));
    });
  });
  const startupMs = Math.round(performance.now() - started);
  return {
    child,
    startupMs,
    ready,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs a one-off command to its end, sampling its peak RSS while it runs. */
export async function runCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<RoleFigures> {
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(child.pid, true));
  }, 10);
  await new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  clearInterval(sampler);
  return { role: args.join(' '), startupMs: Math.round(performance.now() - started), rssMiB: peak };
}

export async function keysUnder(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function bytesUnder(redis: Redis, pattern: string): Promise<number> {
  let total = 0;
  for (const key of await keysUnder(redis, pattern)) {
    total += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  }
  return total;
}

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? '0');
}

export async function deleteUnder(redis: Redis, pattern: string): Promise<void> {
  const keys = await keysUnder(redis, pattern);
  for (let i = 0; i < keys.length; i += 500) {
    await redis.del(...keys.slice(i, i + 500));
  }
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
