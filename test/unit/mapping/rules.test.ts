// Score rules, status mappings and the input rules that need more than a schema.
import { CONNECTION_STATUS_TO_FHIR } from '../../../src/mapping/connection';
import { GOAL_STATUS_TO_FHIR, goalPriority } from '../../../src/mapping/goal';
import { REFERRAL_STATUS_TO_FHIR, mapReferralRequest } from '../../../src/mapping/referral';
import { sum, swemwbsMetricScore } from '../../../src/mapping/scores';
import { referralTransitionProblem } from '../../../src/messages/domain-rules';
import { validateInbound } from '../../../src/messages/validate';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const NOW = new Date('2026-11-20T12:00:00Z');
const fixture = (file: string): { kind: 'referral' | 'connection' | 'support-plan'; body: Record<string, unknown> } =>
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'journeys', file), 'utf8')) as {
    kind: 'referral';
    body: Record<string, unknown>;
  };

test.each([
  [7, 7.0],
  [8, 9.51],
  [21, 19.25],
  [28, 25.03],
  [35, 35.0],
])('SWEMWBS raw %i converts to metric %d', (raw, metric) => {
  expect(swemwbsMetricScore(raw)).toBe(metric);
});

test.each([6, 36, 20.5])('SWEMWBS raw %d is outside the table', (raw) => {
  expect(() => swemwbsMetricScore(raw)).toThrow(RangeError);
});

test('totals add the item values', () => {
  expect(sum([3, 3, 2, 3, 4, 3, 3])).toBe(21);
});

test('referral, goal and connection statuses map to FHIR', () => {
  expect(REFERRAL_STATUS_TO_FHIR).toEqual({
    received: 'active',
    accepted: 'active',
    'in-progress': 'active',
    completed: 'completed',
    declined: 'revoked',
    withdrawn: 'revoked',
  });
  expect(CONNECTION_STATUS_TO_FHIR).toEqual({
    suggested: 'draft',
    referred: 'active',
    attended: 'completed',
    declined: 'revoked',
    'not-possible': 'revoked',
  });
  expect(GOAL_STATUS_TO_FHIR.achieved).toEqual({ lifecycleStatus: 'completed', achievement: 'achieved' });
  expect([1, 3, 4, 7, 8, 10].map((i) => goalPriority(i).coding?.[0]?.code)).toEqual([
    'low-priority',
    'low-priority',
    'medium-priority',
    'medium-priority',
    'high-priority',
    'high-priority',
  ]);
});

test.each([
  ['completed', 'received', true],
  ['in-progress', 'accepted', true],
  ['declined', 'accepted', true],
  ['received', 'accepted', false],
  ['accepted', 'completed', false],
  ['in-progress', 'withdrawn', false],
  ['completed', 'completed', false],
] as const)('referral %s -> %s rejected: %s', (from, to, rejected) => {
  expect(referralTransitionProblem(from, to) !== undefined).toBe(rejected);
});

function paths(kind: 'referral' | 'connection' | 'support-plan', body: unknown): string[] {
  const result = validateInbound(kind, body, NOW);
  return result.ok ? [] : result.issues.flatMap((i) => i.expression ?? []);
}

test('a declined referral needs a status reason', () => {
  const { body } = fixture('a-quick-connection/01-referral.json');
  expect(paths('referral', { ...body, status: 'declined' })).toEqual(['statusReason']);
  expect(paths('referral', { ...body, status: 'declined', statusReason: { code: 'patient-declined' } })).toEqual([]);
});

test('a closure must come after the referral and only with an ended status', () => {
  const { body } = fixture('a-quick-connection/04-closure.json');
  const closure = body.closure as Record<string, unknown>;
  expect(paths('referral', { ...body, closure: { ...closure, closedAt: '2026-09-01T00:00:00Z' } })).toEqual([
    'closure.closedAt',
  ]);
  expect(paths('referral', { ...body, status: 'accepted' })).toEqual(['closure']);
});

test('a connection that is not possible names its barriers', () => {
  const { body } = fixture('c-link-worker-only/03-connection.json');
  expect(paths('connection', { ...body, barriers: [] })).toEqual(['barriers']);
});

test('a support plan refers only to its own needs and goals, with dates in order', () => {
  const { body } = fixture('b-anchoring/04-support-plan.json');
  const goals = body.goals as Record<string, unknown>[];
  const actions = body.actions as Record<string, unknown>[];
  expect(
    paths('support-plan', {
      ...body,
      goals: [{ ...goals[0], addresses: ['nope'], targetDate: '2026-01-01' }, goals[1]],
      actions: [{ ...actions[0], goalId: 'OTHER' }],
    }),
  ).toEqual(['goals[0].targetDate', 'goals[0].addresses[0]', 'actions[0].goalId']);
});

test('instrument item counts and ranges are enforced', () => {
  const { body } = fixture('b-anchoring/02-contact.json');
  const result = validateInbound(
    'outcome-note',
    { ...body, measures: { wemwbs: { items: [1, 2] }, ucla3: { items: [1, 2, 4] }, eq5dVas: 101 } },
    NOW,
  );
  expect(result.ok ? [] : result.issues.flatMap((i) => i.expression ?? [])).toEqual([
    'measures.wemwbs.items',
    'measures.ucla3.items[2]',
    'measures.eq5dVas',
  ]);
});

test('a self-referral names the person as the requester, a professional referral the referrer', () => {
  const ctx = { patient: { reference: 'Patient/p-1' }, recordedAt: '2026-11-20T12:00:00Z' };
  const journey = fixture('a-quick-connection/01-referral.json');
  const validated = validateInbound('referral', journey.body, NOW);
  if (!validated.ok || validated.message.kind !== 'referral') {
    throw new Error('the journey referral must be valid');
  }
  const professional = mapReferralRequest(validated.message.body, ctx);
  expect(professional.requester?.reference).toBeUndefined();
  expect(professional.requester?.display).toContain(validated.message.body.referrer?.name);

  const selfBody = { ...validated.message.body, method: 'self' as const };
  delete selfBody.referrer;
  const self = mapReferralRequest(selfBody, ctx);
  expect(self.requester).toEqual({ reference: 'Patient/p-1', display: 'Self-referral' });
});
