/**
 * Checkpointed ledger verification: a successful verify records the last entry it found good (sequence number,
 * stream id, chain hash) under a seal, and the next verify re-reads only the entries after it. The seal is an
 * HMAC-SHA-256 with the configured checkpoint secret, or a plain SHA-256 without one; either way a checkpoint
 * whose fields were edited, or which no longer matches the entry it names, is refused rather than trusted.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { chainRuleOf } from '../store/canonical';
import type { AuditLedger } from '../store/ledger';
import type { StoredCheckpoint } from '../store/ledger-checkpoint';
import type { VerifiedPoint, VerifyReport } from './verify';
import { verifyLedger } from './verify';

export interface CheckpointOptions {
  /** Re-read every entry from the first, ignoring the checkpoint (which is still renewed when the chain verifies). */
  readonly full?: boolean;
  /** The HMAC key of the seal (`audit.checkpointSecret`); without one the seal is a plain hash. */
  readonly secret?: string;
}

/** The sealed text: every field of the checkpoint but the seal, one per line, in a fixed order. */
function sealed(point: VerifiedPoint, at: string): string {
  return ['sp-fhir-adapter ledger checkpoint v1', String(point.seq), point.id, point.hash, at].join('\n');
}

export function sealCheckpoint(point: VerifiedPoint, at: string, secret?: string): StoredCheckpoint {
  const text = sealed(point, at);
  return secret === undefined
    ? { ...point, at, alg: 'sha256', seal: createHash('sha256').update(text).digest('hex') }
    : { ...point, at, alg: 'hmac-sha256', seal: createHmac('sha256', secret).update(text).digest('hex') };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Why a stored checkpoint may not be used, or undefined when it may: its seal must be the one this configuration
 * makes (so a checkpoint sealed without the secret is refused once a secret is configured), and the entry it names
 * must still be there with the same sequence number and hash, and that entry's own content must still hash to it.
 */
export async function checkpointProblem(
  ledger: AuditLedger,
  checkpoint: StoredCheckpoint,
  secret: string | undefined,
): Promise<string | undefined> {
  const expected = sealCheckpoint(checkpoint, checkpoint.at, secret);
  if (checkpoint.alg !== expected.alg || !sameText(checkpoint.seal, expected.seal)) {
    return secret === undefined
      ? 'the checkpoint was changed after a verify wrote it (its seal does not match)'
      : 'the checkpoint is not sealed with the configured checkpoint secret';
  }
  const [entry] = await ledger.range(checkpoint.id, checkpoint.id, 1);
  if (entry?.seq !== checkpoint.seq || entry.hash !== checkpoint.hash) {
    return `the checkpoint names entry ${String(checkpoint.seq)} (${checkpoint.id}), which the ledger no longer holds as it was`;
  }
  if (chainRuleOf(entry.pairs, entry.hash) === undefined) {
    return `the checkpoint's entry ${String(checkpoint.seq)} was changed after it was written`;
  }
  return undefined;
}

/**
 * Verifies the chain from the checkpoint (or from the first entry with `full`, or when there is none yet), and
 * on success moves the checkpoint to the verified head. A checkpoint that fails its checks makes the verify fail
 * with `checkpoint-mismatch`; `--full` then shows whether the chain itself is intact.
 */
export async function verifyFromCheckpoint(
  ledger: AuditLedger,
  now: Date,
  options: CheckpointOptions = {},
): Promise<VerifyReport> {
  const stored = options.full === true ? undefined : await ledger.checkpoints.read();
  if (stored !== undefined) {
    const problem = await checkpointProblem(ledger, stored, options.secret);
    if (problem !== undefined) {
      const head = await ledger.head();
      return {
        ok: false,
        checkedAt: now.toISOString(),
        entries: 0,
        headSeq: head.seq,
        ...(head.hash !== undefined ? { headHash: head.hash } : {}),
        lastGoodSeq: 0,
        rule1Entries: 0,
        fromSeq: stored.seq,
        firstBroken: { seq: stored.seq, reason: 'checkpoint-mismatch', detail: problem },
      };
    }
  }
  const report = await verifyLedger(
    ledger,
    now,
    stored === undefined ? undefined : { seq: stored.seq, id: stored.id, hash: stored.hash },
  );
  if (report.ok && report.lastGoodId !== undefined && report.headHash !== undefined) {
    const point = { seq: report.lastGoodSeq, id: report.lastGoodId, hash: report.headHash };
    await ledger.checkpoints.write(sealCheckpoint(point, report.checkedAt, options.secret));
  }
  return report;
}
