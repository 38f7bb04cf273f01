// The zod translator: one issue per problem, each naming its field in the bracket dialect and telling a missing
// field from one of the wrong type.
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { z } from 'zod';
import { ERROR_CODE_SYSTEM } from '../../../src/lib/error-catalogue';
import { parseWithOutcome, zodOutcomeIssues, zodProblems } from '../../../src/lib/zod-outcome';

const schema = z.strictObject({
  name: z.string().max(5),
  count: z.int().min(0),
  colour: z.enum(['red', 'green']),
  flag: z.boolean().optional(),
  reasons: z.array(z.strictObject({ snomed: z.string().regex(/^\d+$/, 'must be a SNOMED CT code') })).optional(),
  measures: z.object({ items: z.array(z.number().min(1).max(5)) }).optional(),
  when: z.iso
    .datetime({ message: 'must be a date-time' })
    .or(z.iso.date({ message: 'must be a date' }))
    .optional(),
});

const valid = { name: 'Ada', count: 2, colour: 'red' };

function problems(input: unknown): { expression: string; error: string; message: string }[] {
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    throw new Error('expected the input to fail');
  }
  return zodProblems(parsed.error, input).map(({ expression, error, message }) => ({ expression, error, message }));
}

test('a missing field is required', () => {
  expect(problems({ count: 2, colour: 'red' })).toEqual([
    { expression: 'name', error: 'field-missing', message: 'is required' },
  ]);
});

test('a field sent as undefined counts as missing', () => {
  expect(problems({ ...valid, count: undefined })).toEqual([
    { expression: 'count', error: 'field-missing', message: 'is required' },
  ]);
});

test('a present field of the wrong type says what was expected, never that it is required', () => {
  expect(problems({ ...valid, name: 5, count: 1.5, flag: 'yes', reasons: 'lonely' })).toEqual([
    { expression: 'name', error: 'field-wrong-type', message: 'expected a string' },
    { expression: 'count', error: 'field-wrong-type', message: 'expected an integer' },
    { expression: 'flag', error: 'field-wrong-type', message: 'expected true or false' },
    { expression: 'reasons', error: 'field-wrong-type', message: 'expected an array' },
  ]);
});

test('null is a value of the wrong type, not a missing field', () => {
  expect(problems({ ...valid, name: null })).toEqual([
    { expression: 'name', error: 'field-wrong-type', message: 'expected a string' },
  ]);
});

test('a string that is too long keeps the length check in its message', () => {
  const [problem] = problems({ ...valid, name: 'Adelaide' });
  expect(problem?.expression).toBe('name');
  expect(problem?.error).toBe('field-invalid');
  expect(problem?.message).toContain('5');
});

test('a value outside an enum is invalid and names the allowed values', () => {
  const [problem] = problems({ ...valid, colour: 'blue' });
  expect(problem?.expression).toBe('colour');
  expect(problem?.error).toBe('field-invalid');
  expect(problem?.message).toContain('"red"');
  expect(problem?.message).toContain('"green"');
});

test('fields inside arrays and nested objects are named with brackets and dots', () => {
  expect(
    problems({
      ...valid,
      reasons: [{ snomed: '123' }, { snomed: 'abc' }, {}],
      measures: { items: [1, 2, 9] },
    }).map((p) => [p.expression, p.message]),
  ).toEqual([
    ['reasons[1].snomed', 'must be a SNOMED CT code'],
    ['reasons[2].snomed', 'is required'],
    ['measures.items[2]', expect.stringContaining('5')],
  ]);
});

test('each unknown field is its own problem, at its own path', () => {
  expect(problems({ ...valid, size: 1, shape: 'round', reasons: [{ snomed: '1', note: 'x' }] })).toEqual([
    { expression: 'reasons[0].note', error: 'field-unknown', message: 'is not a known field' },
    { expression: 'size', error: 'field-unknown', message: 'is not a known field' },
    { expression: 'shape', error: 'field-unknown', message: 'is not a known field' },
  ]);
});

