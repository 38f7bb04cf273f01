/**
 * Resolves the conditional entries of a transaction (PUT `Type?identifier=…`, POST with `ifNoneExist`) and its
 * conditional references (`"reference": "Type?identifier=…"`, which FHIR R4 lets a transaction use to name a
 * resource it does not know the id of) before FhirRouter sees it. FhirRouter refuses any transaction with
 * conditional entries and more than 8 entries ("requires strict isolation but has too many entries", a limit of
 * Medplum's PostgreSQL server, not of FHIR), and a referral Bundle can easily be larger. Resolved here, the router
 * only sees plain creates, updates and reads with literal references.
 */
import {
  OperationOutcomeError,
  getReferenceString,
  multipleMatches,
  parseSearchRequest,
  preconditionFailed,
} from '@medplum/core';
import type { WithId } from '@medplum/core';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { ValidatingMemoryRepository } from './validating-repository';

/**
 * Returns a copy of the transaction in which:
 * - a conditional PUT that matches one resource becomes `PUT Type/id`, and one that matches none becomes a create;
 * - a POST whose `ifNoneExist` matches none becomes a plain create, and one that matches a resource becomes a read
 *   of it, with the entry's `urn:uuid` replaced by that resource's reference everywhere else in the Bundle.
 * Several matches reject the whole transaction with 412. The caller must hold the repository's exclusive section
 * from here until the router has written the Bundle, or a concurrent writer could slip in between.
 */
export async function resolveTransactionConditionals(
  bundle: Bundle,
  repository: ValidatingMemoryRepository,
): Promise<Bundle> {
  const entries = bundle.entry ?? [];
  const resolved: BundleEntry[] = [];
  const replacements = new Map<string, string>();
  for (const [index, entry] of entries.entries()) {
    resolved.push(
      await resolveReferences(await resolveEntry(entry, index, repository, replacements), index, repository),
    );
  }
  return {
    ...bundle,
    entry: replacements.size === 0 ? resolved : resolved.map((entry) => replaceStrings(entry, replacements)),
  };
}

/** `Type?search`: a conditional reference (a literal one is `Type/id`, a Bundle-internal one `urn:uuid:…`). */
const CONDITIONAL_REFERENCE = /^[A-Z][A-Za-z]+\?./;

/**
 * Replaces each conditional reference in the entry's resource with the literal reference of the one resource its
 * search finds. None or several fail the whole transaction with 412, naming the entry and the search, as FHIR
 * says a transaction with an unresolvable conditional reference fails.
 */
async function resolveReferences(
  entry: BundleEntry,
  index: number,
  repository: ValidatingMemoryRepository,
): Promise<BundleEntry> {
  if (entry.resource === undefined) {
    return entry;
  }
  const searches = new Set<string>();
  JSON.stringify(entry.resource, (key, field: unknown) => {
    if (key === 'reference' && typeof field === 'string' && CONDITIONAL_REFERENCE.test(field)) {
      searches.add(field);
    }
    return field;
  });
  if (searches.size === 0) {
    return entry;
  }
  const literal = new Map<string, string>();
  for (const search of searches) {
    const [match, duplicate] = await repository.searchResources({
      ...parseSearchRequest(search),
      count: 2,
      offset: 0,
    });
    if (match === undefined || duplicate !== undefined) {
      const found = match === undefined ? 'no resource' : 'more than one resource';
      const issue = preconditionFailed.issue.map((i) => ({
        ...i,
        details: { text: `conditional reference ${search} matches ${found}` },
        expression: [`Bundle.entry[${String(index)}].resource`],
      }));
      throw new OperationOutcomeError({ ...preconditionFailed, issue });
    }
    literal.set(search, getReferenceString(match));
  }
  return {
    ...entry,
    resource: JSON.parse(JSON.stringify(entry.resource), (key, field: unknown) =>
      key === 'reference' && typeof field === 'string' ? (literal.get(field) ?? field) : field,
    ) as Resource,
  };
}

