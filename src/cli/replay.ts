/**
 * `replay <messageId>`: puts a failed message back on its queue, or, with `--delivered --reason`, sends a
 * delivered one again (e.g. after the EHR was restored from a backup). Either way the ledger records who asked
 * (`--as`, by default the user running the command) and, for a delivered message, why.
 */
import { userInfo } from 'node:os';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { ReplayDeps } from '../app/replay';
import { replayDeliveredMessage, replayMessage } from '../app/replay';
import type { OpenDeps } from './deps';
import { runCommand } from './deps';

export interface ReplayOptions {
  readonly who: string;
  /** Given: the message must be delivered, and this is why it is sent again. */
  readonly deliveredReason?: string;
}

/** Exit 0 when the message is queued again, 1 (with the reason on `out`) when it cannot be. */
export async function replayCommand(
  id: string,
  options: ReplayOptions,
  deps: ReplayDeps,
  out: Writable,
): Promise<number> {
  const result =
    options.deliveredReason === undefined
      ? await replayMessage(id, options.who, deps)
      : await replayDeliveredMessage(id, options.who, options.deliveredReason, deps);
  switch (result.kind) {
    case 'replayed':
      out.write(`queued ${id} again (replayed by ${options.who})\n`);
      return 0;
    case 'missing':
      out.write(`no message with id ${id}\n`);
      return 1;
    case 'purged':
      out.write(`${id} cannot be replayed: its body was purged under the retention policy at ${result.purgedAt}\n`);
      return 1;
    case 'not-failed':
      out.write(`${id} is ${result.status}: only failed messages are replayed (a delivered one needs --delivered)\n`);
      return 1;
    case 'not-delivered':
      out.write(`${id} is ${result.status}, not delivered: replay it without --delivered\n`);
      return 1;
  }
}

/** Adds `replay <messageId> [--delivered --reason <text>] [--as <name>]`. */
export function registerReplay(program: Command, open: OpenDeps): void {
  program
    .command('replay <messageId>')
    .description('put a failed message back on its queue, or send a delivered one again with --delivered')
    .option('--delivered', 'the message was delivered: send it again (needs --reason)')
    .option('--reason <text>', 'why a delivered message is sent again (recorded in the ledger)')
    .option('--as <name>', 'who is replaying (recorded in the ledger)', userInfo().username)
    .action(async (id: string, options: { delivered?: boolean; reason?: string; as: string }) => {
      if (options.delivered === true && (options.reason === undefined || options.reason.trim() === '')) {
        throw new Error('--reason: replaying a delivered message needs a reason (it is recorded in the ledger)');
      }
      if (options.delivered !== true && options.reason !== undefined) {
        throw new Error('--reason is only used with --delivered');
      }
      await runCommand(open, async (deps) =>
        replayCommand(
          id,
          { who: options.as, ...(options.delivered === true ? { deliveredReason: options.reason?.trim() } : {}) },
          { store: deps.store().messages, queues: deps.queues(), now: deps.now },
          process.stdout,
        ),
      );
    });
}
