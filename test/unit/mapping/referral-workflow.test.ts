// The referral at every stage: the requester's ServiceRequest status, the service's Task, and the one national
// coded entry (accepted or declined) a practice counts, each conforming to its profile; and the profiles' own
// rules (a rejected Task says why; the coded entry carries only a national code).
import type { Observation, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { createConformanceChecker } from '../../../src/conformance';
import type { ConformanceChecker } from '../../../src/conformance';
import { mapMessage } from '../../../src/mapping';
import { REFERRAL_STATUS_TO_TASK } from '../../../src/mapping/referral-task';
import type { ReferralMessage, ReferralStatus } from '../../../src/messages/schemas';
import { validateInbound } from '../../../src/messages/validate';
import { journeyBody } from '../../support/fixtures';

const NOW = new Date('2026-11-20T12:00:00Z');
const CTX = { patient: { reference: 'Patient/p-1' }, recordedAt: '2026-11-20T12:00:00.000Z' };
const REQUEST_STATUS_REASON = 'http://hl7.org/fhir/StructureDefinition/request-statusReason';

const journeyReferral = journeyBody('a-quick-connection/01-referral.json') as Record<string, unknown>;

let checker: ConformanceChecker;

beforeAll(() => {
  checker = createConformanceChecker();
});

function validReferral(changes: Record<string, unknown>): ReferralMessage {
  const result = validateInbound('referral', { ...journeyReferral, ...changes }, NOW);
  if (!result.ok || result.message.kind !== 'referral') {
    throw new Error(`not a valid referral: ${JSON.stringify(result.ok ? result.message.kind : result.issues)}`);
  }
  return result.message.body;
}

function mapped(changes: Record<string, unknown>): {
  request: ServiceRequest;
  task: Task;
  coded: Observation[];
  all: Resource[];
} {
  const body = validReferral(changes);
  const all = mapMessage({ kind: 'referral', body }, CTX);
  const request = all.find((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');
  const task = all.find((r): r is Task => r.resourceType === 'Task');
  if (request === undefined || task === undefined) {
    throw new Error('a referral maps to a ServiceRequest and a Task');
  }
  const coded = all.filter(
    (r): r is Observation =>
      r.resourceType === 'Observation' && r.meta?.profile?.[0]?.endsWith('/sp-national-coding') === true,
  );
  return { request, task, coded, all };
}

const reasonFor: Partial<Record<ReferralStatus, Record<string, unknown>>> = {
  declined: { statusReason: { code: 'patient-declined', text: 'Would rather not at the moment' } },
  withdrawn: { statusReason: { code: 'referrer-withdrew' } },
};
const closure = {
  closure: { closedAt: '2026-10-20T09:00:00Z', reason: 'goals-achieved', summary: 'Done.', reReferralOffered: true },
};

test.each([
  ['received', 'active', 'received', undefined],
  ['accepted', 'active', 'accepted', '871731000000106'],
  ['in-progress', 'active', 'in-progress', '871731000000106'],
  ['completed', 'completed', 'completed', '871731000000106'],
  ['declined', 'revoked', 'rejected', '871711000000103'],
  ['withdrawn', 'revoked', 'cancelled', undefined],
] as const)('a %s referral: ServiceRequest %s, Task %s, national code %s', (status, request, task, code) => {
  const result = mapped({ status, ...reasonFor[status], ...(status === 'completed' ? closure : {}) });
  expect(result.request.status).toBe(request);
  expect(result.request.code?.coding?.map((c) => c.code)).toEqual(['social-prescribing-referral']);
  expect(result.task.status).toBe(task);
  expect(result.task.businessStatus?.coding?.[0]?.code).toBe(status);
  expect(result.coded.map((o) => o.code.coding?.[0]?.code)).toEqual(code === undefined ? [] : [code]);
  for (const resource of result.all) {
    expect({ type: resource.resourceType, issues: checker.check(resource) }).toEqual({
      type: resource.resourceType,
      issues: [],
    });
  }
});

test('the Task maps every referral stage', () => {
  expect(REFERRAL_STATUS_TO_TASK).toEqual({
    received: 'received',
    accepted: 'accepted',
    declined: 'rejected',
    'in-progress': 'in-progress',
    completed: 'completed',
    withdrawn: 'cancelled',
  });
});

test('every version from acceptance on rewrites the same accepted entry, dated when the person accepted', () => {
  const entries = (['accepted', 'in-progress', 'completed'] as const).map(
    (status, index) =>
      mapped({
        status,
        respondedAt: '2026-10-02T10:00:00Z',
        source: { ...(journeyReferral.source as object), recordVersion: index + 1 },
        ...(status === 'completed' ? closure : {}),
      }).coded,
  );
  const identities = entries.map((coded) => coded.map((o) => [o.identifier?.[0]?.value, o.effectiveDateTime]));
  const recordId = (journeyReferral.source as { recordId: string }).recordId;
  for (const identity of identities) {
    expect(identity).toEqual([[`referral/${recordId}/accepted`, '2026-10-02T10:00:00Z']]);
  }
});

test('without respondedAt the entry is dated when the referral was made', () => {
  const { coded } = mapped({ status: 'accepted' });
  expect(coded[0]?.effectiveDateTime).toBe(journeyReferral.referredAt);
});

test('a declined referral: the person is the reason on the Task, the national declined entry, no request reason', () => {
  const { request, task, coded } = mapped({ status: 'declined', ...reasonFor.declined });
  expect(task.statusReason).toEqual({
    coding: [
      {
        system: 'https://sp-fhir-adapter.org/fhir/CodeSystem/sp-status-reason',
        code: 'patient-declined',
        display: 'Person declined',
      },
    ],
    text: 'Would rather not at the moment',
  });
  expect(task.output?.[0]?.valueReference?.reference).toBeDefined();
  expect(coded[0]?.identifier?.[0]?.value).toMatch(/\/declined$/);
  expect(request.extension?.some((e) => e.url === REQUEST_STATUS_REASON)).toBe(false);
});

test('a withdrawn referral says why on the ServiceRequest (core request-statusReason) and on the Task', () => {
  const { request, task } = mapped({ status: 'withdrawn', ...reasonFor.withdrawn });
  const reason = request.extension?.find((e) => e.url === REQUEST_STATUS_REASON);
  expect(reason?.valueCodeableConcept?.coding?.[0]?.code).toBe('referrer-withdrew');
  expect(task.statusReason?.text).toBe('Referrer withdrew the referral');
});

test('respondedAt is refused before the referral, in the future, or while the referral is only received', () => {
  const issues = (changes: Record<string, unknown>): string[] => {
    const result = validateInbound('referral', { ...journeyReferral, ...changes }, NOW);
    return result.ok ? [] : result.issues.flatMap((i) => i.expression ?? []);
  };
  expect(issues({ respondedAt: '2026-09-01T00:00:00Z' })).toEqual(['respondedAt']);
  expect(issues({ respondedAt: '2026-12-25T00:00:00Z' })).toEqual(['respondedAt']);
  expect(issues({ status: 'received', respondedAt: '2026-10-02T10:00:00Z' })).toEqual(['respondedAt']);
  expect(issues({ respondedAt: '2026-10-02T10:00:00Z' })).toEqual([]);
});

describe('the profiles refuse', () => {
  it('a rejected Task without a reason', () => {
    const { task } = mapped({ status: 'declined', ...reasonFor.declined });
    delete task.statusReason;
    expect(checker.check(task).map((i) => [i.code, i.expression])).toEqual([['invariant', ['Task']]]);
  });

  it('a Task without the service stage or owner', () => {
    const { task } = mapped({ status: 'accepted' });
    delete task.businessStatus;
    delete task.owner;
    expect(checker.check(task).flatMap((i) => i.expression ?? [])).toEqual(
      expect.arrayContaining(['Task.businessStatus', 'Task.owner']),
    );
  });

  it('a coded entry with a code other than the two national ones', () => {
    const { coded } = mapped({ status: 'accepted' });
    const entry = coded[0];
    if (entry === undefined) {
      throw new Error('an accepted referral has its entry');
    }
    entry.code = { coding: [{ system: 'http://snomed.info/sct', code: '422650009', display: 'Social isolation' }] };
    expect(checker.check(entry).map((i) => i.code)).toContain('code-invalid');
  });

  it('a referral ServiceRequest with a status its requester would not set', () => {
    const { request } = mapped({ status: 'accepted' });
    request.status = 'on-hold';
    expect(checker.check(request).map((i) => [i.code, i.expression])).toEqual([
      ['code-invalid', ['ServiceRequest.status']],
    ]);
  });
});
