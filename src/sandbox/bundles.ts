/**
 * Checks on transaction Bundles before FhirRouter runs them, and finishing touches on the Bundles it returns.
 * Up-front checks let a bad transaction fail as a whole with entry-level expressions, before anything is written;
 * the finishing touches make every response entry carry what a client of a real server relies on.
 */
import { OperationOutcomeError, badRequest, getReferenceString, validateResource } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { hasNestedBundle } from './transaction-conditionals';

/** Throws an OperationOutcomeError (or a plain error) when a resource is invalid. */
export type ResourceValidation = (resource: Resource) => void;

/**
 * Returns a 400 OperationOutcome naming every problem in a transaction (missing request, invalid resource), or
 * undefined when the transaction may run. Batches are left to the router: their entries fail one by one.
 * `validate` is the repository's `validateAhead`, so the writes that follow do not validate the entries again.
 */
export function checkTransaction(
  bundle: Bundle,
  validate: ResourceValidation = validateResource,
): OperationOutcome | undefined {
  if (bundle.type !== 'transaction') {
    return undefined;
  }
  const issues: OperationOutcomeIssue[] = [];
  if (hasNestedBundle(bundle)) {
    issues.push(...badRequest('Bundles nested in a transaction are not supported', 'Bundle.entry.request.url').issue);
  }
  (bundle.entry ?? []).forEach((entry, index) => {
    issues.push(...checkTransactionEntry(entry, `Bundle.entry[${index}]`, validate));
  });
  return issues.length > 0 ? { resourceType: 'OperationOutcome', issue: issues } : undefined;
}

function checkTransactionEntry(
  entry: BundleEntry,
  path: string,
  validate: ResourceValidation,
): OperationOutcomeIssue[] {
  const request = entry.request;
  if (!request?.method || !request.url) {
    // FhirRouter would answer such an entry with an error entry yet still commit the others.
    return badRequest('Every transaction entry needs request.method and request.url', `${path}.request`).issue;
  }
  const carriesResource = request.method === 'POST' || request.method === 'PUT';
  if (!carriesResource || !entry.resource) {
    return [];
  }
  return resourceErrors(entry.resource, `${path}.resource`, validate);
}

function resourceErrors(resource: Resource, path: string, validate: ResourceValidation): OperationOutcomeIssue[] {
  try {
    validate(resource);
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      const message = err instanceof Error ? err.message : String(err);
      return badRequest(message, path).issue;
    }
    // The validator names elements from the resource root ("Goal.subject"); the client needs them from the Bundle.
    return err.outcome.issue.map((issue) => ({
      ...issue,
      expression: issue.expression?.map((expression) => rebase(expression, resource.resourceType, path)),
    }));
  }
}

function rebase(expression: string, resourceType: string, path: string): string {
  return expression.startsWith(resourceType) ? path + expression.slice(resourceType.length) : expression;
}

/**
 * Makes every entry of a transaction or batch response carry a `response.status` (an entry the router left empty
 * becomes a 500), plus the `etag` and `lastModified` of the version written.
 */
export function completeBatchResponse(bundle: Bundle): Bundle {
  const entries: (BundleEntry | undefined)[] = bundle.entry ?? [];
  return {
    ...bundle,
    entry: entries.map((entry): BundleEntry => {
      if (!entry?.response?.status) {
        return {
          response: {
            status: '500',
            outcome: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'exception', details: { text: 'Entry was not processed' } }],
            },
          },
        };
      }
      const meta = entry.resource?.meta;
      return {
        ...entry,
        response: {
          ...entry.response,
          ...(meta?.versionId ? { etag: `W/"${meta.versionId}"` } : {}),
          ...(meta?.lastUpdated ? { lastModified: meta.lastUpdated } : {}),
        },
      };
    }),
  };
}

/** Gives each search match the absolute `fullUrl` real servers return. */
export function addFullUrls(bundle: Bundle, baseUrl: string): Bundle {
  if (!bundle.entry) {
    return bundle;
  }
  return {
    ...bundle,
    entry: bundle.entry.map((entry) => {
      const reference = entry.resource ? getReferenceString(entry.resource) : undefined;
      return reference ? { fullUrl: `${baseUrl}/${reference}`, ...entry } : entry;
    }),
  };
}

/**
 * Gives a search page the `self` link and, when more matches follow, the `next` link a FHIR server returns: the
 * same query with `_offset` moved past this page, so a client reads every match page by page. `url` is the
 * request's path and query relative to the FHIR base.
 */
export function addPageLinks(bundle: Bundle, baseUrl: string, url: string): Bundle {
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  const offset = Number(query.get('_offset') ?? '0');
  const matches = (bundle.entry ?? []).filter((entry) => entry.search?.mode !== 'include').length;
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: `${baseUrl}/${url}` }];
  if (Number.isInteger(offset) && bundle.total !== undefined && matches > 0 && offset + matches < bundle.total) {
    query.set('_offset', String(offset + matches));
    link.push({ relation: 'next', url: `${baseUrl}/${path}?${query.toString()}` });
  }
  return { ...bundle, link };
}
