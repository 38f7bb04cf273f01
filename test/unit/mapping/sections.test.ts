// The record's sections as a GP system reads them: the risk assessment and its alerts (kept per episode, made
// inactive when resolved), safeguarding concerns labelled restricted and withheld, consent to share as an R4
// Consent, requests to the GP as Tasks the practice owns, visibility labels on every resource of a note, readiness
// as motivation and capacity, and barriers typed structural or personal. Every variant conforms to its profile.
import type { Consent, Flag, Observation, Resource, Task } from '@medplum/fhirtypes';
import { createConformanceChecker } from '../../../src/conformance';
import type { ConformanceChecker } from '../../../src/conformance';
import { mapMessage } from '../../../src/mapping';
import type { InboundMessage, MessageKind } from '../../../src/messages/schemas';
import { validateInbound } from '../../../src/messages/validate';
import { journeyBody } from '../../support/fixtures';

const NOW = new Date('2026-11-20T12:00:00Z');
const PATIENT = { reference: 'Patient/p-1' };
const REFERRAL = { reference: 'ServiceRequest/r-1' };
const NOPAT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

let checker: ConformanceChecker;

beforeAll(() => {
  checker = createConformanceChecker();
});

function message(kind: MessageKind, body: unknown): InboundMessage {
  const result = validateInbound(kind, body, NOW);
  if (!result.ok) {
    throw new Error(`not valid: ${JSON.stringify(result.issues)}`);
  }
  return result.message;
}

function mapped(kind: MessageKind, file: string, changes: Record<string, unknown> = {}): Resource[] {
  const body = { ...(journeyBody(file) as Record<string, unknown>), ...changes };
  const ctx =
    kind === 'referral'
      ? { patient: PATIENT, recordedAt: NOW.toISOString() }
      : { patient: PATIENT, referral: REFERRAL, recordedAt: NOW.toISOString() };
  const resources = mapMessage(message(kind, body), ctx);
  for (const resource of resources) {
    expect({ type: resource.resourceType, issues: checker.check(resource) }).toEqual({
      type: resource.resourceType,
      issues: [],
    });
  }
  return resources;
}

const ofProfile = <T extends Resource>(resources: readonly Resource[], id: string): T[] =>
  resources.filter((r) => r.meta?.profile?.[0]?.endsWith(`/${id}`) === true) as T[];

const securityOf = (resource: Resource): string[] =>
  (resource.meta?.security ?? []).map((s) => `${s.system ?? ''}#${s.code ?? ''}`);

describe('risks', () => {
  it('records "no known risks" as the value of one assessment, with no risk listed and no alert', () => {
    const resources = mapped('referral', 'a-quick-connection/01-referral.json');
    const [assessment] = ofProfile<Observation>(resources, 'sp-risk-assessment');
    expect(assessment?.valueCodeableConcept?.coding?.[0]?.code).toBe('no-known-risks');
    expect(assessment?.component).toBeUndefined();
    expect(ofProfile(resources, 'sp-alert')).toEqual([]);
  });

  it('lists each active risk by whom it threatens and raises an alert for it, with how to stay safe', () => {
    const resources = mapped('referral', 'b-anchoring/01-referral.json');
    const [assessment] = ofProfile<Observation>(resources, 'sp-risk-assessment');
    expect(assessment?.component?.map((c) => [c.code.coding?.[0]?.code, c.valueCodeableConcept?.text])).toEqual([
      ['risk-to-link-worker', 'Large dog at the home, not always shut away'],
      ['risk-to-person', 'Not eating regularly since losing his job'],
    ]);
    const alerts = ofProfile<Flag>(resources, 'sp-alert');
    expect(alerts.map((flag) => [flag.status, flag.category?.[1]?.coding?.[0]?.code, flag.code.text])).toEqual([
      [
        'active',
        'risk-to-link-worker',
        'Large dog at the home, not always shut away. Ask for the dog to be shut in before a home visit.',
      ],
      ['active', 'risk-to-person', 'Not eating regularly since losing his job'],
    ]);
  });

  it('keeps one alert per risk across the episode: a later note that resolves it rewrites the same Flag as inactive', () => {
    const fromReferral = ofProfile<Flag>(mapped('referral', 'b-anchoring/01-referral.json'), 'sp-alert');
    const fromNote = ofProfile<Flag>(mapped('outcome-note', 'b-anchoring/06-contact.json'), 'sp-alert').filter(
      (flag) => flag.category?.[1]?.coding?.[0]?.code !== 'safeguarding',
    );
    expect(fromNote.map((flag) => flag.identifier?.[0])).toEqual(fromReferral.map((flag) => flag.identifier?.[0]));
    const dog = fromNote.find((flag) => flag.identifier?.[0]?.value?.endsWith('/risk/dog') === true);
    expect(dog?.status).toBe('inactive');
    expect(dog?.period).toEqual({ start: '2026-10-01T09:00:00Z', end: '2026-11-07T10:00:00Z' });
  });
});

