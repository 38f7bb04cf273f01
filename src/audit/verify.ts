/**
 * Recomputes the ledger's hash chain from the first entry to the head and reports the first broken link: an
 * entry whose content was changed (its hash no longer matches), removed or reordered (its sequence number or
 * `prev` does not follow on), or a head that does not match the last entry (entries cut off the end). Entries
 * written under either chain rule (store/canonical.ts) verify, so a ledger begun before the content digest keeps
 * verifying across the change, in any mix. Given a starting point (a checkpoint, see checkpoint.ts), it reads only
 * the entries after it and chains on from the hash recorded there.
 */
import { GENESIS_HASH, chainRuleOf } from '../store/canonical';
import type { AuditLedger } from '../store/ledger';

export type BreakReason =
  | 'hash-mismatch'
  | 'sequence-gap'
  | 'prev-mismatch'
  | 'head-mismatch'
  | 'unchained'
  /** The checkpoint a verify was to start from is not one a verify wrote, or no longer matches its entry. */
  | 'checkpoint-mismatch';

export interface BrokenLink {
  /** Stream id of the first entry that does not verify (absent when the head itself is wrong). */
  readonly id?: string;
  readonly seq?: number;
  readonly expectedSeq?: number;
  readonly reason: BreakReason;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly entries: number;
  readonly headSeq: number;
  readonly headHash?: string;
  /** Sequence number of the last entry verified before the first break (or the last entry, when ok). */
  readonly lastGoodSeq: number;
  /** Stream id of the entry at lastGoodSeq (absent for an empty ledger or a break at the first entry read). */
  readonly lastGoodId?: string;
  /** How many of the verified entries were hashed under chain rule 1 (written before the content digest). */
  readonly rule1Entries: number;
  /** The entry the verify started after (a checkpoint), or absent when it started from the first entry. */
  readonly fromSeq?: number;
  readonly firstBroken?: BrokenLink;
}

/** A point of the chain already verified: the entry at `seq` has stream id `id` and chain hash `hash`. */
export interface VerifiedPoint {
  readonly seq: number;
  readonly id: string;
  readonly hash: string;
}

export async function verifyLedger(ledger: AuditLedger, now: Date, from?: VerifiedPoint): Promise<VerifyReport> {
  const head = await ledger.head();
  let expectedSeq = (from?.seq ?? 0) + 1;
  let prevHash = from?.hash ?? GENESIS_HASH;
  let lastGoodId = from?.id;
  let entries = 0;
  let rule1Entries = 0;
  let firstBroken: BrokenLink | undefined;
  for await (const entry of ledger.scan(from === undefined ? '-' : `(${from.id}`)) {
    entries += 1;
    if (firstBroken !== undefined) {
      continue;
    }
    if (entry.hash === '' || Number.isNaN(entry.seq)) {
      firstBroken = { id: entry.id, reason: 'unchained', detail: 'entry has no sequence number or hash' };
    } else if (entry.seq !== expectedSeq) {
      firstBroken = {
        id: entry.id,
        seq: entry.seq,
        expectedSeq,
        reason: 'sequence-gap',
        detail: `expected entry ${String(expectedSeq)}, found ${String(entry.seq)}: entries were removed or reordered`,
      };
    } else if (entry.prev !== prevHash) {
      firstBroken = {
        id: entry.id,
        seq: entry.seq,
        reason: 'prev-mismatch',
        detail: 'the entry does not point at the hash of the entry before it',
      };
    } else {
      const rule = chainRuleOf(entry.pairs, entry.hash);
      if (rule === undefined) {
        firstBroken = {
          id: entry.id,
          seq: entry.seq,
          reason: 'hash-mismatch',
          detail: 'the entry was changed after it was written',
        };
      } else {
        rule1Entries += rule === 1 ? 1 : 0;
        expectedSeq += 1;
        prevHash = entry.hash;
        lastGoodId = entry.id;
      }
    }
  }
  const lastGoodSeq = expectedSeq - 1;
  if (firstBroken === undefined && (head.seq !== lastGoodSeq || (head.hash ?? GENESIS_HASH) !== prevHash)) {
    firstBroken = {
      expectedSeq: head.seq,
      reason: 'head-mismatch',
      detail: `the head records entry ${String(head.seq)} but the ledger ends at entry ${String(lastGoodSeq)}: entries were removed from the end`,
    };
  }
  return {
    ok: firstBroken === undefined,
    checkedAt: now.toISOString(),
    entries,
    headSeq: head.seq,
    ...(head.hash !== undefined ? { headHash: head.hash } : {}),
    lastGoodSeq,
    ...(lastGoodId !== undefined ? { lastGoodId } : {}),
    rule1Entries,
    ...(from !== undefined ? { fromSeq: from.seq } : {}),
    ...(firstBroken !== undefined ? { firstBroken } : {}),
  };
}
