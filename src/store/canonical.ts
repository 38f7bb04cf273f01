/**
 * The chain rules of the ledger, mirrored from lua/append-ledger.lua. Both encode names and values as netstrings
 * (`<byte length>:<bytes>,`), so no two different entries encode to the same bytes whatever their values contain.
 *
 * - Rule 1 (entries written before the content digest): the hash is SHA-256 over the netstrings of every stored
 *   name and value in order, `seq` and `prev` first.
 * - Rule 2 (every entry written now): Node hashes the entry's content (its event fields, without `seq` and
 *   `prev`) into a 32-byte content digest, and the append script, which alone knows `seq` and `prev`, hashes the
 *   short fixed input `2:v2,` + netstring(seq) + netstring(prev as 32 bytes) + netstring(content digest). Its input
 *   starts with `2:v2,`, which no rule-1 input does (they start with `3:seq,`), so an entry can match one rule only.
 */
import { createHash } from 'node:crypto';

/** The `prev` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The tag that opens every rule-2 chain input (a netstring, so it is itself unambiguous). */
const RULE_2_TAG = '2:v2,';

const HEX_HASH = /^[0-9a-f]{64}$/;

export type ChainRule = 1 | 2;

export function netstring(value: string): string {
  return `${String(Buffer.byteLength(value, 'utf8'))}:${value},`;
}

/** Rule 1: SHA-256 (hex) of the canonical form of a flat [name, value, ...] list (everything stored but `hash`). */
export function legacyEntryHash(pairs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of pairs) {
    hash.update(netstring(part), 'utf8');
  }
  return hash.digest('hex');
}

/** Rule 2's content digest (hex) of an entry's event fields as a flat [name, value, ...] list. */
export function contentDigest(fieldPairs: readonly string[]): string {
  return legacyEntryHash(fieldPairs);
}

/** Rule 2's chain hash (hex) of an entry from its sequence number, the previous hash and its content digest. */
export function chainHash(seq: string, prev: string, digest: string): string {
  const hash = createHash('sha256');
  hash.update(RULE_2_TAG, 'utf8');
  hash.update(netstring(seq), 'utf8');
  hash.update('32:', 'utf8');
  hash.update(Buffer.from(prev, 'hex'));
  hash.update(',32:', 'utf8');
  hash.update(Buffer.from(digest, 'hex'));
  hash.update(',', 'utf8');
  return hash.digest('hex');
}

/**
 * The hash an entry written now carries (rule 2), from everything stored but `hash`: `seq` and `prev` first, then
 * the event fields. An empty string, never a valid hash, when the list is not of that shape.
 */
export function entryHash(pairs: readonly string[]): string {
  const [seqName, seq, prevName, prev] = pairs;
  if (seqName !== 'seq' || prevName !== 'prev' || seq === undefined || prev === undefined || !HEX_HASH.test(prev)) {
    return '';
  }
  return chainHash(seq, prev, contentDigest(pairs.slice(4)));
}

/** Which rule the stored hash was computed under, or undefined when it matches neither (the entry was altered). */
export function chainRuleOf(pairs: readonly string[], hash: string): ChainRule | undefined {
  if (hash === '') {
    return undefined;
  }
  if (entryHash(pairs) === hash) {
    return 2;
  }
  return legacyEntryHash(pairs) === hash ? 1 : undefined;
}
