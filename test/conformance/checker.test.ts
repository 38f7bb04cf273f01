// The conformance checker against the committed compiled profiles: examples pass, each kind of defect is reported
// with the expression of the offending element.
import type {
  CarePlan,
  Encounter,
  Goal,
  Observation,
  OperationOutcomeIssue,
  Provenance,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { createConformanceChecker, loadCompiledResources, referenceTargetType } from '../../src/conformance';
import type { ConformanceChecker } from '../../src/conformance';
import { mapMessage } from '../../src/mapping';
import { validateInbound } from '../../src/messages/validate';
import { referralDoc } from '../support/fixtures';

const compiled = loadCompiledResources();
let checker: ConformanceChecker;

beforeAll(() => {
  checker = createConformanceChecker();
});

function example(id: string): Resource {
  const found = compiled.examples.find((r) => r.id === id);
  if (!found) {
    throw new Error(`example ${id} not compiled`);
  }
  return structuredClone(found);
}

function expressions(issues: OperationOutcomeIssue[]): string[] {
  return issues.filter((i) => i.severity === 'error').flatMap((i) => i.expression ?? []);
}

describe('compiled profiles', () => {
  it('has the project profiles', () => {
    expect(checker.profileUrls).toEqual(
      [
        'sp-alert',
        'sp-barrier',
        'sp-connection',
        'sp-consent',
        'sp-contact',
        'sp-contact-note',
        'sp-episode-of-care',
        'sp-episode-summary',
        'sp-eq5d-vas',
        'sp-goal',
        'sp-gp-request',
        'sp-national-coding',
        'sp-need',
        'sp-ons4',
        'sp-provenance',
        'sp-readiness',
        'sp-referral',
        'sp-referral-task',
        'sp-risk-assessment',
        'sp-safeguarding-concern',
        'sp-support-plan',
        'sp-swemwbs',
        'sp-ucla3',
        'sp-wemwbs',
      ].map((id) => `https://sp-fhir-adapter.org/fhir/StructureDefinition/${id}`),
    );
  });

  it('publishes at least one example of every profile', () => {
    const exemplified = new Set(compiled.examples.flatMap((r) => r.meta?.profile ?? []));
    expect(checker.profileUrls.filter((url) => !exemplified.has(url))).toEqual([]);
  });

  it.each(compiled.examples.map((r) => [r.id ?? '', r]))('example %s conforms', (_id, resource) => {
    expect(checker.check(resource)).toEqual([]);
  });
});

describe('defects', () => {
  it('reports a wrong fixed code', () => {
    const obs = example('sp-ons4-example') as Observation;
    obs.code = { coding: [{ system: 'http://snomed.info/sct', code: '718466001' }] };
    expect(expressions(checker.check(obs))).toContain('Observation.code');
  });

  it('reports a missing required element', () => {
    const obs = example('sp-contact-note-example') as Observation;
    delete obs.effectiveDateTime;
    expect(expressions(checker.check(obs))).toContain('Observation.effective');
  });

  it('reports a missing required extension', () => {
    const goal = example('sp-goal-example') as Goal;
    goal.extension = goal.extension?.filter((e) => !e.url.endsWith('/source-record-version'));
    expect(expressions(checker.check(goal))).toContain('Goal.extension');
  });

  it('reports an out-of-range ONS4 item at the item itself', () => {
    const obs = example('sp-ons4-example') as Observation;
    const happiness = obs.component?.find((c) => c.code.coding?.[0]?.code === 'ons4-happiness');
    if (!happiness) {
      throw new Error('example lost its happiness component');
    }
    happiness.valueInteger = 11;
    const index = obs.component?.indexOf(happiness) ?? -1;
    const issues = checker.check(obs);
    expect(expressions(issues)).toEqual([`Observation.component[${index}].value.ofType(integer)`]);
    expect(issues[0]?.code).toBe('invariant');
  });

  it('reports a missing ONS4 item', () => {
    const obs = example('sp-ons4-example') as Observation;
    obs.component = obs.component?.slice(0, 3);
    expect(expressions(checker.check(obs))).toContain('Observation.component');
  });

  it('reports a SWEMWBS item or total out of range', () => {
    const obs = example('sp-swemwbs-example') as Observation;
    const first = obs.component?.[0];
    if (!first || !obs.valueQuantity) {
      throw new Error('example lost its content');
    }
    first.valueInteger = 0;
    obs.valueQuantity.value = 36;
    expect(expressions(checker.check(obs))).toEqual(
      expect.arrayContaining(['Observation.component[0].value.ofType(integer)', 'Observation.value']),
    );
  });

  it('reports a code outside a required project value set', () => {
    const obs = example('sp-contact-note-example') as Observation;
    const mode = obs.component?.find((c) => c.code.coding?.[0]?.code === 'contact-mode');
    if (!mode) {
      throw new Error('example lost its contact mode');
    }
    mode.valueCodeableConcept = {
      coding: [{ system: 'https://sp-fhir-adapter.org/fhir/CodeSystem/sp-contact-mode', code: 'carrier-pigeon' }],
    };
    const index = obs.component?.indexOf(mode) ?? -1;
    const issues = checker.check(obs);
    expect(expressions(issues)).toEqual([`Observation.component[${index}].value.ofType(CodeableConcept).coding[0]`]);
    expect(issues[0]?.code).toBe('code-invalid');
  });

  it('reports a bad code in a required extension', () => {
    const sr = example('sp-connection-example') as ServiceRequest;
    const status = sr.extension?.find((e) => e.url.endsWith('/connection-status'));
    if (!status?.valueCoding || !sr.extension) {
      throw new Error('example lost its connection status');
    }
    status.valueCoding.code = 'lost';
    const index = sr.extension.indexOf(status);
    expect(expressions(checker.check(sr))).toEqual([`ServiceRequest.extension[${index}].value.ofType(Coding)`]);
  });

  it('reports a Provenance activity or agent type code that its code system does not have', () => {
    const provenance = example('sp-provenance-example') as Provenance;
    provenance.activity = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CRATE' }],
    };
    const author = provenance.agent[0];
    if (!author) {
      throw new Error('example lost its author');
    }
    author.type = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'writer' }],
    };
    const issues = checker.check(provenance);
    // With its type changed the agent is no longer the author, so the author slice is missing too.
    expect(expressions(issues)).toEqual([
      'Provenance.agent',
      'Provenance.activity.coding[0]',
      'Provenance.agent[0].type.coding[0]',
    ]);
    expect(issues.map((i) => i.code)).toEqual(['structure', 'code-invalid', 'code-invalid']);
  });

  it('reports a Provenance without its author or its assembler agent', () => {
    for (const role of ['author', 'assembler']) {
      const provenance = example('sp-provenance-example') as Provenance;
      provenance.agent = provenance.agent.filter((a) => a.type?.coding?.[0]?.code !== role);
      provenance.agent.push({ type: { text: 'someone else' }, who: { type: 'Organization', display: 'Other' } });
      const issues = checker.check(provenance);
      expect(issues).toEqual([
        expect.objectContaining({
          severity: 'error',
          expression: ['Provenance.agent'],
          details: { text: expect.stringContaining(`slice '${role}'`) as unknown },
        }),
      ]);
    }
  });

  it('reports an author agent that is not a person, or acts for no organisation', () => {
    const provenance = example('sp-provenance-example') as Provenance;
    const author = provenance.agent[0];
    if (!author) {
      throw new Error('example lost its author');
    }
    author.who = { type: 'Device', display: 'sp-fhir-adapter' };
    delete author.onBehalfOf;
    expect(expressions(checker.check(provenance))).toEqual([
      'Provenance.agent[0].who.type',
      'Provenance.agent[0].onBehalfOf',
    ]);
  });

  it('reports a support plan without the personalised care and support plan category, but allows others beside it', () => {
    const plan = example('sp-support-plan-example') as CarePlan;
    const planCategory = plan.category?.[0];
    if (!planCategory) {
      throw new Error('example lost its category');
    }
    plan.category = [
      { coding: [{ system: 'https://sp-fhir-adapter.org/fhir/CodeSystem/sp-concepts', code: 'episode-summary' }] },
    ];
    expect(checker.check(plan)).toEqual([
      expect.objectContaining({
        severity: 'error',
        expression: ['CarePlan.category'],
        details: { text: expect.stringContaining("slice 'supportPlan'") as unknown },
      }),
    ]);
    plan.category = [{ text: 'Social prescribing' }, planCategory];
    expect(checker.check(plan)).toEqual([]);
  });

  it('accepts the Provenance codes the adapter writes, and (extensible) codes from other systems', () => {
    const provenance = example('sp-provenance-example') as Provenance;
    provenance.activity = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'UPDATE', display: 'revise' }],
    };
    expect(checker.check(provenance)).toEqual([]);
    provenance.activity = {
      coding: [{ system: 'http://hl7.org/fhir/w3c-provenance-activity-type', code: 'Generation' }],
    };
    expect(checker.check(provenance)).toEqual([]);
  });

  it('reports a base FHIR status code that does not exist', () => {
    const goal = example('sp-goal-example') as Goal;
    (goal as { lifecycleStatus: string }).lifecycleStatus = 'finished';
    expect(expressions(checker.check(goal))).toEqual(['Goal.lifecycleStatus']);
  });

  it('allows a SNOMED reason outside the presenting needs (extensible binding) with a warning, and text-only reasons', () => {
    const sr = example('sp-referral-example') as ServiceRequest;
    sr.reasonCode = [
      { text: 'Wants to get out more' },
      { coding: [{ system: 'http://snomed.info/sct', code: '73595000', display: 'Stress' }] },
      { coding: [{ system: 'https://example.org/local-needs', code: 'isolation' }] },
    ];
    const issues = checker.check(sr);
    expect(expressions(issues)).toEqual([]);
    expect(issues.filter((i) => i.severity === 'warning').map((i) => i.expression?.[0])).toEqual([
      'ServiceRequest.reasonCode[1].coding[0]',
    ]);
  });

  it('never turns a binding inherited from UK Core (SNOMED CT filters it cannot expand) into an error', () => {
    const connection = example('sp-connection-example') as ServiceRequest;
    const reasonBinding = compiled.structureDefinitions
      .find((sd) => sd.id === 'sp-connection')
      ?.snapshot?.element.find((e) => e.id === 'ServiceRequest.reasonCode')?.binding;
    expect(reasonBinding?.valueSet).toBe('https://fhir.hl7.org.uk/ValueSet/UKCore-ServiceRequestReasonCode');
    // A SNOMED CT code outside the UK Core reason value set, and one from another system.
    connection.reasonCode = [
      { coding: [{ system: 'http://snomed.info/sct', code: '73595000', display: 'Stress' }] },
      { coding: [{ system: 'https://example.org/local-reasons', code: 'isolation' }] },
    ];
    const contact = example('sp-contact-example') as Encounter;
    contact.serviceType = { coding: [{ system: 'http://snomed.info/sct', code: '310206008' }] };
    expect(expressions(checker.check(connection))).toEqual([]);
    expect(expressions(checker.check(contact))).toEqual([]);
  });

  it('still reports, under an extensible binding, a code its own code system does not have', () => {
    const provenance = example('sp-provenance-example') as Provenance;
    provenance.activity = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CRATE' }],
    };
    const issues = checker.check(provenance).filter((i) => i.severity === 'error');
    expect(issues.map((i) => i.details?.text)).toEqual([
      "Code 'http://terminology.hl7.org/CodeSystem/v3-DataOperation|CRATE' does not exist in its code system",
    ]);
  });

  it('reports a reference to a resource type the profile does not allow', () => {
    const obs = example('sp-contact-note-example') as Observation;
    obs.subject = { reference: 'Group/123' };
    obs.basedOn = [{ reference: 'https://ehr.example.org/fhir/CarePlan/9/_history/2' }];
    expect(expressions(checker.check(obs)).sort()).toEqual([
      'Observation.basedOn[0].reference',
      'Observation.subject.reference',
    ]);
  });

  it('accepts urn:uuid, conditional and absolute references of the right type', () => {
    const obs = example('sp-contact-note-example') as Observation;
    obs.subject = { reference: 'urn:uuid:0b0f6d6e-5b8c-4a8e-9d8e-4c1c0f4b9a11' };
    obs.basedOn = [
      { reference: 'ServiceRequest?identifier=https://example.org|1' },
      { reference: 'https://ehr.example.org/fhir/ServiceRequest/9' },
    ];
    expect(checker.check(obs)).toEqual([]);
  });

  it('rejects an unknown project profile and a profile for another type', () => {
    const goal = example('sp-goal-example') as Goal;
    goal.meta = { profile: ['https://sp-fhir-adapter.org/fhir/StructureDefinition/sp-nothing'] };
    expect(checker.check(goal)).toEqual([
      expect.objectContaining({ severity: 'error', code: 'not-supported', expression: ['Goal.meta.profile[0]'] }),
    ]);
    goal.meta = { profile: ['https://sp-fhir-adapter.org/fhir/StructureDefinition/sp-referral'] };
    expect(expressions(checker.check(goal))).toEqual(['Goal.meta.profile[0]']);
  });

  it('checks a resource without a project profile against its base type', () => {
    expect(checker.check({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' } })).toEqual([]);
    const issues = checker.check({ resourceType: 'Encounter', status: 'done' as 'finished', class: { code: 'AMB' } });
    expect(expressions(issues)).toEqual(['Encounter.status']);
  });

  it('gives every issue a severity, a code and an expression', () => {
    const obs = example('sp-ons4-example') as Observation;
    delete obs.subject;
    obs.component = [];
    for (const found of checker.check(obs)) {
      expect(found.severity).toBeDefined();
      expect(found.code).toBeDefined();
      expect(found.expression?.length).toBeGreaterThan(0);
    }
  });
});

describe('referenceTargetType', () => {
  it.each([
    ['Patient/1', 'Patient'],
    ['Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919', 'Patient'],
    ['https://ehr.example.org/fhir/Observation/5/_history/3', 'Observation'],
    ['urn:uuid:0b0f6d6e-5b8c-4a8e-9d8e-4c1c0f4b9a11', undefined],
    ['#contained', undefined],
  ])('%s → %s', (reference, type) => {
    expect(referenceTargetType(reference)).toBe(type);
  });
});

describe('a self-referral', () => {
  it('maps to a referral whose requester is the Patient and conforms', () => {
    const doc = referralDoc({ method: 'self' });
    delete (doc as Partial<typeof doc>).referrer;
    const validated = validateInbound('referral', doc, new Date());
    if (!validated.ok) {
      throw new Error(JSON.stringify(validated.issues));
    }
    const resources = mapMessage(validated.message, {
      patient: { reference: 'Patient/p-1' },
      recordedAt: new Date().toISOString(),
    });
    const request = resources.find((r) => r.resourceType === 'ServiceRequest');
    expect(request?.requester).toEqual({
      reference: 'Patient/p-1',
      display: 'Self-referral',
    });
    for (const resource of resources) {
      expect(expressions(checker.check(resource))).toEqual([]);
    }
  });
});
