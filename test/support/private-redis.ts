/**
 * A private redis-server for tests that must stop, kill or starve Redis without disturbing anything else on the
 * machine. It listens on a free port with its own data directory.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Starts (or restarts) the server on the same port and data directory. */
  start(): Promise<void>;
  /** SIGKILL: no chance to save anything. */
  kill(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** One raw PING over TCP: no client library, so nothing is left behind (timers, reconnects) after a check. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => {
      finish(false);
    });
    socket.on('error', () => {
      finish(false);
    });
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      // "-LOADING" while a restart replays the AOF: not ready yet.
      if (reply.includes('\r\n')) {
        finish(reply.startsWith('+PONG'));
      }
    });
  });
}

async function waitUntilAnswering(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answersPing(port)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`private redis on port ${port} did not start`);
}

/** The production durability settings documented in docs/delivery-guarantees.md. */
export const DURABLE_REDIS_ARGS: readonly string[] = ['--appendonly', 'yes', '--appendfsync', 'always'];

export interface PrivateRedisOptions {
  /** Extra redis-server arguments, e.g. DURABLE_REDIS_ARGS or a tiny --maxmemory. */
  readonly args?: readonly string[];
  /** Data directory; a fresh temporary one (deleted by destroy) when not given. */
  readonly dir?: string;
}

export async function createPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const extraArgs = options.args ?? [];
  const port = await freePort();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'spfa-redis-'));
  mkdirSync(dir, { recursive: true });
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const stopChild = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running?.exitCode !== null || running.signalCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      running.once('exit', () => {
        resolve();
      });
      running.kill(signal);
    });
  };
  const handle: PrivateRedis = {
    url,
    port,
    dir,
    async start() {
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--maxmemory-policy',
          'noeviction',
          ...extraArgs,
        ],
        { stdio: 'ignore' },
      );
      // A restart replays the AOF first (answering -LOADING), so allow time for that.
      await waitUntilAnswering(port, 20_000);
    },
    async kill() {
      await stopChild('SIGKILL');
    },
    async destroy() {
      await stopChild('SIGTERM');
      if (ownDir) {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  await handle.start();
  return handle;
}
