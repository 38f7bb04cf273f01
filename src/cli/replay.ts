/**
 * `replay <messageId>`: puts a failed message back on its queue, or, with `--delivered --reason`, sends a
 * delivered one again (e.g. after the EHR was restored from a backup). Either way the ledger records who asked
 * (`--as`, by default the user running the command) and, for a delivered message, why. Without an id, a filter
 * (`--endpoint`, `--practice`, `--since`, `--until`) replays every failed message it matches; `--dry-run` only
 * prints how many and which. With `--documents` the id or the filter (`--endpoint`, `--practice`) names failed
 * episode documents of the Send Document route instead, sent again as the same version.
 */
import { userInfo } from 'node:os';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { MessageFilter, ReplayDeps } from '../app/replay';
import { findMessages, replayDeliveredMessage, replayMatching, replayMessage } from '../app/replay';
import type { DocumentFilter, ReplayDocumentDeps } from '../app/replay-document';
import { failedDocuments, replayDocument, replayMatchingDocuments } from '../app/replay-document';
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

export type ReplayFilter = Omit<MessageFilter, 'status' | 'allowedPractices'>;

export interface FilterReplayOptions {
  readonly who: string;
  readonly max: number;
  readonly dryRun: boolean;
  readonly json: boolean;
}

/** The failed messages the filter matches, oldest first, at most `max`. */
async function matchingFailed(
  filter: ReplayFilter,
  max: number,
  deps: ReplayDeps,
): Promise<{ ids: string[]; more: boolean }> {
  const ids: string[] = [];
  let cursor = 0;
  for (;;) {
    const page = await findMessages(
      deps.store,
      { ...filter, status: 'failed' },
      cursor,
      Math.min(100, max - ids.length + 1),
    );
    ids.push(...page.records.map((record) => record.id));
    if (ids.length > max) {
      return { ids: ids.slice(0, max), more: true };
    }
    if (page.nextCursor === undefined) {
      return { ids, more: false };
    }
    cursor = page.nextCursor;
  }
}

/**
 * Replays (or with `dryRun` lists) the failed messages the filter matches. Exit 0 when it did what was asked,
 * including when nothing matched.
 */
export async function replayFilterCommand(
  filter: ReplayFilter,
  options: FilterReplayOptions,
  deps: ReplayDeps,
  out: Writable,
): Promise<number> {
  const found = options.dryRun
    ? await matchingFailed(filter, options.max, deps)
    : await replayMatching(filter, options.who, options.max, deps).then((r) => ({
        ids: [...r.replayed],
        more: r.more,
      }));
  if (options.json) {
    out.write(
      `${JSON.stringify({ dryRun: options.dryRun, count: found.ids.length, more: found.more, ids: found.ids }, null, 2)}\n`,
    );
    return 0;
  }
  const verb = options.dryRun ? 'would replay' : `replayed (by ${options.who})`;
  out.write(
    `${verb} ${String(found.ids.length)} failed message${found.ids.length === 1 ? '' : 's'}${found.more ? ` (stopped at --max ${String(options.max)}; more match)` : ''}\n`,
  );
  for (const id of found.ids) {
    out.write(`${id}\n`);
  }
  return 0;
}

/** A single message's dry run: would `replay <id>` put it back on its queue? */
async function dryRunOne(
  id: string,
  delivered: boolean,
  deps: ReplayDeps,
  out: Writable,
  json: boolean,
): Promise<number> {
  const record = await deps.store.get(id);
  const wanted = delivered ? 'delivered' : 'failed';
  const would = record?.status === wanted && record.purgedAt === undefined;
  if (json) {
    out.write(
      `${JSON.stringify({ dryRun: true, count: would ? 1 : 0, ids: would ? [id] : [], status: record?.status ?? 'missing' }, null, 2)}\n`,
    );
  } else {
    out.write(
      would
        ? `would replay 1 message\n${id}\n`
        : `would replay 0 messages: ${id} is ${record === undefined ? 'missing' : record.purgedAt !== undefined ? 'purged' : record.status}\n`,
    );
  }
  return would ? 0 : 1;
}

export interface DocumentReplayOptions {
  readonly who: string;
  readonly max: number;
  readonly dryRun: boolean;
  readonly json: boolean;
}

/**
 * Replays (or with `dryRun` counts and lists) one failed episode document, or every one the filter matches. Exit 0
 * when it did what was asked (a filter matching nothing included); 1 when the one document named cannot be
 * replayed.
 */
export async function replayDocumentsCommand(
  target: { readonly id: string } | { readonly filter: DocumentFilter },
  options: DocumentReplayOptions,
  deps: ReplayDocumentDeps,
  out: Writable,
): Promise<number> {
  let ids: string[];
  let more = false;
  let refusal: string | undefined;
  if ('id' in target) {
    const document = await deps.documents.get(target.id);
    if (document?.status !== 'failed') {
      ids = [];
      refusal = `${target.id} is ${document?.status ?? 'missing'}: only failed documents are replayed`;
    } else if (options.dryRun) {
      ids = [target.id];
    } else {
      const result = await replayDocument(deps, target.id, options.who);
      ids = result.ok ? [target.id] : [];
      refusal = result.ok
        ? undefined
        : `${target.id} is ${result.status ?? 'missing'}: only failed documents are replayed`;
    }
  } else if (options.dryRun) {
    const found = await failedDocuments(deps, target.filter, options.max);
    ids = found.documents.map((d) => d.id);
    more = found.more;
  } else {
    const result = await replayMatchingDocuments(deps, target.filter, options.who, options.max);
    ids = [...result.replayed];
    more = result.more;
  }
  if (options.json) {
    out.write(
      `${JSON.stringify({ dryRun: options.dryRun, count: ids.length, more, documentIds: ids, ...(refusal !== undefined ? { refusal } : {}) }, null, 2)}\n`,
    );
  } else {
    const verb = options.dryRun ? 'would replay' : `replayed (by ${options.who})`;
    out.write(
      `${verb} ${String(ids.length)} failed episode document${ids.length === 1 ? '' : 's'}${more ? ` (stopped at --max ${String(options.max)}; more match)` : ''}${refusal !== undefined ? `: ${refusal}` : ''}\n`,
    );
    for (const id of ids) {
      out.write(`${id}\n`);
    }
  }
  return refusal === undefined ? 0 : 1;
}

