/**
 * Valid inbound documents for tests, built from the examples shipped in examples/ so the README's curl examples
 * are exercised too. Each call returns a fresh deep copy with a unique record id unless told otherwise.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GoalMessage, OutcomeNoteMessage, ReferralMessage } from '../../src/messages/schemas';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

function load<T>(file: string): T {
  return JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as T;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function referralDoc(overrides: Partial<ReferralMessage> = {}): ReferralMessage {
  const doc = load<ReferralMessage>('referral.json');
  return { ...doc, source: { ...doc.source, recordId: uniqueId('REF') }, ...overrides };
}

export function goalDoc(referralId: string, overrides: Partial<GoalMessage> = {}): GoalMessage {
  const doc = load<GoalMessage>('goal.json');
  return { ...doc, source: { ...doc.source, recordId: uniqueId('GOAL') }, referralId, ...overrides };
}

export function outcomeNoteDoc(referralId: string, overrides: Partial<OutcomeNoteMessage> = {}): OutcomeNoteMessage {
  const doc = load<OutcomeNoteMessage>('outcome-note.json');
  return { ...doc, source: { ...doc.source, recordId: uniqueId('NOTE') }, referralId, ...overrides };
}