/**
 * Indexes of the plain `PUT Type/id` entries whose resource does not exist yet: an update-as-create with an id the
 * client chose, which the sandbox refuses with 404 as Medplum does (its CapabilityStatement says `updateCreate:
 * false`), so the adapter is shown never to depend on it.
 */
export async function updatesThatCreate(bundle: Bundle, repository: ValidatingMemoryRepository): Promise<Set<number>> {
  const creating = new Set<number>();
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    const url = entry.request?.url ?? '';
    const [resourceType, id, ...rest] = url.split('/');
    if (entry.request?.method !== 'PUT' || url.includes('?') || id === undefined || rest.length > 0) {
      continue;
    }
    try {
      await repository.readResource(resourceType ?? '', id);
    } catch {
      creating.add(index);
    }
  }
  return creating;
}

/** Gives the entries that created a resource by update the 201 status a client expects. */
export function markCreated(response: Bundle, creating: ReadonlySet<number>): Bundle {
  if (creating.size === 0) {
    return response;
  }
  return {
    ...response,
    entry: (response.entry ?? []).map((entry, index) =>
      creating.has(index) && entry.response?.status.startsWith('200') === true
        ? { ...entry, response: { ...entry.response, status: '201 Created' } }
        : entry,
    ),
  };
}

/** Nested Bundles could contain conditional writes of their own, which would wait on the caller's section. */
export function hasNestedBundle(bundle: Bundle): boolean {
  return (bundle.entry ?? []).some((entry) => entry.request?.method === 'POST' && isSystemUrl(entry.request.url));
}

async function resolveEntry(
  entry: BundleEntry,
  index: number,
  repository: ValidatingMemoryRepository,
  replacements: Map<string, string>,
): Promise<BundleEntry> {
  const request = entry.request;
  if (!request) {
    return entry;
  }
  const resourceType = request.url.split('?')[0] ?? '';
  if (request.method === 'PUT' && request.url.includes('?') && entry.resource) {
    const match = await findOne(request.url, index, repository);
    if (match) {
      const reference = getReferenceString(match);
      return { ...entry, resource: { ...entry.resource, id: match.id }, request: { ...request, url: reference } };
    }
    return { ...entry, request: { ...request, method: 'POST', url: resourceType } };
  }
  if (request.method === 'POST' && request.ifNoneExist) {
    const match = await findOne(`${resourceType}?${request.ifNoneExist}`, index, repository);
    if (!match) {
      return { ...entry, request: { ...request, ifNoneExist: undefined } };
    }
    const reference = getReferenceString(match);
    if (entry.fullUrl) {
      replacements.set(entry.fullUrl, reference);
    }
    return { request: { method: 'GET', url: reference } };
  }
  return entry;
}

async function findOne(
  url: string,
  index: number,
  repository: ValidatingMemoryRepository,
): Promise<WithId<Resource> | undefined> {
  const search = parseSearchRequest(url);
  const [match, duplicate] = await repository.searchResources({ ...search, count: 2, offset: 0 });
  if (duplicate) {
    const issue = multipleMatches.issue.map((i) => ({ ...i, expression: [`Bundle.entry[${index}].request.url`] }));
    throw new OperationOutcomeError({ ...multipleMatches, issue });
  }
  return match;
}

/** A deep copy of `value` with every occurrence of each key replaced by its value in every string. */
export function replaceStrings<T>(value: T, replacements: ReadonlyMap<string, string>): T {
  return JSON.parse(JSON.stringify(value), (_key, field: unknown) => {
    if (typeof field !== 'string') {
      return field;
    }
    let result = field;
    for (const [from, to] of replacements) {
      result = result.replaceAll(from, to);
    }
    return result;
  }) as T;
}

function isSystemUrl(url: string): boolean {
  return url === '' || url.startsWith('?') || url === '/';
}
