// When the 202 warns that PRSB requires an episode's risks: an accepted referral, an outcome note or a support plan
// of an episode that has never recorded them; never a received referral, a goal, a connection or a retraction, and
// never once the episode (or the message itself) has recorded them.
import { risksWarning } from '../../../src/messages/prsb-warnings';
import type { InboundMessage, MessageKind } from '../../../src/messages/schemas';
import { validateInbound } from '../../../src/messages/validate';
import { journeyBody } from '../../support/fixtures';

const NOW = new Date('2026-11-20T12:00:00Z');
const NO_KNOWN_RISKS = { assessedAt: '2026-10-06T10:00:00Z', noKnownRisks: true };

function message(kind: MessageKind, file: string, changes: Record<string, unknown> = {}): InboundMessage {
  const result = validateInbound(kind, { ...(journeyBody(`d-re-referral/${file}`) as object), ...changes }, NOW);
  if (!result.ok) {
    throw new Error(JSON.stringify(result.issues));
  }
  return result.message;
}

test.each([
  ['an accepted referral', message('referral', '01-referral.json', { status: 'accepted' }), true],
  [
    'a received referral',
    message('referral', '01-referral.json', { status: 'received', respondedAt: undefined }),
    false,
  ],
  ['an in-progress referral', message('referral', '01-referral.json'), false],
  [
    'an accepted referral with risks',
    message('referral', '01-referral.json', { status: 'accepted', risks: NO_KNOWN_RISKS }),
    false,
  ],
  ['an outcome note', message('outcome-note', '07-contact.json'), true],
  ['an outcome note with risks', message('outcome-note', '07-contact.json', { risks: NO_KNOWN_RISKS }), false],
  ['a retraction of an outcome note', message('outcome-note', '08-contact.json'), false],
  ['a support plan', message('support-plan', '02-support-plan.json'), true],
  ['a connection', message('connection', '03-connection.json'), false],
])('%s of an episode without risks: warned %s', (_name, msg, warned) => {
  const warning = risksWarning(msg, false);
  expect(warning === undefined ? undefined : [warning.severity, warning.code, warning.expression]).toEqual(
    warned ? ['warning', 'incomplete', ['risks']] : undefined,
  );
  expect(risksWarning(msg, true)).toBeUndefined();
});
