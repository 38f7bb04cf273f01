// Every status change between two versions of a referral, goal or connection, judged against the documented rules.
import {
  connectionTransitionProblem,
  goalTransitionProblem,
  statusTransitionIssue,
} from '../../../src/messages/domain-rules';
import type {
  ConnectionMessage,
  ConnectionStatus,
  GoalMessage,
  GoalStatus,
  OutcomeNoteMessage,
} from '../../../src/messages/schemas';
import { CONNECTION_STATUSES, GOAL_STATUSES } from '../../../src/messages/schemas';
import { readFileSync } from 'node:fs';
import path from 'node:path';

function pairs<T extends string>(values: readonly T[]): [T, T][] {
  return values.flatMap((from) => values.map((to): [T, T] => [from, to]));
}

/** The goal changes the rules refuse; every other pair (including staying put) is accepted. */
const REFUSED_GOAL_CHANGES = new Set([
  'active->proposed',
  'achieved->proposed',
  'not-achieved->proposed',
  'cancelled->proposed',
  'achieved->cancelled',
  'not-achieved->cancelled',
]);

/** The connection changes the rules refuse; every other pair (including staying put) is accepted. */
const REFUSED_CONNECTION_CHANGES = new Set([
  'attended->suggested',
  'attended->referred',
  'attended->declined',
  'attended->not-possible',
  'referred->suggested',
]);

test.each(pairs<GoalStatus>(GOAL_STATUSES))('goal %s -> %s', (from, to) => {
  const problem = goalTransitionProblem(from, to);
  if (REFUSED_GOAL_CHANGES.has(`${from}->${to}`)) {
    expect(problem).toMatch(new RegExp(`^the goal is already ${from}; `));
  } else {
    expect(problem).toBeUndefined();
  }
});

test.each(pairs<ConnectionStatus>(CONNECTION_STATUSES))('connection %s -> %s', (from, to) => {
  const problem = connectionTransitionProblem(from, to);
  if (REFUSED_CONNECTION_CHANGES.has(`${from}->${to}`)) {
    expect(problem).toMatch(/^the (connection is already attended|referral to this organisation has been made)/);
  } else {
    expect(problem).toBeUndefined();
  }
});

test('the reopening and correction cases named in docs/mapping.md are accepted', () => {
  expect(goalTransitionProblem('not-achieved', 'active')).toBeUndefined();
  expect(goalTransitionProblem('achieved', 'active')).toBeUndefined();
  expect(goalTransitionProblem('cancelled', 'active')).toBeUndefined();
  expect(goalTransitionProblem('not-achieved', 'achieved')).toBeUndefined();
  expect(connectionTransitionProblem('declined', 'referred')).toBeUndefined();
  expect(connectionTransitionProblem('not-possible', 'suggested')).toBeUndefined();
});

function load(...segments: string[]): unknown {
  return JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', ...segments), 'utf8'));
}

const GOAL = load('examples', 'goal.json') as GoalMessage;
const CONNECTION = (
  load('test', 'fixtures', 'journeys', 'a-quick-connection', '03-connection.json') as {
    body: ConnectionMessage;
  }
).body;
const NOTE = load('examples', 'outcome-note.json') as OutcomeNoteMessage;

test('a refused change becomes a business-rule issue naming status, for goals and connections alike', () => {
  const statusIssue: unknown = expect.objectContaining({
    severity: 'error',
    code: 'business-rule',
    expression: ['status'],
  });
  expect(statusTransitionIssue({ kind: 'goal', body: { ...GOAL, status: 'proposed' } }, 'active')).toEqual(statusIssue);
  expect(
    statusTransitionIssue({ kind: 'connection', body: { ...CONNECTION, status: 'suggested' } }, 'attended'),
  ).toEqual(statusIssue);
  expect(statusTransitionIssue({ kind: 'goal', body: { ...GOAL, status: 'active' } }, 'not-achieved')).toBeUndefined();
});

test('kinds without a lifecycle, and a previous status the rules do not know, are never refused', () => {
  expect(statusTransitionIssue({ kind: 'outcome-note', body: NOTE }, 'attended')).toBeUndefined();
  expect(statusTransitionIssue({ kind: 'goal', body: { ...GOAL, status: 'proposed' } }, 'on-hold')).toBeUndefined();
});
