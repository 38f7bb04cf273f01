/**
 * Real processes for the fault suite: the compiled adapter (built into a private directory so parallel builds do
 * not collide) and adapter roles spawned as child processes that can be killed at will. The private redis-server
 * comes from test/support/private-redis.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/adapter';

const ROOT = join(__dirname, '..', '..');

/**
 * Compiles the adapter into node_modules/.cache (inside the project, so it still finds package.json and the
 * profiles) and returns the path of its main.js. Type errors are typecheck's business; only the emit matters here.
 */
export async function buildAdapter(): Promise<string> {
  const outDir = join(ROOT, 'node_modules', '.cache', 'sp-fhir-adapter-faults', randomBytes(4).toString('hex'));
  const tsc = require.resolve('typescript/bin/tsc');
  await new Promise<void>((resolve) => {
    execFile(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], () => {
      resolve();
    });
  });
  const main = join(outDir, 'src', 'main.js');
  if (!existsSync(main)) {
    throw new Error(`the adapter did not compile to ${main}`);
  }
  return main;
}

async function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  await new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
}

export class AdapterProcess {
  private child: ChildProcess | undefined;
  private readonly logFile: string;
  private starts = 0;

  constructor(
    private readonly main: string,
    readonly role: 'api' | 'worker',
    private readonly env: Readonly<Record<string, string>>,
    logDir: string,
    readonly name: string,
  ) {
    this.logFile = join(logDir, `${name}.log`);
  }

  /** Starts the process and waits until its log says it is serving (a loaded machine may need a longer wait). */
  async start(readyText: string, timeoutMs = 30_000): Promise<void> {
    this.starts += 1;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [this.main, this.role], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.child = child;
    const marker = this.starts;
    await eventually(
      () => {
        if (child.exitCode !== null) {
          throw new Error(`${this.name} exited with ${child.exitCode}: ${this.tail()}`);
        }
        const text = readFileSync(this.logFile, 'utf8');
        return Promise.resolve(text.split(readyText).length - 1 >= marker ? true : undefined);
      },
      timeoutMs,
      `${this.name} to start`,
    );
  }

  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (child === undefined) {
      return null;
    }
    child.kill(signal);
    await waitExit(child);
    this.child = undefined;
    return child.exitCode;
  }

  tail(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').slice(-2000) : '';
  }

  get log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }
}
