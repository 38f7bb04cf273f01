/**
 * Turns zod's validation problems into field problems and OperationOutcome issues, one per problem, each naming
 * its field in the one expression dialect of the API (fieldExpression: `measures.swemwbs.items[3]`, `$this` for
 * the whole document) and carrying its error catalogue code.
 *
 * Zod 4 reports a missing field and a field of the wrong type alike (`invalid_type`), and says nothing about the
 * value unless asked to, so the input is looked at here: an absent field "is required", a present one was of the
 * wrong type and the text says what was expected. The value itself is never repeated: it may be patient data.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { z } from 'zod';
import { errorIssue, fieldExpression } from './outcome';

/**
 * What kind of problem a field has. A refinement may name one with `params: { fieldError }` (e.g. a field that is
 * required only because of another field's value reports `field-missing`).
 */
export type FieldError = 'field-missing' | 'field-wrong-type' | 'field-unknown' | 'field-invalid';

export interface FieldProblem {
  /** From the root of the whole document, including any `at` prefix. */
  readonly path: readonly PropertyKey[];
  readonly expression: string;
  readonly error: FieldError;
  /** What is wrong, without the field's name: "is required", "expected a string". */
  readonly message: string;
}

export type ParseResult<T> =
  { readonly ok: true; readonly data: T } | { readonly ok: false; readonly issues: OperationOutcomeIssue[] };

type ZodIssue = z.core.$ZodIssue;

/** Zod's type names, as a person would say them after "expected". */
const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  date: 'a date',
  null: 'null',
};

function expectedText(types: readonly string[]): string {
  const distinct = [...new Set(types.map((type) => EXPECTED[type] ?? `a ${type}`))];
  return `expected ${distinct.join(' or ')}`;
}

/** Whether the input holds a value (anything but undefined) at `path`. */
function isPresent(input: unknown, path: readonly PropertyKey[]): boolean {
  let current = input;
  for (const part of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) {
      return false;
    }
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current !== undefined;
}

/** The types a union's options expected, when every option failed on the value's type alone; else undefined. */
function unionTypes(issue: z.core.$ZodIssueInvalidUnion): string[] | undefined {
  const types: string[] = [];
  for (const branch of issue.errors) {
    const [only, ...more] = branch;
    if (only?.code !== 'invalid_type' || only.path.length > 0 || more.length > 0) {
      return undefined;
    }
    types.push(only.expected);
  }
  return types.length > 0 ? types : undefined;
}

/** A union whose options each failed with one message about the value itself says all those messages. */
function unionText(issue: z.core.$ZodIssueInvalidUnion): string {
  const messages = issue.errors.map((branch) =>
    branch.length === 1 && branch[0]?.path.length === 0 ? branch[0].message : undefined,
  );
  if (messages.length === 0 || messages.some((message) => message === undefined)) {
    return issue.message;
  }
  return [...new Set(messages)].join('; ');
}

function typeProblem(
  input: unknown,
  path: readonly PropertyKey[],
  types: readonly string[],
): Omit<FieldProblem, 'path' | 'expression'> {
  return isPresent(input, path)
    ? { error: 'field-wrong-type', message: expectedText(types) }
    : { error: 'field-missing', message: 'is required' };
}

const FIELD_ERRORS: readonly FieldError[] = ['field-missing', 'field-wrong-type', 'field-unknown', 'field-invalid'];

function isFieldError(value: unknown): value is FieldError {
  return (FIELD_ERRORS as readonly unknown[]).includes(value);
}

function problemsOf(issue: ZodIssue, input: unknown): { path: PropertyKey[]; error: FieldError; message: string }[] {
  if (issue.code === 'unrecognized_keys') {
    // One problem per unknown field, so each one carries its own path.
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      error: 'field-unknown',
      message: 'is not a known field',
    }));
  }
  if (issue.code === 'invalid_type') {
    return [{ path: issue.path, ...typeProblem(input, issue.path, [issue.expected]) }];
  }
  if (issue.code === 'invalid_union') {
    const types = unionTypes(issue);
    return types !== undefined
      ? [{ path: issue.path, ...typeProblem(input, issue.path, types) }]
      : [{ path: issue.path, error: 'field-invalid', message: unionText(issue) }];
  }
  if (issue.code === 'custom' && isFieldError(issue.params?.fieldError)) {
    // A refinement that knows better, e.g. a field required only because of another field's value.
    return [{ path: issue.path, error: issue.params.fieldError, message: issue.message }];
  }
  // Formats, lengths, ranges, allowed values and refinements: the schema's own message says which check failed.
  return [{ path: issue.path, error: 'field-invalid', message: issue.message }];
}

/**
 * Every problem in a failed parse of `input`.
 * @param at - where `input` sits in the document the expressions name, e.g. `['format']` for one query parameter
 *   parsed on its own.
 */
export function zodProblems(error: z.ZodError, input: unknown, at: readonly PropertyKey[] = []): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    problemsOf(issue, input).map(({ path, error: code, message }) => {
      const full = [...at, ...path];
      return { path: full, expression: fieldExpression(full), error: code, message };
    }),
  );
}

/** The issues of a failed parse; each text starts with its expression, so it reads on its own. */
export function zodOutcomeIssues(
  error: z.ZodError,
  input: unknown,
  at: readonly PropertyKey[] = [],
): OperationOutcomeIssue[] {
  return zodProblems(error, input, at).map((problem) =>
    errorIssue(problem.error, { text: `${problem.expression}: ${problem.message}`, expression: problem.expression }),
  );
}

/** Parses `input` with `schema`: the data, or the issues naming each problem. */
export function parseWithOutcome<T extends z.ZodType>(
  schema: T,
  input: unknown,
  at: readonly PropertyKey[] = [],
): ParseResult<z.output<T>> {
  const parsed = schema.safeParse(input);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, issues: zodOutcomeIssues(parsed.error, input, at) };
}