describe('safeguarding', () => {
  it('is restricted and withheld from online access, even when the note is labelled normal', () => {
    const resources = mapped('outcome-note', 'b-anchoring/03-contact.json', {
      visibility: { confidentiality: 'normal', withholdFromOnlineAccess: false },
    });
    const concern = ofProfile<Observation>(resources, 'sp-safeguarding-concern');
    const alert = ofProfile<Flag>(resources, 'sp-alert');
    expect([...concern, ...alert].map(securityOf)).toEqual([
      [
        `${CONFIDENTIALITY}#R`,
        `${NOPAT}#NOPAT`,
        'https://sp-fhir-adapter.org/fhir/CodeSystem/sp-withhold-reason#safeguarding',
      ],
      [
        `${CONFIDENTIALITY}#R`,
        `${NOPAT}#NOPAT`,
        'https://sp-fhir-adapter.org/fhir/CodeSystem/sp-withhold-reason#safeguarding',
      ],
    ]);
    expect(
      concern[0]?.component?.map((c) => c.valueString ?? c.valueDateTime ?? c.valueCodeableConcept?.coding?.[0]?.code),
    ).toEqual(['Adult Safeguarding Team, Duty social worker, ODS TSC01', '2026-10-10T11:30:00Z', 'open']);
  });

  it('closes the alert when the concern is closed', () => {
    const alert = ofProfile<Flag>(mapped('outcome-note', 'b-anchoring/06-contact.json'), 'sp-alert').find(
      (flag) => flag.category?.[1]?.coding?.[0]?.code === 'safeguarding',
    );
    expect([alert?.status, alert?.period?.end]).toEqual(['inactive', '2026-11-02T09:00:00Z']);
  });
});

describe('visibility', () => {
  it('labels every resource of the note, and not its Provenance', () => {
    const resources = mapped('outcome-note', 'b-anchoring/03-contact.json', {
      visibility: {
        confidentiality: 'very-restricted',
        withholdFromOnlineAccess: true,
        withholdReason: 'risk-of-serious-harm',
      },
    });
    for (const resource of resources.filter((r) => r.resourceType !== 'Provenance')) {
      expect(securityOf(resource)).toEqual(
        expect.arrayContaining([`${CONFIDENTIALITY}#V`, `${NOPAT}#NOPAT`]) as unknown,
      );
      expect(securityOf(resource).filter((label) => label.startsWith(CONFIDENTIALITY))).toHaveLength(1);
    }
    expect(resources.find((r) => r.resourceType === 'Provenance')?.meta?.security).toBeUndefined();
  });

  it('writes no label when the note gives no visibility', () => {
    const resources = mapped('outcome-note', 'a-quick-connection/02-contact.json');
    expect(resources.flatMap(securityOf)).toEqual([]);
  });
});

describe('consent to share', () => {
  it('permits the GP practice to receive the record and says which others may or may not', () => {
    const [consent] = ofProfile<Consent>(mapped('referral', 'b-anchoring/01-referral.json'), 'sp-consent');
    expect(consent?.status).toBe('active');
    expect(consent?.provision?.actor?.[0]?.reference.identifier?.value).toBe('A81001');
    expect(consent?.provision?.provision?.map((p) => [p.type, p.actor?.[0]?.reference.display])).toEqual([
      ['permit', 'Other health and care professionals'],
      ['deny', 'Family or carer'],
    ]);
  });

  it('is inactive once withdrawn, its permission ending that day', () => {
    const [consent] = ofProfile<Consent>(
      mapped('referral', 'a-quick-connection/01-referral.json', {
        consent: { recordedAt: '2026-10-02T09:00:00Z', gpPractice: 'withdrawn' },
      }),
      'sp-consent',
    );
    expect([consent?.status, consent?.provision?.period]).toEqual(['inactive', { end: '2026-10-02T09:00:00Z' }]);
  });
});

describe('requests to the GP', () => {
  it('become Tasks the practice owns, requested, for the patient and on the referral', () => {
    const [task] = ofProfile<Task>(mapped('outcome-note', 'b-anchoring/06-contact.json'), 'sp-gp-request');
    expect(task).toEqual(
      expect.objectContaining({
        status: 'requested',
        intent: 'proposal',
        description: 'Review his low mood and consider talking therapies',
        for: PATIENT,
        focus: REFERRAL,
        owner: expect.objectContaining({
          identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A81001' },
        }) as unknown,
      }),
    );
  });
});

describe('readiness and barriers', () => {
  it('carry motivation and capacity beside the stage, and the type of each barrier', () => {
    const resources = mapped('outcome-note', 'b-anchoring/03-contact.json');
    const [readiness] = ofProfile<Observation>(resources, 'sp-readiness');
    expect(
      readiness?.component?.map((c) => [c.code.coding?.[0]?.code, c.valueCodeableConcept?.coding?.[0]?.code]),
    ).toEqual([
      ['readiness-motivation', 'medium'],
      ['readiness-capacity', 'low'],
    ]);
    const barriers = ofProfile<Observation>(resources, 'sp-barrier');
    expect(
      barriers.map((b) => [
        b.valueCodeableConcept?.coding?.[0]?.code,
        b.component?.[0]?.valueCodeableConcept?.coding?.[0]?.code,
      ]),
    ).toEqual([
      ['confidence', 'personal'],
      ['other', 'structural'],
    ]);
  });
});
