/**
 * The audit API's and dashboard's query parameters as zod schemas, turned into an OperationOutcome naming each
 * bad parameter when they do not parse. Empty form fields count as absent, so a filter form can be sent as is. A
 * parameter a route does not define is refused by name: a misspelt filter must never become an unfiltered search.
 */
import { z } from 'zod';
import { MESSAGE_STATUSES } from '../../messages/record';
import { GP_PRACTICE_ODS } from '../../messages/schemas';
import type { MessageQuery } from '../../audit/search';
import type { ReconciliationQuery } from '../../audit/reconcile';
import { parseWithOutcome } from '../../lib/zod-outcome';
import { errorIssue } from '../../lib/outcome';
import { badRequest } from '../errors';

const blankAsAbsent = (value: unknown): unknown => (value === '' ? undefined : value);
// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- zod's preprocess type is internal
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsAbsent, schema.optional());
const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' })
  .or(z.iso.date({ message: 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time' }))
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value));

export const searchQuerySchema = z.object({
  messageId: optional(z.string().regex(/^[0-9a-f-]{36}$/, 'must be a message id (UUID)')),
  recordId: optional(z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'must be a source record id')),
  nhsNumber: optional(z.string().regex(/^[\d -]{10,14}$/, 'must be a 10-digit NHS number')),
  practice: optional(z.string().regex(GP_PRACTICE_ODS, 'must be a GP practice ODS code, e.g. A81001')),
  endpoint: optional(z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be an endpoint id')),
  status: optional(z.enum(MESSAGE_STATUSES)),
  from: optional(instant),
  to: optional(instant),
  page: z.preprocess(blankAsAbsent, z.coerce.number().int().min(1).max(100_000).default(1)),
  pageSize: z.preprocess(blankAsAbsent, z.coerce.number().int().min(1).max(500).default(50)),
});

export const reconciliationQuerySchema = z.object({
  practice: z.string().regex(GP_PRACTICE_ODS, 'must be a GP practice ODS code, e.g. A81001'),
  from: instant,
  to: instant,
});

export const auditEventQuerySchema = z.object({
  practice: optional(z.string().regex(GP_PRACTICE_ODS, 'must be a GP practice ODS code, e.g. A81001')),
  from: optional(instant),
  to: optional(instant),
});

export const formatSchema = z.preprocess(blankAsAbsent, z.enum(['json', 'csv', 'ndjson']).default('json'));

/**
 * Parses query parameters; each problem names its parameter alone (`from`).
 * @param at - the parameter's name when `query` is one parameter's value rather than the whole query.
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown, at: readonly string[] = []): z.output<T> {
  const result = parseWithOutcome(schema, query, at);
  if (!result.ok) {
    throw badRequest(result.issues);
  }
  return result.data;
}

/** Refuses every query parameter not in `known`, naming each one. */
export function refuseUnknownParameters(query: unknown, known: readonly string[]): void {
  const names = typeof query === 'object' && query !== null ? Object.keys(query) : [];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw badRequest(
      unknown.map((name) =>
        errorIssue('field-unknown', { text: `${name}: is not a query parameter of this route`, expression: name }),
      ),
    );
  }
}

/** The message search's filters; `extra` names further parameters the route itself reads. */
export function messageQuery(query: unknown, extra: readonly string[] = []): MessageQuery {
  refuseUnknownParameters(query, [...Object.keys(searchQuerySchema.shape), ...extra]);
  const parsed = parseQuery(searchQuerySchema, query);
  const defined = Object.entries(parsed as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return Object.fromEntries(defined) as unknown as MessageQuery;
}

/** The reconciliation's practice and period; `extra` names further parameters the route itself reads. */
export function reconciliationQuery(query: unknown, extra: readonly string[] = []): ReconciliationQuery {
  refuseUnknownParameters(query, [...Object.keys(reconciliationQuerySchema.shape), ...extra]);
  const parsed = parseQuery(reconciliationQuerySchema, query);
  if (parsed.to.getTime() <= parsed.from.getTime()) {
    throw badRequest([errorIssue('field-invalid', { text: 'to: must be after from', expression: 'to' })]);
  }
  return parsed;
}

/** The query as plain strings, for the audit-access entry. */
export function queryTarget(query: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(query).flatMap(([k, v]) => (typeof v === 'string' && v !== '' ? [[k, v]] : [])),
  );
}