interface ReplayFlags {
  delivered?: boolean;
  reason?: string;
  as: string;
  endpoint?: string;
  practice?: string;
  since?: string;
  until?: string;
  max: string;
  dryRun?: boolean;
  json?: boolean;
  documents?: boolean;
}

function dateOption(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) {
    return undefined;
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new Error(`${name}: "${value}" is not a date (use ISO 8601, e.g. 2026-11-02T09:00:00Z)`);
  }
  return date;
}

function filterOf(options: ReplayFlags): ReplayFilter | undefined {
  const since = dateOption('--since', options.since);
  const until = dateOption('--until', options.until);
  const filter: ReplayFilter = {
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.practice !== undefined ? { practice: options.practice } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
  return Object.keys(filter).length > 0 ? filter : undefined;
}

/**
 * Adds `replay [messageId] [--delivered --reason <text>] [filter options] [--dry-run] [--json] [--as <name>]`, and
 * `replay --documents [documentId] [--endpoint] [--practice] [--dry-run] [--json] [--as <name>]`.
 */
export function registerReplay(program: Command, open: OpenDeps): void {
  program
    .command('replay [id]')
    .description(
      'put a failed message (or every failed message a filter matches) back on its queue, or send a delivered one again with --delivered; with --documents, send failed episode documents again',
    )
    .option('--documents', 'the id or the filter names failed episode documents (Send Document over MESH)')
    .option('--delivered', 'the message was delivered: send it again (needs --reason)')
    .option('--reason <text>', 'why a delivered message is sent again (recorded in the ledger)')
    .option('--endpoint <id>', 'filter: failed messages for this endpoint')
    .option('--practice <odsCode>', 'filter: failed messages for this GP practice')
    .option('--since <time>', 'filter: failed at or after this time (ISO 8601)')
    .option('--until <time>', 'filter: failed at or before this time (ISO 8601)')
    .option('--max <n>', 'filter: replay at most this many', '1000')
    .option('--dry-run', 'print how many messages would be replayed, and their ids, without replaying')
    .option('--json', 'print the result as JSON')
    .option('--as <name>', 'who is replaying (recorded in the ledger)', userInfo().username)
    .action(async (id: string | undefined, options: ReplayFlags) => {
      if (options.documents === true) {
        await replayDocumentsAction(id, options, open);
        return;
      }
      if (options.delivered === true && (options.reason === undefined || options.reason.trim() === '')) {
        throw new Error('--reason: replaying a delivered message needs a reason (it is recorded in the ledger)');
      }
      if (options.delivered !== true && options.reason !== undefined) {
        throw new Error('--reason is only used with --delivered');
      }
      const filter = filterOf(options);
      if ((id === undefined) === (filter === undefined)) {
        throw new Error('give either a message id or a filter (--endpoint, --practice, --since, --until), not both');
      }
      if (filter !== undefined && options.delivered === true) {
        throw new Error('--delivered replays one message: give its id instead of a filter');
      }
      const max = Number(options.max);
      if (!Number.isInteger(max) || max < 1) {
        throw new Error(`--max: "${options.max}" is not a whole number of at least 1`);
      }
      await runCommand(open, async (deps) => {
        const replayDeps = { store: deps.store().messages, queues: deps.queues(), now: deps.now };
        if (filter !== undefined) {
          return replayFilterCommand(
            filter,
            { who: options.as, max, dryRun: options.dryRun === true, json: options.json === true },
            replayDeps,
            process.stdout,
          );
        }
        if (id === undefined) {
          return 2;
        }
        if (options.dryRun === true) {
          return dryRunOne(id, options.delivered === true, replayDeps, process.stdout, options.json === true);
        }
        return replayCommand(
          id,
          { who: options.as, ...(options.delivered === true ? { deliveredReason: options.reason?.trim() } : {}) },
          replayDeps,
          process.stdout,
        );
      });
    });
}

/** `replay --documents`: one document by id, or a filter of endpoint and practice (times do not apply). */
async function replayDocumentsAction(id: string | undefined, options: ReplayFlags, open: OpenDeps): Promise<void> {
  for (const [flag, value] of [
    ['--delivered', options.delivered],
    ['--reason', options.reason],
    ['--since', options.since],
    ['--until', options.until],
  ] as const) {
    if (value !== undefined) {
      throw new Error(`${flag} is not used with --documents`);
    }
  }
  const filter: DocumentFilter = {
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.practice !== undefined ? { practice: options.practice } : {}),
  };
  const hasFilter = Object.keys(filter).length > 0;
  if ((id === undefined) === !hasFilter) {
    throw new Error('give either a document id or a filter (--endpoint, --practice), not both');
  }
  const max = Number(options.max);
  if (!Number.isInteger(max) || max < 1) {
    throw new Error(`--max: "${options.max}" is not a whole number of at least 1`);
  }
  await runCommand(open, async (deps) =>
    replayDocumentsCommand(
      id !== undefined ? { id } : { filter },
      { who: options.as, max, dryRun: options.dryRun === true, json: options.json === true },
      { documents: deps.store().documents, now: deps.now },
      process.stdout,
    ),
  );
}
