/**
 * The ledger block: the keys and arguments a script that appends a ledger entry passes after its own (the layout
 * is described in lua/append-ledger.lua). Built in one place so every such script indexes entries alike.
 */
import type { MessageKeys } from './keys';
import { contentDigest } from './canonical';
import { ledgerIndexKeys, ledgerIndexWrites } from './ledger-keys';
import { fieldPairs } from './lua-script';

export interface LedgerBlock {
  readonly keys: readonly string[];
  readonly args: readonly string[];
}

/**
 * The block for an entry with these fields (none: the script appends nothing). `at` is the event time that scores
 * the entry in the sorted-set indexes; without it only the message's timeline is written. The fields' content
 * digest is computed here, in Node, so the script hashes only a short fixed input (canonical.ts, rule 2).
 */
export function ledgerBlock(
  keys: MessageKeys,
  fields: Readonly<Record<string, string>> | undefined,
  at?: Date,
): LedgerBlock {
  const writes =
    fields === undefined
      ? { lists: [], messageSets: [], entrySets: [], messageId: '' }
      : ledgerIndexWrites(ledgerIndexKeys(keys.ledger), fields, at !== undefined);
  const pairs = fields === undefined ? [] : fieldPairs(fields);
  return {
    keys: [keys.ledger, keys.ledgerHead, ...writes.lists, ...writes.messageSets, ...writes.entrySets],
    args: [
      at === undefined ? '' : String(at.getTime()),
      writes.messageId,
      String(writes.lists.length),
      String(writes.messageSets.length),
      String(writes.entrySets.length),
      pairs.length === 0 ? '' : contentDigest(pairs),
      ...pairs,
    ],
  };
}
