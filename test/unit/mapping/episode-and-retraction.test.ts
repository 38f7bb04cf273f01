// The episode of care every record of a referral points to, a re-referral's link to the earlier episode, the
// retraction of a record sent in error and of the parts a newer version drops, and the mapping corrections of
// issue 10 (status reasons, review date, participants, requester, goals and pages of connections, score
// performers), each conforming to its profile.
import type {
  CarePlan,
  Encounter,
  EpisodeOfCare,
  Goal,
  Observation,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { createConformanceChecker } from '../../../src/conformance';
import type { ConformanceChecker } from '../../../src/conformance';
import type { MapContext } from '../../../src/mapping';
import { mapMessage, ownParts } from '../../../src/mapping';
import { EXTENSIONS } from '../../../src/mapping/codes';
import { REFERRAL_STATUS_TO_EPISODE } from '../../../src/mapping/episode-of-care';
import type { InboundMessage, MessageKind } from '../../../src/messages/schemas';
import { recordStatusOf, statusTransitionIssue } from '../../../src/messages/domain-rules';
import { validateInbound } from '../../../src/messages/validate';
import { journeyBody } from '../../support/fixtures';

const NOW = new Date('2026-11-20T12:00:00Z');
const SYSTEM = 'https://casebook.example.org';
const CTX: MapContext = {
  patient: { reference: 'Patient/p-1' },
  referral: { reference: 'ServiceRequest/r-1' },
  recordedAt: '2026-11-20T12:00:00.000Z',
};

let checker: ConformanceChecker;

beforeAll(() => {
  checker = createConformanceChecker();
});

function message(kind: MessageKind, file: string, changes: Record<string, unknown> = {}): InboundMessage {
  const body = { ...(journeyBody(file) as Record<string, unknown>), ...changes };
  const result = validateInbound(kind, body, NOW);
  if (!result.ok) {
    throw new Error(`${file} is not valid: ${JSON.stringify(result.issues)}`);
  }
  return result.message;
}

function mapped(msg: InboundMessage, ctx: MapContext = CTX): Resource[] {
  // A referral is mapped before the EHR holds it, so the worker resolves no referral for it.
  const { referral, ...withoutReferral } = ctx;
  const resources = mapMessage(msg, msg.kind === 'referral' || referral === undefined ? withoutReferral : ctx);
  for (const resource of resources) {
    expect({ type: resource.resourceType, issues: checker.check(resource) }).toEqual({
      type: resource.resourceType,
      issues: [],
    });
  }
  return resources;
}

function only<T extends Resource>(resources: readonly Resource[], type: T['resourceType']): T[] {
  return resources.filter((r): r is T => r.resourceType === type);
}

function extensionValue(resource: Resource, url: string): unknown {
  const extension = (resource as { extension?: { url: string; valueReference?: unknown }[] }).extension ?? [];
  return extension.find((e) => e.url === url)?.valueReference;
}

/** The status of a resource, for a Goal its lifecycle status. */
function statusOf(resource: Resource): string | undefined {
  return resource.resourceType === 'Goal' ? resource.lifecycleStatus : (resource as { status?: string }).status;
}

/** The episode of journey d's first referral as the EHR names it, once it has resolved the conditional reference. */
const HELD_EPISODE = { reference: 'EpisodeOfCare/held-episode-d1', type: 'EpisodeOfCare' as const };

const episodeOf = (referralId: string): string =>
  `EpisodeOfCare?identifier=${encodeURIComponent(SYSTEM)}|${encodeURIComponent(`referral/${referralId}/episode`)}`;

describe('the episode of care', () => {
  it('is written with the referral, keyed on its identifier (the server chooses its id), and follows its stage', () => {
    const resources = mapped(message('referral', 'd-re-referral/01-referral.json'));
    const [episode] = only<EpisodeOfCare>(resources, 'EpisodeOfCare');
    expect(episode?.id).toBeUndefined();
    expect(episode).toMatchObject({
      identifier: [{ system: SYSTEM, value: 'referral/JD-REF-1/episode' }],
      status: 'active',
      patient: { reference: 'Patient/p-1' },
      managingOrganization: { identifier: { value: 'RX9LW' } },
      careManager: { identifier: { value: '555123456789' } },
      period: { start: '2026-10-05T09:00:00Z' },
    });
    expect(episode?.period?.end).toBeUndefined();
    expect(episode?.referralRequest?.[0]?.reference).toMatch(/^urn:uuid:/);
    expect(REFERRAL_STATUS_TO_EPISODE).toEqual({
      received: 'planned',
      accepted: 'active',
      'in-progress': 'active',
      completed: 'finished',
      declined: 'cancelled',
      withdrawn: 'cancelled',
    });
  });

  it('ends when the episode closes', () => {
    const [episode] = only<EpisodeOfCare>(
      mapped(message('referral', 'd-re-referral/05-closure.json')),
      'EpisodeOfCare',
    );
    expect(episode).toMatchObject({
      status: 'finished',
      period: { start: '2026-10-05T09:00:00Z', end: '2026-10-28T08:30:00Z' },
    });
  });

  it('is what contacts, plans, goals, observations and connections point to', () => {
    const episode = episodeOf('JD-REF-1');
    const plan = mapped(message('support-plan', 'd-re-referral/02-support-plan.json'));
    expect(only<CarePlan>(plan, 'CarePlan')[0]?.supportingInfo).toContainEqual({
      reference: episode,
      type: 'EpisodeOfCare',
    });
    for (const goal of only<Goal>(plan, 'Goal')) {
      expect(extensionValue(goal, EXTENSIONS.goalEpisodeOfCare)).toEqual({ reference: episode, type: 'EpisodeOfCare' });
    }
    for (const need of only<Observation>(plan, 'Observation')) {
      expect(extensionValue(need, EXTENSIONS.workflowEpisodeOfCare)).toEqual({
        reference: episode,
        type: 'EpisodeOfCare',
      });
    }
    const [connection] = only<ServiceRequest>(
      mapped(message('connection', 'd-re-referral/03-connection.json')),
      'ServiceRequest',
    );
    expect(connection && extensionValue(connection, EXTENSIONS.workflowEpisodeOfCare)).toEqual({
      reference: episode,
      type: 'EpisodeOfCare',
    });
    const [contact] = only<Encounter>(mapped(message('outcome-note', 'd-re-referral/07-contact.json')), 'Encounter');
    expect(contact?.episodeOfCare).toEqual([{ reference: episodeOf('JD-REF-2'), type: 'EpisodeOfCare' }]);
  });
});

describe('a re-referral', () => {
  it('links its episode and its request to the earlier episode, never as a replacement', () => {
    const resources = mapped(message('referral', 'd-re-referral/06-referral.json'));
    const [request] = only<ServiceRequest>(resources, 'ServiceRequest');
    const [episode] = only<EpisodeOfCare>(resources, 'EpisodeOfCare');
    const earlier = { reference: episodeOf('JD-REF-1'), type: 'EpisodeOfCare' };
    expect(request?.replaces).toBeUndefined();
    expect(request?.supportingInfo).toEqual([{ ...earlier, display: 'Earlier social prescribing episode' }]);
    expect(episode && extensionValue(episode, EXTENSIONS.previousEpisode)).toEqual(earlier);
    expect(episode?.identifier).toEqual([{ system: SYSTEM, value: 'referral/JD-REF-2/episode' }]);
  });

  it('cannot name itself as the earlier referral', () => {
    const body = journeyBody('d-re-referral/06-referral.json') as Record<string, unknown>;
    const result = validateInbound('referral', { ...body, previousReferralId: 'JD-REF-2' }, NOW);
    expect(result.ok ? [] : result.issues.map((i) => i.expression?.[0])).toEqual(['previousReferralId']);
  });
});

describe('retraction', () => {
  it('writes every resource of a record sent in error as entered-in-error', () => {
    const previous = message('outcome-note', 'd-re-referral/07-contact.json');
    const retraction = message('outcome-note', 'd-re-referral/08-contact.json');
    const resources = mapped(retraction, { ...CTX, previous });
    const statuses = resources
      .filter((r) => r.resourceType !== 'Provenance')
      .map((r) => (r as { status?: string }).status);
    expect(statuses.length).toBeGreaterThan(2);
    expect(new Set(statuses)).toEqual(new Set(['entered-in-error']));
  });

  it('retracts a referral sent in error, its national coded entry and its episode included', () => {
    const body = journeyBody('d-re-referral/01-referral.json') as { source: Record<string, unknown> };
    const retraction = message('referral', 'd-re-referral/01-referral.json', {
      source: { ...body.source, recordVersion: 2 },
      enteredInError: true,
    });
    const resources = mapped(retraction);
    expect(only<Task>(resources, 'Task')[0]?.status).toBe('entered-in-error');
    expect(only<EpisodeOfCare>(resources, 'EpisodeOfCare')[0]?.status).toBe('entered-in-error');
    expect(only<Observation>(resources, 'Observation').map((o) => o.status)).toEqual(['entered-in-error']);
  });

  it('retracts the needs and goals a newer plan drops, and only those', () => {
    const previous = message('support-plan', 'd-re-referral/02-support-plan.json');
    const current = message('support-plan', 'd-re-referral/04-support-plan.json');
    const resources = mapped(current, { ...CTX, previous });
    const retracted = resources
      .filter((r) => statusOf(r) === 'entered-in-error')
      .map((r) => `${r.resourceType} ${(r as Goal).identifier?.[0]?.value ?? ''}`);
    expect(retracted).toEqual(['Observation support-plan/JD-PLAN/need/exercise', 'Goal goal/JD-GOAL-2']);
    const [goal] = only<Goal>(resources, 'Goal').filter((g) => g.lifecycleStatus === 'entered-in-error');
    expect(goal?.achievementStatus).toBeUndefined();
    // The retracting version is the one that last wrote the part.
    expect(goal?.extension).toContainEqual({ url: EXTENSIONS.sourceRecordVersion, valueInteger: 2 });
  });

  it('retracts the parts the worker found dropped as the EHR holds them, and compares no previous version', () => {
    const previous = message('support-plan', 'd-re-referral/02-support-plan.json');
    const current = message('support-plan', 'd-re-referral/04-support-plan.json');
    const [held] = mapMessage(previous, CTX).filter((r) => (r as Goal).identifier?.[0]?.value === 'goal/JD-GOAL-2');
    const inEhr = {
      ...held,
      id: 'goal-2',
      meta: { ...held?.meta, versionId: '3', lastUpdated: '2026-11-01T00:00:00Z' },
    } as Goal;
    const resources = mapped(current, { ...CTX, previous, dropped: [inEhr] });
    const retracted = resources.filter((r) => statusOf(r) === 'entered-in-error');
    // Only what the worker found: the need the previous body also drops is not retracted a second way.
    expect(retracted.map((r) => `${r.resourceType} ${r.id ?? ''}`)).toEqual(['Goal goal-2']);
    expect(retracted[0]?.meta).toEqual({ profile: inEhr.meta?.profile });
    expect((retracted[0] as Goal).extension).toContainEqual({ url: EXTENSIONS.sourceRecordVersion, valueInteger: 2 });
  });

  it("names the record's own parts, with history entries marked and the closed episode's parts left out", () => {
    const planMessage = message('support-plan', 'd-re-referral/02-support-plan.json');
    const plan = ownParts(planMessage, CTX);
    expect(plan.map((p) => `${p.resourceType} ${p.identifier.split('|')[1] ?? ''}`)).toEqual(
      expect.arrayContaining([
        'CarePlan support-plan/JD-PLAN',
        'Observation support-plan/JD-PLAN/need/exercise',
        'Goal goal/JD-GOAL-2',
      ]),
    );
    const referral = ownParts(message('referral', 'c-link-worker-only/01-referral.json'), CTX);
    expect(referral.filter((p) => p.history === true).length).toBeGreaterThan(0);
    const closure = message('referral', 'd-re-referral/05-closure.json');
    const mappedPlan = mapMessage(planMessage, CTX).find((r) => r.resourceType === 'CarePlan');
    // As the EHR holds it: the conditional episode reference resolved to the id the server gave the episode.
    const openPlan =
      mappedPlan === undefined
        ? undefined
        : (JSON.parse(
            JSON.stringify(mappedPlan).replaceAll(episodeOf('JD-REF-1'), HELD_EPISODE.reference),
          ) as Resource);
    const withPlan = {
      ...CTX,
      episodeParts: openPlan !== undefined ? [{ ...openPlan, id: 'plan-1' }] : [],
      episodeOfCare: HELD_EPISODE,
    };
    // The closure writes the plan, closed, in its transaction; the plan is still the support plan's part.
    expect(mapMessage(closure, withPlan).map((r) => r.resourceType)).toContain('CarePlan');
    const closing = ownParts(closure, withPlan);
    expect(closing.map((p) => p.resourceType)).not.toContain('CarePlan');
  });

  it('keeps history entries a newer version does not repeat: readiness assessments and the national entry', () => {
    const previous = message('referral', 'c-link-worker-only/01-referral.json');
    const body = journeyBody('c-link-worker-only/01-referral.json') as { source: Record<string, unknown> };
    const withdrawn = message('referral', 'c-link-worker-only/01-referral.json', {
      source: { ...body.source, recordVersion: 2 },
      status: 'withdrawn',
      statusReason: { code: 'patient-moved-away' },
    });
    const statuses = mapped(withdrawn, { ...CTX, previous }).map((r) => (r as { status?: string }).status);
    expect(statuses).not.toContain('entered-in-error');
  });

  it('leaves a retracted record retracted: a newer version is refused, whatever its kind', () => {
    const retraction = message('outcome-note', 'd-re-referral/08-contact.json');
    expect(recordStatusOf(retraction)).toBe('entered-in-error');
    const note = message('outcome-note', 'd-re-referral/07-contact.json');
    expect(statusTransitionIssue(note, 'entered-in-error')?.expression).toEqual(['status']);
  });

  it('does not judge a retraction by the status it carries', () => {
    const retraction = message('referral', 'd-re-referral/01-referral.json', {
      status: 'received',
      enteredInError: true,
      respondedAt: undefined,
    });
    expect(statusTransitionIssue(retraction, 'completed')).toBeUndefined();
    const plain = message('referral', 'd-re-referral/01-referral.json', { status: 'received', respondedAt: undefined });
    expect(statusTransitionIssue(plain, 'completed')?.expression).toEqual(['status']);
  });
});

describe('mapping corrections', () => {
  it('gives a connection its barrier as status reason, not its status again', () => {
    const [connection] = only<ServiceRequest>(
      mapped(message('connection', 'c-link-worker-only/03-connection.json')),
      'ServiceRequest',
    );
    const reason = connection?.extension?.find((e) => e.url === EXTENSIONS.requestStatusReason);
    expect(reason?.valueCodeableConcept).toEqual({
      text: 'No replacement care available; Transport',
    });
    const single = only<ServiceRequest>(
      mapped(message('connection', 'c-link-worker-only/03-connection.json', { barriers: [{ code: 'transport' }] })),
      'ServiceRequest',
    )[0]?.extension?.find((e) => e.url === EXTENSIONS.requestStatusReason);
    expect(single?.valueCodeableConcept?.coding?.[0]?.code).toBe('transport');
  });

  it("writes a connection's goals and the organisation's web page", () => {
    const [connection] = only<ServiceRequest>(
      mapped(message('connection', 'd-re-referral/03-connection.json')),
      'ServiceRequest',
    );
    expect(connection?.extension?.filter((e) => e.url === EXTENSIONS.pertainsToGoal)).toEqual([
      {
        url: EXTENSIONS.pertainsToGoal,
        valueReference: { type: 'Goal', identifier: { system: SYSTEM, value: 'goal/JD-GOAL-1' } },
      },
    ]);
    expect(connection?.contained).toEqual([
      {
        resourceType: 'Organization',
        id: 'organisation',
        name: "Stockton Men's Shed",
        telecom: [{ system: 'url', value: 'https://mensshed.example.org/stockton' }],
      },
    ]);
    expect(connection?.performer).toEqual([
      { reference: '#organisation', type: 'Organization', display: "Stockton Men's Shed" },
    ]);
  });

  it('keeps the review date out of the plan period, in its own extension', () => {
    const [plan] = only<CarePlan>(mapped(message('support-plan', 'd-re-referral/02-support-plan.json')), 'CarePlan');
    expect(plan?.period).toEqual({ start: '2026-10-07T10:00:00Z' });
    expect(plan?.extension).toContainEqual({ url: EXTENSIONS.planReviewDate, valueDate: '2026-11-04' });
  });

  it('lists those who came with the person, never the person, as contact participants', () => {
    const [contact] = only<Encounter>(mapped(message('outcome-note', 'd-re-referral/07-contact.json')), 'Encounter');
    const types = (contact?.participant ?? []).flatMap((p) => (p.type ?? []).map((t) => t.coding?.[0]?.code));
    expect(types).toEqual(['family-member']);
    expect(contact?.participant?.[0]?.individual?.type).toBe('Practitioner');
  });

  it("names the referrer's organisation by its ODS code", () => {
    const [request] = only<ServiceRequest>(
      mapped(message('referral', 'd-re-referral/01-referral.json')),
      'ServiceRequest',
    );
    expect(request?.requester).toEqual({
      type: 'Organization',
      identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A81001' },
      display: 'Dr Priya Shah, General practitioner, Riverside Surgery',
    });
  });

  it('attributes questionnaire scores to the person, and notes to the link worker', () => {
    const observations = only<Observation>(
      mapped(message('outcome-note', 'd-re-referral/07-contact.json')),
      'Observation',
    );
    const performers = observations.map((o) => [o.code.text, o.performer?.[0]?.reference ?? o.performer?.[0]?.type]);
    expect(performers).toEqual([
      ['Social prescribing link worker contact note', 'Practitioner'],
      ['Warwick-Edinburgh Mental Well-being Scale score', 'Patient/p-1'],
      ['EuroQol visual analogue score', 'Patient/p-1'],
    ]);
  });

  it('refuses a WEMWBS or SWEMWBS total that is not the sum of its items, naming the path', () => {
    const body = journeyBody('d-re-referral/07-contact.json') as { measures: { wemwbs: { items: number[] } } };
    const swemwbs = { items: [3, 3, 3, 3, 3, 3, 3], total: 20 };
    const result = validateInbound(
      'outcome-note',
      { ...body, measures: { wemwbs: { ...body.measures.wemwbs, total: 41 }, swemwbs } },
      NOW,
    );
    expect(result.ok ? [] : result.issues.map((i) => [i.expression?.[0], i.details?.text])).toEqual([
      ['measures.wemwbs.total', 'measures.wemwbs.total: is 41 but the items add up to 42'],
      ['measures.swemwbs.total', 'measures.swemwbs.total: is 20 but the items add up to 21'],
    ]);
  });
});

describe('closing an episode', () => {
  /** The plan, goals and connection of journey d as the EHR would hold them: with ids and literal references. */
  function heldInEhr(): Resource[] {
    const plan = mapped(message('support-plan', 'd-re-referral/04-support-plan.json'));
    const connection = mapped(message('connection', 'd-re-referral/03-connection.json'));
    const suggested = mapped(
      message('connection', 'd-re-referral/03-connection.json', {
        source: { system: SYSTEM, recordId: 'JD-CONN-2', recordVersion: 1, sentAt: '2026-10-15T12:00:00Z' },
        status: 'suggested',
      }),
    );
    const otherEpisode = mapped(
      message('support-plan', 'd-re-referral/04-support-plan.json', {
        source: { system: SYSTEM, recordId: 'OTHER-PLAN', recordVersion: 1, sentAt: '2026-10-21T12:00:00Z' },
        referralId: 'OTHER-REF',
      }),
    );
    // The EHR resolved each conditional episode reference to the id it gave that episode.
    const literal = new Map([
      [episodeOf('JD-REF-1'), HELD_EPISODE.reference],
      [episodeOf('OTHER-REF'), 'EpisodeOfCare/held-other-episode'],
    ]);
    return [...plan, ...connection, ...suggested, ...otherEpisode]
      .filter((r) => ['CarePlan', 'Goal', 'ServiceRequest'].includes(r.resourceType))
      .map(
        (r) =>
          JSON.parse(JSON.stringify(r), (_key, v: unknown) =>
            typeof v === 'string' ? (literal.get(v) ?? v) : v,
          ) as Resource,
      )
      .map((r, index) => ({ ...r, id: `held-${String(index)}`, meta: { ...r.meta, versionId: '3' } }));
  }

  it("closes the episode's open plan, goals and connections as R4 defines them, and nothing else", () => {
    const closure = message('referral', 'd-re-referral/05-closure.json');
    const resources = mapped(closure, { ...CTX, episodeParts: heldInEhr(), episodeOfCare: HELD_EPISODE });
    const closed = resources.filter((r) => r.id?.startsWith('held-') === true);
    expect(closed.map((r) => [r.resourceType, (r as Goal).identifier?.[0]?.value, statusOf(r)])).toEqual([
      ['CarePlan', 'support-plan/JD-PLAN', 'completed'],
      ['Goal', 'goal/JD-GOAL-1', 'completed'],
      ['ServiceRequest', 'connection/JD-CONN-2', 'revoked'],
    ]);
    const [plan] = only<CarePlan>(closed, 'CarePlan');
    expect(plan?.period).toEqual({ start: '2026-10-21T10:00:00Z', end: '2026-10-28T08:30:00Z' });
    expect(plan?.meta).toEqual({ profile: [expect.stringMatching(/sp-support-plan$/) as unknown] });
    expect(only<Goal>(closed, 'Goal')[0]?.achievementStatus).toBeUndefined();
  });

  it('cancels what is open when the episode is cut short, and closes nothing while it runs', () => {
    const body = journeyBody('d-re-referral/05-closure.json') as { source: Record<string, unknown> };
    const withdrawn = message('referral', 'd-re-referral/05-closure.json', {
      status: 'withdrawn',
      statusReason: { code: 'patient-moved-away' },
      source: { ...body.source, recordVersion: 3 },
    });
    const closed = mapped(withdrawn, { ...CTX, episodeParts: heldInEhr(), episodeOfCare: HELD_EPISODE }).filter((r) =>
      r.id?.startsWith('held-'),
    );
    expect(closed.map(statusOf)).toEqual(['revoked', 'cancelled', 'revoked']);
    const running = mapped(message('referral', 'd-re-referral/01-referral.json'), {
      ...CTX,
      episodeParts: heldInEhr(),
      episodeOfCare: HELD_EPISODE,
    });
    expect(running.filter((r) => r.id?.startsWith('held-'))).toEqual([]);
  });
});
