/**
 * Reads a transaction-response entry by entry and makes the message's effect in the EHR complete. Some servers
 * apply a transaction one entry at a time: a 200 can carry failed entries beside written ones, and the Provenance
 * may be written without its targets. When that happens the failed targets are sent again (every entry is a
 * conditional write, so repeating one is safe), then the Provenance on its own once every target exists; the
 * message counts as delivered only when every resource is in the EHR.
 */
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { identifierToken } from '../mapping';
import type { WrittenResource } from '../messages/record';
import { classifyAnswer, classifyStatus, entryStatusCode } from './classify';
import type { FhirResponse } from './fhir-client';
import type { AttemptResult } from './outcome';
import { outcomeOf, summariseOutcome } from './outcome';
import { parseLocation } from './location';

type Sent = Resource & { identifier?: { system?: string; value?: string }[] };

type EntryAnswer =
  | { readonly ok: true; readonly written: WrittenResource }
  | { readonly ok: false; readonly result: Extract<AttemptResult, { kind: 'retry' | 'rejected' }> };

export interface TransactionSender {
  /** Sends a transaction Bundle to the EHR. */
  send(bundle: Bundle): Promise<FhirResponse>;
  /** The result of a transaction the EHR refused as a whole (a non-2xx answer). */
  refused(response: FhirResponse, what: string): AttemptResult;
}

function isOperationOutcome(body: unknown): body is OperationOutcome {
  return typeof body === 'object' && body !== null && (body as Resource).resourceType === 'OperationOutcome';
}

/**
 * The version an entry wrote when its `location` has none: many servers give the version only in the returned
 * resource's `meta.versionId` or in the entry's ETag (`W/"3"`).
 */
export function answeredVersionId(entry: BundleEntry): string | undefined {
  const fromBody = entry.resource?.meta?.versionId;
  if (fromBody !== undefined && fromBody !== '') {
    return fromBody;
  }
  return /^(?:W\/)?"([A-Za-z0-9.-]{1,64})"$/.exec(entry.response?.etag ?? '')?.[1];
}

function readEntry(resource: Sent, entry: BundleEntry | undefined): EntryAnswer {
  const code = entryStatusCode(entry?.response?.status);
  const verdict = classifyAnswer(code, entry?.response?.outcome);
  // A Provenance (the only resource written without a business identifier) is named by its type alone.
  const first = resource.identifier?.[0];
  const identifier = first === undefined ? undefined : identifierToken(first);
  const label = identifier === undefined ? resource.resourceType : `${resource.resourceType} ${identifier}`;
  if (verdict !== 'ok' || entry === undefined) {
    const outcome = isOperationOutcome(entry?.response?.outcome)
      ? entry.response.outcome
      : outcomeOf('exception', `${label}: the EHR answered ${entry?.response?.status ?? 'nothing'}`);
    const reason = `${label}: entry status ${entry?.response?.status ?? 'missing'} (${summariseOutcome(outcome)})`;
    return {
      ok: false,
      result:
        verdict === 'reject'
          ? { kind: 'rejected', reason, outcome, httpStatus: code }
          : { kind: 'retry', reason, httpStatus: code },
    };
  }
  const location = parseLocation(entry.response?.location);
  const versionId = location.versionId ?? answeredVersionId(entry);
  return {
    ok: true,
    written: {
      resourceType: resource.resourceType,
      reference: location.reference,
      ...(versionId !== undefined ? { versionId } : {}),
      status: entry.response?.status ?? String(code),
      ...(identifier !== undefined ? { identifier } : {}),
      ...(isRetracted(resource) ? { enteredInError: true } : {}),
    },
  };
}

/** Whether the sent resource is a retraction: its status (a Goal's lifecycle status) is entered-in-error. */
function isRetracted(resource: Sent): boolean {
  const { status, lifecycleStatus } = resource as { status?: unknown; lifecycleStatus?: unknown };
  return status === 'entered-in-error' || lifecycleStatus === 'entered-in-error';
}

