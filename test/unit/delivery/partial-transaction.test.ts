/**
 * A server that applies a transaction entry by entry answers 200 with some entries written and others failed.
 * The attempt sends the failed targets again, then the Provenance alone once its targets exist, and records the
 * message delivered only when every resource is in the EHR; otherwise it retries, keeping what was written.
 */
import type { Bundle, Provenance } from '@medplum/fhirtypes';
import type { SupportPlanMessage } from '../../../src/messages/schemas';
import { deliverMessage } from '../../../src/delivery/deliver-message';
import { MESSAGE_ID, deliveryFixture } from './fakes/delivery-fixture';
import type { Answer } from './fakes/scripted-ehr';
import { transactionResponse } from './fakes/scripted-ehr';
import { journeyBody } from '../../support/fixtures';

/** Fails the entry of the resource first sent at `position`, for its first `times` sendings. */
function failingEntry(position: number, status: string, times = Number.POSITIVE_INFINITY): Answer {
  let target: string | undefined;
  let failures = 0;
  return (request) => {
    target ??= request.bundle?.entry?.[position]?.fullUrl;
    const index = request.bundle?.entry?.findIndex((entry) => entry.fullUrl === target) ?? -1;
    if (index < 0 || failures >= times) {
      return transactionResponse(request.bundle);
    }
    failures += 1;
    return transactionResponse(request.bundle, { [index]: { status } });
  };
}

function transactions(fixture: ReturnType<typeof deliveryFixture>): Bundle[] {
  return fixture.ehr.requests.flatMap((request) => (request.bundle !== undefined ? [request.bundle] : []));
}

/** A support plan: a CarePlan, need Observations, Goals and the Provenance, so several targets in one Bundle. */
function supportPlan(): SupportPlanMessage {
  return journeyBody('b-anchoring/04-support-plan.json') as SupportPlanMessage;
}

async function deliver(transaction: Answer) {
  const fixture = deliveryFixture({ message: { kind: 'support-plan', body: supportPlan() }, script: { transaction } });
  const decision = await deliverMessage(MESSAGE_ID, fixture.deps);
  return { fixture, decision, sent: transactions(fixture) };
}

test('a failed entry is sent again, then the Provenance alone naming written targets, and the message is delivered', async () => {
  const { fixture, decision, sent } = await deliver(failingEntry(1, '503 Service Unavailable', 1));

  expect(decision.kind).toBe('delivered');
  const [first, again, provenance] = sent;
  expect(sent).toHaveLength(3);
  // The failed entry, with the targets that refer to it, directly or through another (their reference pointed at
  // nothing), and no Provenance.
  const failedUrl = first?.entry?.[1]?.fullUrl ?? '';
  const resent = again?.entry ?? [];
  expect(resent.map((entry) => entry.fullUrl)).toContain(failedUrl);
  expect(resent.length).toBeLessThan((first?.entry?.length ?? 0) - 1);
  const resentUrls = resent.map((entry) => entry.fullUrl ?? '');
  for (const entry of resent.filter((other) => other.fullUrl !== failedUrl)) {
    const text = JSON.stringify(entry.resource);
    expect(resentUrls.some((url) => url !== entry.fullUrl && text.includes(url))).toBe(true);
  }
  expect(resent.some((entry) => entry.resource?.resourceType === 'Provenance')).toBe(false);
  expect(provenance?.entry).toHaveLength(1);
  const targets = (provenance?.entry?.[0]?.resource as Provenance).target.map((target) => target.reference ?? '');
  expect(targets.length).toBeGreaterThan(0);
  expect(targets.every((reference) => /^[A-Z][A-Za-z]+\/[^/]+$/.test(reference))).toBe(true);
  const [transition] = fixture.lifecycle.transitions;
  expect(transition?.name === 'delivered' ? transition.result.resources.length : 0).toBe(first?.entry?.length);
});

test('an entry that keeps failing is retried later, the message keeping what was written, without a Provenance', async () => {
  const { fixture, decision, sent } = await deliver(failingEntry(1, '503 Service Unavailable'));

  expect(decision.kind).toBe('retry');
  expect(sent).toHaveLength(2);
  const [transition] = fixture.lifecycle.transitions;
  expect(transition?.name).toBe('retryLater');
  const kept = transition?.name === 'retryLater' ? (transition.result.resources ?? []) : [];
  const total = sent[0]?.entry?.length ?? 0;
  // Every resource but the failing one and the Provenance, which is written again only after its targets.
  expect(kept).toHaveLength(total - 2);
  expect(kept.some((resource) => resource.resourceType === 'Provenance')).toBe(false);
});

test('a target refused for good fails the message, sending again only the Provenance naming what was written', async () => {
  const { decision, sent } = await deliver(failingEntry(0, '422 Unprocessable Entity'));

  expect(decision.kind).toBe('failed');
  expect(sent).toHaveLength(2);
  const [first, again] = sent;
  expect(again?.entry?.map((entry) => entry.resource?.resourceType)).toEqual(['Provenance']);
  const provenance = again?.entry?.[0]?.resource as Provenance | undefined;
  const targets = (provenance?.target ?? []).map((target) => target.reference ?? '');
  // Every target but the refused one (the first entry), each by the literal reference it was written at.
  expect(targets).toHaveLength((first?.entry?.length ?? 0) - 2);
  expect(targets.every((reference) => /^[A-Z][A-Za-z]+\/[^/]+$/.test(reference))).toBe(true);
});

test('a transaction in which every entry failed is not sent again entry by entry', async () => {
  const { decision, sent } = await deliver((request) =>
    transactionResponse(
      request.bundle,
      Object.fromEntries((request.bundle?.entry ?? []).map((_entry, index) => [index, { status: '503' }])),
    ),
  );

  expect(decision.kind).toBe('retry');
  expect(sent).toHaveLength(1);
});
