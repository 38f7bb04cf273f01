/**
 * The sandbox's non-atomic transaction mode: like some real FHIR servers, it applies a transaction one entry at
 * a time and answers 200 with each entry's own status, so a failed entry leaves the ones before and after it
 * written. Tests choose which entries fail (by resource type), to exercise a client's handling of that answer.
 */
import { randomUUID } from 'node:crypto';
import { getStatus, isResource, notFound } from '@medplum/core';
import type { FhirResponse } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ValidatingMemoryRepository } from './validating-repository';
import {
  markCreated,
  replaceStrings,
  resolveTransactionConditionals,
  updatesThatCreate,
} from './transaction-conditionals';

/** How the sandbox runs transactions: all or nothing (the default), or one entry at a time. */
export type TransactionMode = 'atomic' | 'entry-by-entry';

export interface EntryFailure {
  /** The next entry writing this resource type fails. */
  readonly resourceType: string;
  /** The entry's status, e.g. 503 or 422. */
  readonly status: number;
  /** The OperationOutcome issue code and text to answer with, when not the defaults. */
  readonly code?: OperationOutcomeIssue['code'];
  readonly text?: string;
}

export interface EntryFailures {
  /** Queues failures, each taken by the next entry of its resource type in an entry-by-entry transaction. */
  failNext(...failures: readonly EntryFailure[]): void;
  /** Failures queued and not yet given. */
  pending(): number;
  /** Takes the first queued failure for the resource type, if any. */
  take(resourceType: string): EntryFailure | undefined;
}

export function createEntryFailures(): EntryFailures {
  const queue: EntryFailure[] = [];
  return {
    failNext: (...failures) => {
      queue.push(...failures);
    },
    pending: () => queue.length,
    take: (resourceType) => {
      const index = queue.findIndex((failure) => failure.resourceType === resourceType);
      return index < 0 ? undefined : queue.splice(index, 1)[0];
    },
  };
}

function failedEntry(failure: EntryFailure): BundleEntry {
  const { status, resourceType } = failure;
  const code = failure.code ?? (status >= 500 ? 'transient' : 'processing');
  const text = failure.text ?? `the sandbox was told to fail this ${resourceType} entry`;
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text } }],
  };
  return { response: { status: String(status), outcome } };
}

/**
 * Gives every create its id up front, as a server resolving the Bundle's `urn:uuid` references before writing
 * would, so that each entry can then be written on its own (`PUT Type/id`) with literal references, forward ones
 * included; references to an entry updating an existing resource become that resource's. A reference to an entry that then fails points at nothing, as it would on such a server.
 */
function assignIds(entries: readonly BundleEntry[]): BundleEntry[] {
  const ids = new Map<string, string>();
  const assigned = entries.map((entry): BundleEntry => {
    const resource = entry.resource;
    if (entry.request?.method === 'PUT' && entry.fullUrl !== undefined && !entry.request.url.includes('?')) {
      // An update of a resource that exists (a conditional one resolved to `Type/id`): references to its
      // fullUrl name that resource, as a server resolving the whole Bundle first would make them.
      ids.set(entry.fullUrl, entry.request.url);
      return entry;
    }
    if (entry.request?.method !== 'POST' || resource === undefined) {
      return entry;
    }
    const reference = `${resource.resourceType}/${randomUUID()}`;
    if (entry.fullUrl !== undefined) {
      ids.set(entry.fullUrl, reference);
    }
    return {
      ...entry,
      resource: { ...resource, id: reference.split('/')[1] ?? '' },
      request: { ...entry.request, method: 'PUT', url: reference },
    };
  });
  return ids.size === 0 ? assigned : replaceStrings(assigned, ids);
}

/** Runs each entry of the transaction as a transaction of its own, in order. The caller holds the repository's exclusive section. */
export async function runEntryByEntry(
  bundle: Bundle,
  repository: ValidatingMemoryRepository,
  failures: EntryFailures,
  run: (single: Bundle) => Promise<FhirResponse>,
): Promise<Bundle> {
  const resolved = await resolveTransactionConditionals(bundle, repository);
  // Updates that would create a resource under an id the client chose fail alone, as on Medplum (404).
  const refused = await updatesThatCreate(resolved, repository);
  const answers: BundleEntry[] = [];
  for (const [index, entry] of assignIds(resolved.entry ?? []).entries()) {
    if (refused.has(index)) {
      answers.push({ response: { status: '404', outcome: notFound } });
      continue;
    }
    const resourceType = entry.resource?.resourceType ?? entry.request?.url.split(/[/?]/)[0] ?? '';
    const failure = failures.take(resourceType);
    if (failure !== undefined) {
      answers.push(failedEntry(failure));
      continue;
    }
    const single: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [entry] };
    const creating = await updatesThatCreate(single, repository);
    const [outcome, answer] = await run(single);
    const answered = isResource<Bundle>(answer, 'Bundle') ? markCreated(answer, creating).entry?.[0] : undefined;
    answers.push(
      answered?.response !== undefined ? answered : { response: { status: String(getStatus(outcome)), outcome } },
    );
  }
  return { resourceType: 'Bundle', type: 'transaction-response', entry: answers };
}
