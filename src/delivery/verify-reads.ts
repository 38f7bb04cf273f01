/**
 * Has the EHR confirm, inside the transaction itself, each resource an attempt took from the lookup cache: a
 * read (`GET Patient/<id>`) appended to the transaction. FHIR processes reads after every write and a transaction
 * is all or nothing, so when a cached Patient or referral has gone (deleted, merged away) the whole transaction
 * fails and nothing is written against a dead reference; the attempt then forgets the entry and looks again.
 * It costs no extra request.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { classifyStatus, entryStatusCode } from './classify';
import type { CachedUse } from './cached-lookup';
import type { FhirResponse } from './fhir-client';

/** The transaction with a read of each cached resource after its own entries. */
export function withVerifyReads(bundle: Bundle, uses: readonly CachedUse[]): Bundle {
  if (uses.length === 0) {
    return bundle;
  }
  const reads = uses.map((use) => ({ request: { method: 'GET' as const, url: use.reference } }));
  return { ...bundle, entry: [...(bundle.entry ?? []), ...reads] };
}

/** The transaction-response with the answers to the appended reads taken off, as the sent entries expect it. */
export function withoutVerifyReads(response: Bundle, sentEntries: number): Bundle {
  return response.entry === undefined ? response : { ...response, entry: response.entry.slice(0, sentEntries) };
}

/**
 * The cached resolutions the EHR's answer shows to be dead: with an atomic server, a transaction refused with 404
 * or 410 (a read failed) or refused naming a cached reference (a failed conditional write or reference check);
 * with a server that applies entries one by one, the reads whose entries failed.
 */
export function deadResolutions(response: FhirResponse, sentEntries: number, uses: readonly CachedUse[]): CachedUse[] {
  if (uses.length === 0) {
    return [];
  }
  if (classifyStatus(response.status) !== 'ok') {
    if (response.status === 404 || response.status === 410) {
      return [...uses];
    }
    const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? '');
    return uses.filter((use) => text.includes(use.reference));
  }
  const entries = (response.body as Bundle | undefined)?.entry ?? [];
  return uses.filter((_use, index) => {
    const status = entries[sentEntries + index]?.response?.status;
    return status !== undefined && classifyStatus(entryStatusCode(status)) !== 'ok';
  });
}
