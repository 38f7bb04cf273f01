/**
 * The canonical encoding of a ledger entry that its chain hash covers, mirrored from lua/append-ledger.lua:
 * every name and value in stored order as a netstring (`<byte length>:<bytes>,`), so no two different entries
 * can encode to the same bytes whatever their values contain.
 */
import { createHash } from 'node:crypto';

/** The `prev` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export function netstring(value: string): string {
  return `${String(Buffer.byteLength(value, 'utf8'))}:${value},`;
}

/** SHA-256 (hex) of the canonical form of a flat [name, value, ...] list (everything stored except `hash`). */
export function entryHash(pairs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of pairs) {
    hash.update(netstring(part), 'utf8');
  }
  return hash.digest('hex');
}