test('a problem with the document itself is named $this', () => {
  expect(problems([1, 2])).toEqual([{ expression: '$this', error: 'field-wrong-type', message: 'expected an object' }]);
  expect(problems(undefined)).toEqual([{ expression: '$this', error: 'field-missing', message: 'is required' }]);
});

test('a union whose options all fail on the value gives the message of each option', () => {
  expect(problems({ ...valid, when: 'soon' })).toEqual([
    { expression: 'when', error: 'field-invalid', message: 'must be a date-time; must be a date' },
  ]);
  expect(problems({ ...valid, when: 5 })).toEqual([
    { expression: 'when', error: 'field-wrong-type', message: 'expected a string' },
  ]);
});

test('a value parsed on its own is named from where it sits, e.g. one query parameter', () => {
  const format = z.enum(['json', 'csv']);
  const parsed = format.safeParse('xml');
  expect(parsed.success).toBe(false);
  if (!parsed.success) {
    expect(zodProblems(parsed.error, 'xml', ['format']).map((p) => [p.path, p.expression])).toEqual([
      [['format'], 'format'],
    ]);
  }
});

test('issues carry the catalogue code, the FHIR issue type and a text starting with the expression', () => {
  const input = { ...valid, name: undefined, count: 'two', colour: 'blue', extra: true };
  const parsed = schema.safeParse(input);
  expect(parsed.success).toBe(false);
  const issues: OperationOutcomeIssue[] = parsed.success ? [] : zodOutcomeIssues(parsed.error, input);
  expect(issues.map((i) => [i.code, i.details?.coding, i.expression, i.details?.text?.split(':')[0]])).toEqual([
    ['required', [{ system: ERROR_CODE_SYSTEM, code: 'field-missing' }], ['name'], 'name'],
    ['structure', [{ system: ERROR_CODE_SYSTEM, code: 'field-wrong-type' }], ['count'], 'count'],
    ['value', [{ system: ERROR_CODE_SYSTEM, code: 'field-invalid' }], ['colour'], 'colour'],
    ['structure', [{ system: ERROR_CODE_SYSTEM, code: 'field-unknown' }], ['extra'], 'extra'],
  ]);
  expect(issues[0]?.details?.text).toBe('name: is required');
  expect(issues.every((i) => i.severity === 'error')).toBe(true);
});

test('the value sent is never repeated in a message', () => {
  const secret = '9434765918-private';
  const input = { ...valid, name: secret, colour: secret, count: secret, reasons: [{ snomed: secret }] };
  const parsed = schema.safeParse(input);
  const issues = parsed.success ? [] : zodOutcomeIssues(parsed.error, input);
  expect(issues.length).toBeGreaterThan(0);
  expect(JSON.stringify(issues)).not.toContain(secret);
});

test('parseWithOutcome gives the parsed data, or the issues', () => {
  expect(parseWithOutcome(schema, valid)).toEqual({ ok: true, data: valid });
  const failed = parseWithOutcome(schema, { ...valid, count: -1 });
  expect(failed.ok).toBe(false);
  expect(failed.ok ? [] : failed.issues.map((i) => i.expression)).toEqual([['count']]);
});

test('a refinement may say that a field it checks is missing', () => {
  const conditional = z.strictObject({ method: z.string(), referrer: z.string().optional() }).superRefine((v, ctx) => {
    if (v.method !== 'self' && v.referrer === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['referrer'],
        message: 'is required here',
        params: { fieldError: 'field-missing' },
      });
    }
  });
  const parsed = conditional.safeParse({ method: 'gp' });
  expect(parsed.success).toBe(false);
  const found = parsed.success ? [] : zodProblems(parsed.error, { method: 'gp' });
  expect(found.map(({ expression, error }) => ({ expression, error }))).toEqual([
    { expression: 'referrer', error: 'field-missing' },
  ]);
});

test('an unknown fieldError in a refinement is an invalid field', () => {
  const odd = z.string().superRefine((_v, ctx) => {
    ctx.addIssue({ code: 'custom', message: 'odd', params: { fieldError: 'made-up' } });
  });
  const parsed = odd.safeParse('x');
  const found = parsed.success ? [] : zodProblems(parsed.error, 'x');
  expect(found.map((p) => p.error)).toEqual(['field-invalid']);
});