/** The entries at `indexes`, their references to already written entries made literal (`Goal/123`). */
function followUp(sent: Bundle, indexes: readonly number[], written: ReadonlyMap<number, WrittenResource>): Bundle {
  const literal = new Map<string, string>();
  for (const [index, resource] of written) {
    const fullUrl = sent.entry?.[index]?.fullUrl;
    if (fullUrl !== undefined) {
      literal.set(fullUrl, resource.reference);
    }
  }
  const entries = indexes.map((index) => sent.entry?.[index]).filter((entry) => entry !== undefined);
  const entry = JSON.parse(JSON.stringify(entries), (_key, value: unknown) =>
    typeof value === 'string' ? (literal.get(value) ?? value) : value,
  ) as BundleEntry[];
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/**
 * The failed entries and every other target that refers to one of them (by its `urn:uuid`): a server that gave
 * the failed resource an id and then did not write it left those references pointing at nothing, so they are
 * written again in the same Bundle as the resource, where the reference resolves to what is written now.
 */
function withReferrers(sent: Bundle, failed: readonly number[], provenance: number): number[] {
  const entries = sent.entry ?? [];
  const chosen = new Set(failed);
  for (let grew = true; grew;) {
    grew = false;
    const urls = [...chosen].flatMap((index) => entries[index]?.fullUrl ?? []);
    entries.forEach((entry, index) => {
      const text = JSON.stringify(entry.resource ?? {});
      if (index !== provenance && !chosen.has(index) && urls.some((url) => text.includes(`"${url}"`))) {
        chosen.add(index);
        grew = true;
      }
    });
  }
  return [...chosen].sort((a, b) => a - b);
}

/** A failure of the attempt, carrying what it wrote so the message records it until the next attempt. */
function incomplete(result: AttemptResult, written: ReadonlyMap<number, WrittenResource>): AttemptResult {
  return result.kind === 'retry' && written.size > 0 ? { ...result, resources: inOrder(written) } : result;
}

function inOrder(written: ReadonlyMap<number, WrittenResource>): WrittenResource[] {
  return [...written.entries()].sort(([a], [b]) => a - b).map(([, resource]) => resource);
}

/** Sends `indexes` again and adds what they wrote; the first failure when any entry still fails. */
async function resend(
  sent: Bundle,
  resources: readonly Sent[],
  indexes: readonly number[],
  written: Map<number, WrittenResource>,
  sender: TransactionSender,
  what: string,
): Promise<AttemptResult | undefined> {
  const response = await sender.send(followUp(sent, indexes, written));
  if (classifyStatus(response.status) !== 'ok') {
    return sender.refused(response, what);
  }
  const entries = (response.body as Bundle | undefined)?.entry ?? [];
  let failure: AttemptResult | undefined;
  for (const [position, index] of indexes.entries()) {
    const resource = resources[index];
    if (resource === undefined) {
      continue;
    }
    const answer = readEntry(resource, entries[position]);
    if (answer.ok) {
      written.set(index, answer.written);
    } else {
      failure ??= answer.result;
    }
  }
  return failure;
}

/**
 * Writes the Provenance alone, naming only the resources `partial` says an earlier attempt of this version wrote.
 * For a version that will not be completed (a newer one is in the EHR): the Provenance a partly applied
 * transaction wrote beside its failed targets names ids the server gave them and never used, and it is put right
 * here so that nothing in the EHR points at a resource that does not exist. Undefined when it was written; the
 * failure otherwise (the attempt is then retried, and writes it again).
 */
export async function settlePartialProvenance(
  resources: readonly Sent[],
  sent: Bundle,
  partial: readonly WrittenResource[],
  sender: TransactionSender,
): Promise<AttemptResult | undefined> {
  const provenance = resources.findIndex((resource) => resource.resourceType === 'Provenance');
  if (provenance < 0 || partial.length === 0) {
    return undefined;
  }
  const written = new Map<number, WrittenResource>();
  resources.forEach((resource, index) => {
    const first = resource.identifier?.[0];
    const token = first === undefined ? undefined : identifierToken(first);
    const match = partial.find((w) => w.resourceType === resource.resourceType && w.identifier === token);
    if (token !== undefined && match !== undefined) {
      written.set(index, match);
    }
  });
  const writtenUrls = new Set([...written.keys()].flatMap((index) => sent.entry?.[index]?.fullUrl ?? []));
  const entries = (sent.entry ?? []).map((entry, index) => {
    if (index !== provenance || entry.resource?.resourceType !== 'Provenance') {
      return entry;
    }
    const target = entry.resource.target.filter((t) => t.reference !== undefined && writtenUrls.has(t.reference));
    return { ...entry, resource: { ...entry.resource, target } };
  });
  if (writtenUrls.size === 0) {
    return undefined;
  }
  return resend({ ...sent, entry: entries }, resources, [provenance], written, sender, 'transaction (Provenance)');
}

/**
 * Every resource the message wrote, in the order sent, or why the attempt is not complete. A response in which
 * some entries were written and others not comes from a server that applies entries one by one: the failed
 * targets are sent again, then the Provenance alone once its targets exist.
 */
export async function completeTransaction(
  resources: readonly Sent[],
  sent: Bundle,
  response: Bundle,
  sender: TransactionSender,
): Promise<WrittenResource[] | AttemptResult> {
  const entries = response.entry ?? [];
  if (entries.length !== resources.length) {
    return {
      kind: 'retry',
      reason: `the EHR's transaction-response has ${entries.length} entries for ${resources.length} resources`,
    };
  }
  const answers = resources.map((resource, index) => readEntry(resource, entries[index]));
  const written = new Map<number, WrittenResource>();
  answers.forEach((answer, index) => {
    if (answer.ok) {
      written.set(index, answer.written);
    }
  });
  const firstFailure = answers.find((answer) => !answer.ok);
  if (firstFailure === undefined) {
    return inOrder(written);
  }
  if (written.size === 0) {
    // Nothing was written: an atomic server refused the whole transaction, as a non-2xx answer would.
    return firstFailure.result;
  }
  const provenance = resources.findIndex((resource) => resource.resourceType === 'Provenance');
  // Written beside failed targets, it may name some that did not exist: it is written again once they all do.
  written.delete(provenance);
  const missingTargets = answers
    .map((answer, index) => (!answer.ok && index !== provenance ? index : -1))
    .filter((index) => index >= 0);
  const refused = missingTargets
    .map((index) => answers[index])
    .find((answer) => answer?.ok === false && answer.result.kind === 'rejected');
  if (refused !== undefined && !refused.ok) {
    // The message fails here; what it wrote stays, and its Provenance should name only that.
    await settlePartialProvenance(resources, sent, inOrder(written), sender);
    return refused.result;
  }
  if (missingTargets.length > 0) {
    const again = withReferrers(sent, missingTargets, provenance);
    for (const index of again) {
      written.delete(index);
    }
    const failure = await resend(sent, resources, again, written, sender, 'transaction (failed entries)');
    if (failure !== undefined) {
      return incomplete(failure, written);
    }
  }
  if (provenance >= 0) {
    const failure = await resend(sent, resources, [provenance], written, sender, 'transaction (Provenance)');
    if (failure !== undefined) {
      return incomplete(failure, written);
    }
  }
  return inOrder(written);
}
