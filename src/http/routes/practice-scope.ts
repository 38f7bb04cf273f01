/**
 * Keeps an admin's or auditor's queries inside the practices its client may see. A query naming another
 * practice is refused with 403; one naming none is narrowed to the client's practice when it has exactly one, and
 * refused when it has several (the indexes answer one practice at a time, so a page across several is not
 * offered).
 */
import type { Scope } from '../../config/client-scope';
import { permits } from '../../config/client-scope';
import { httpError } from '../errors';

export function withinPractices<Q extends { readonly practice?: string | undefined }>(query: Q, allowed: Scope): Q {
  if (allowed === '*') {
    return query;
  }
  if (query.practice !== undefined) {
    if (!permits(allowed, query.practice)) {
      throw httpError('client-not-permitted', {
        text: 'This client may not read the records of this GP practice',
        expression: 'practice',
      });
    }
    return query;
  }
  const [only, ...more] = allowed;
  if (only !== undefined && more.length === 0) {
    return { ...query, practice: only };
  }
  throw httpError('client-not-permitted', {
    text: `Name one of this client's GP practices: ${allowed.join(', ')}`,
    expression: 'practice',
  });
}

/** Ledger entries a scoped client may read: those of its practices (entries naming no practice are left out). */
export function entryInPractices(fields: Readonly<Record<string, string>>, allowed: Scope): boolean {
  return allowed === '*' || (fields.practice !== undefined && permits(allowed, fields.practice));
}
