/**
 * A generated narrative (Resource.text) for every resource the mappers write, so a GP system that shows only the
 * narrative still shows what was recorded. It is built from the resource's own elements (nothing is added that
 * the structured data does not say), as an XHTML div whose text is escaped.
 */
import type {
  CarePlan,
  CarePlanActivityDetail,
  CodeableConcept,
  Coding,
  Consent,
  ConsentProvision,
  Encounter,
  Flag,
  EpisodeOfCare,
  Goal,
  Narrative,
  Observation,
  ObservationComponent,
  Provenance,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { SECTION_CODES, SECTION_SYSTEMS } from './section-codes';

/** Every resource type a mapper writes. */
export type NarratedResource =
  ServiceRequest | Task | EpisodeOfCare | Observation | Goal | Encounter | CarePlan | Provenance | Flag | Consent;

type Line = readonly [label: string, value: string | undefined];

const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeXhtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

function codingLabel(coding: readonly Coding[] | undefined): string | undefined {
  const first = coding?.[0];
  return first?.display ?? first?.code;
}

function conceptLabel(concept: CodeableConcept | undefined): string | undefined {
  return concept?.text ?? codingLabel(concept?.coding);
}

function joined(values: readonly (string | undefined)[]): string | undefined {
  const present = values.filter((value): value is string => value !== undefined && value !== '');
  return present.length > 0 ? present.join('; ') : undefined;
}

type Valued = Pick<
  Observation,
  'valueString' | 'valueQuantity' | 'valueCodeableConcept' | 'valueInteger' | 'valueBoolean' | 'valueDateTime'
>;

function valueLabel(value: Valued): string | undefined {
  if (value.valueString !== undefined) {
    return value.valueString;
  }
  if (value.valueQuantity?.value !== undefined) {
    const unit = value.valueQuantity.unit ?? value.valueQuantity.code;
    return unit === undefined || unit === '{score}'
      ? String(value.valueQuantity.value)
      : `${String(value.valueQuantity.value)} ${unit}`;
  }
  if (value.valueInteger !== undefined) {
    return String(value.valueInteger);
  }
  if (value.valueBoolean !== undefined) {
    return value.valueBoolean ? 'Yes' : 'No';
  }
  if (value.valueDateTime !== undefined) {
    return value.valueDateTime;
  }
  return conceptLabel(value.valueCodeableConcept);
}

function componentLines(components: readonly ObservationComponent[] | undefined): Line[] {
  return (components ?? []).map((component) => [conceptLabel(component.code) ?? 'Component', valueLabel(component)]);
}

function provisionLines(provision: ConsentProvision | undefined): Line[] {
  if (provision === undefined) {
    return [];
  }
  const who = joined((provision.actor ?? []).map((actor) => actor.reference.display));
  return [
    [provision.type === 'deny' ? 'Not shared with' : 'Shared with', who],
    ...(provision.provision ?? []).flatMap(provisionLines),
  ];
}

/**
 * Who may see the resource, from its security labels, so a reader of the narrative alone is told too: the
 * confidentiality and any label that keeps it out of online record access.
 */
function securityLines(resource: NarratedResource): Line[] {
  const labels = resource.meta?.security ?? [];
  const words = labels.map((label) => {
    if (label.system === SECTION_SYSTEMS.confidentiality) {
      return `Confidentiality: ${label.display ?? label.code ?? ''}`;
    }
    if (
      label.system === SECTION_CODES.noPatientDisclosure.system &&
      label.code === SECTION_CODES.noPatientDisclosure.code
    ) {
      return 'Withheld from online record access';
    }
    return label.display ?? label.code;
  });
  return labels.length === 0 ? [] : [['Visibility', joined(words)]];
}

function activityLabel(detail: CarePlanActivityDetail | undefined): string | undefined {
  const kind = conceptLabel(detail?.code);
  return kind === undefined ? detail?.description : `${detail?.description ?? ''} (${kind})`;
}

/** The lines that say what a resource records, in the order a reader needs them. */
function linesOf(resource: NarratedResource): Line[] {
  switch (resource.resourceType) {
    case 'ServiceRequest':
      return [
        ['Request', conceptLabel(resource.code)],
        ['Status', resource.status],
        ['Date', resource.authoredOn],
        ['Requested by', resource.requester?.display],
        ['To', joined((resource.performer ?? []).map((performer) => performer.display))],
        ['Reasons', joined((resource.reasonCode ?? []).map(conceptLabel))],
        ['Details', joined((resource.orderDetail ?? []).map(conceptLabel))],
        ['Note', joined((resource.note ?? []).map((note) => note.text))],
      ];
    case 'Task':
      return [
        ['Referral stage', conceptLabel(resource.businessStatus)],
        ['Status', resource.status],
        ['Reason', conceptLabel(resource.statusReason)],
        ['Request', resource.description],
        ['Reason for request', conceptLabel(resource.reasonCode)],
        ['Date', resource.authoredOn],
        ['Owner', resource.owner?.display],
        ['Requested by', resource.requester?.display],
      ];
    case 'Flag':
      return [
        ['Alert', conceptLabel(resource.code)],
        ['Category', joined((resource.category ?? []).map(conceptLabel))],
        ['Status', resource.status],
        ['Since', resource.period?.start],
        ['Until', resource.period?.end],
        ['Recorded by', resource.author?.display],
      ];
    case 'Consent':
      return [
        ['Consent', joined(resource.category.map(conceptLabel))],
        ['Status', resource.status],
        ['Date', resource.dateTime],
        ...provisionLines(resource.provision),
        ['In their words', resource.sourceAttachment?.title],
      ];
    case 'EpisodeOfCare':
      return [
        ['Episode', joined((resource.type ?? []).map(conceptLabel))],
        ['Status', resource.status],
        ['From', resource.period?.start],
        ['To', resource.period?.end],
        ['Managed by', resource.managingOrganization?.display],
        ['Care manager', resource.careManager?.display],
      ];
    case 'Observation':
      return [
        ['Observation', conceptLabel(resource.code)],
        ['Date', resource.effectiveDateTime],
        ['Value', valueLabel(resource)],
        ...componentLines(resource.component),
        ['Note', joined((resource.note ?? []).map((note) => note.text))],
      ];
    case 'Goal':
      return [
        ['Goal', resource.description.text],
        ['Status', resource.lifecycleStatus],
        ['Achievement', conceptLabel(resource.achievementStatus)],
        ['Agreed', resource.startDate],
        ['Target date', resource.target?.[0]?.dueDate],
      ];
    case 'Encounter':
      return [
        ['Contact', joined((resource.type ?? []).map(conceptLabel))],
        ['Date', resource.period?.start],
        ['Length', resource.length?.value === undefined ? undefined : `${String(resource.length.value)} min`],
        ['With', joined((resource.participant ?? []).map((participant) => participant.individual?.display))],
      ];
    case 'CarePlan':
      return [
        ['Plan', joined((resource.category ?? []).map(conceptLabel))],
        ['Status', resource.status],
        ['Agreed', resource.created],
        ['Actions', joined((resource.activity ?? []).map((activity) => activityLabel(activity.detail)))],
      ];
    case 'Provenance':
      return [
        ['Provenance', conceptLabel(resource.activity)],
        ['Recorded', resource.recorded],
        ['Author', resource.agent[0]?.who.display],
      ];
  }
}

/** The narrative of a resource: one paragraph per element present, every value escaped. */
export function narrativeOf(resource: NarratedResource): Narrative {
  const paragraphs = [...linesOf(resource), ...securityLines(resource)]
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([label, value]) => `<p><b>${escapeXhtml(label)}</b>: ${escapeXhtml(value ?? '')}</p>`);
  const body = paragraphs.length > 0 ? paragraphs.join('') : `<p>${escapeXhtml(resource.resourceType)}</p>`;
  return { status: 'generated', div: `<div xmlns="${XHTML_NAMESPACE}">${body}</div>` };
}

/** The resource with its generated narrative, placed where FHIR's JSON puts `text` (after meta). */
export function withNarrative<T extends NarratedResource>(resource: T): T {
  const { resourceType, meta, ...rest } = resource;
  return { resourceType, ...(meta !== undefined ? { meta } : {}), text: narrativeOf(resource), ...rest } as T;
}
