/**
 * Valid inbound documents for tests, built from the examples shipped in examples/ so the README's curl examples
 * are exercised too. Each call returns a fresh deep copy with a unique record id unless told otherwise.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GoalMessage, OutcomeNoteMessage, ReferralMessage } from '../../src/messages/schemas';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

function load(file: string): unknown {
  return JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8'));
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function referralDoc(overrides: Partial<ReferralMessage> = {}): ReferralMessage {
  const doc = load('referral.json') as ReferralMessage;
  return { ...doc, source: { ...doc.source, recordId: uniqueId('REF') }, ...overrides };
}

export function goalDoc(referralId: string, overrides: Partial<GoalMessage> = {}): GoalMessage {
  const doc = load('goal.json') as GoalMessage;
  return { ...doc, source: { ...doc.source, recordId: uniqueId('GOAL') }, referralId, ...overrides };
}

export function outcomeNoteDoc(referralId: string, overrides: Partial<OutcomeNoteMessage> = {}): OutcomeNoteMessage {
  const doc = load('outcome-note.json') as OutcomeNoteMessage;
  return { ...doc, source: { ...doc.source, recordId: uniqueId('NOTE') }, referralId, ...overrides };
}

/** The body of one document of the journeys in test/fixtures/journeys, e.g. `b-anchoring/04-support-plan.json`. */
export function journeyBody(file: string): unknown {
  const doc = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'journeys', file), 'utf8')) as {
    body: unknown;
  };
  return doc.body;
}
