/**
 * Code systems, codes, profile and extension URLs the mappers write. National codes (SNOMED CT, UK Core identifier
 * systems) are used where a verified one exists; the project's own CodeSystems fill the gaps and say so by their URI.
 */
import type { Coding } from '@medplum/fhirtypes';

export const CANONICAL = 'https://sp-fhir-adapter.org/fhir';

export const SYSTEMS = {
  snomed: 'http://snomed.info/sct',
  ucum: 'http://unitsofmeasure.org',
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  odsOrganisation: 'https://fhir.nhs.uk/Id/ods-organization-code',
  sdsUserId: 'https://fhir.nhs.uk/Id/sds-user-id',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  goalPriority: 'http://terminology.hl7.org/CodeSystem/goal-priority',
  goalAchievement: 'http://terminology.hl7.org/CodeSystem/goal-achievement',
  spConcepts: `${CANONICAL}/CodeSystem/sp-concepts`,
  spReferralStatus: `${CANONICAL}/CodeSystem/sp-referral-status`,
  spReferralSource: `${CANONICAL}/CodeSystem/sp-referral-source`,
  spContactMode: `${CANONICAL}/CodeSystem/sp-contact-mode`,
  spContactParticipant: `${CANONICAL}/CodeSystem/sp-contact-participant`,
  spReadiness: `${CANONICAL}/CodeSystem/sp-readiness`,
  spBarrier: `${CANONICAL}/CodeSystem/sp-barrier`,
  spConnectionStatus: `${CANONICAL}/CodeSystem/sp-connection-status`,
  spStatusReason: `${CANONICAL}/CodeSystem/sp-status-reason`,
  spClosureReason: `${CANONICAL}/CodeSystem/sp-closure-reason`,
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  dataOperation: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
  provenanceParticipant: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
  taskCode: 'http://hl7.org/fhir/CodeSystem/task-code',
  /**
   * Tags the one resource written for a source record version where R4 gives the resource no business identifier
   * (Provenance, AuditEvent), so it is written by a conditional update on `_tag` instead of a client-chosen id,
   * which many servers refuse (Medplum, for one, answers 404 to update-as-create).
   */
  writeKey: `${CANONICAL}/CodeSystem/write-key`,
} as const;

export const PROFILES = {
  referral: `${CANONICAL}/StructureDefinition/sp-referral`,
  goal: `${CANONICAL}/StructureDefinition/sp-goal`,
  contactNote: `${CANONICAL}/StructureDefinition/sp-contact-note`,
  ons4: `${CANONICAL}/StructureDefinition/sp-ons4`,
  swemwbs: `${CANONICAL}/StructureDefinition/sp-swemwbs`,
  wemwbs: `${CANONICAL}/StructureDefinition/sp-wemwbs`,
  ucla3: `${CANONICAL}/StructureDefinition/sp-ucla3`,
  eq5dVas: `${CANONICAL}/StructureDefinition/sp-eq5d-vas`,
  contact: `${CANONICAL}/StructureDefinition/sp-contact`,
  readiness: `${CANONICAL}/StructureDefinition/sp-readiness`,
  barrier: `${CANONICAL}/StructureDefinition/sp-barrier`,
  need: `${CANONICAL}/StructureDefinition/sp-need`,
  connection: `${CANONICAL}/StructureDefinition/sp-connection`,
  supportPlan: `${CANONICAL}/StructureDefinition/sp-support-plan`,
  episodeSummary: `${CANONICAL}/StructureDefinition/sp-episode-summary`,
  provenance: `${CANONICAL}/StructureDefinition/sp-provenance`,
  nationalCoding: `${CANONICAL}/StructureDefinition/sp-national-coding`,
  referralTask: `${CANONICAL}/StructureDefinition/sp-referral-task`,
  episodeOfCare: `${CANONICAL}/StructureDefinition/sp-episode-of-care`,
} as const;

export const EXTENSIONS = {
  /**
   * UK Core's source of the referral (who referred the person): used instead of a project extension, with a SNOMED
   * CT code from its value set where one says the same as the sender's method, and the project code beside it.
   */
  sourceOfServiceRequest: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-SourceOfServiceRequest',
  goalImportance: `${CANONICAL}/StructureDefinition/goal-importance`,
  sourceRecordVersion: `${CANONICAL}/StructureDefinition/source-record-version`,
  sourceRecordWriter: `${CANONICAL}/StructureDefinition/source-record-writer`,
  /** Core R4 extension: why a request (a ServiceRequest) has its current status. */
  requestStatusReason: 'http://hl7.org/fhir/StructureDefinition/request-statusReason',
  connectionStatus: `${CANONICAL}/StructureDefinition/connection-status`,
  actionConfidence: `${CANONICAL}/StructureDefinition/action-confidence`,
  /** Core R4 extension: the episode of care a request or event belongs to (Observation, ServiceRequest...). */
  workflowEpisodeOfCare: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare',
  /** Core R4 extension: the goal a resource is working towards (any resource). */
  pertainsToGoal: 'http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal',
  /** The episode a Goal belongs to: R4 Goal has no element for it and the core extension does not allow Goal. */
  goalEpisodeOfCare: `${CANONICAL}/StructureDefinition/goal-episode-of-care`,
  /** The earlier episode a re-referral's episode follows: R4 EpisodeOfCare has no element for it. */
  previousEpisode: `${CANONICAL}/StructureDefinition/previous-episode`,
  /** When the care and support plan is to be reviewed: R4 CarePlan has no element for it. */
  planReviewDate: `${CANONICAL}/StructureDefinition/plan-review-date`,
} as const;

const snomed = (code: string, display: string): Coding => ({ system: SYSTEMS.snomed, code, display });
const concept = (code: string, display: string): Coding => ({ system: SYSTEMS.spConcepts, code, display });

/**
 * SNOMED CT codes for a referral's source, from UK Core's SourceOfServiceRequest value set (its 2022 expansion in
 * UK Core 2.0.0), for the methods one of its concepts names exactly; the other methods have no such concept (a
 * voluntary-sector or local-authority referrer is not one person's role) and carry the project code alone.
 */
export const REFERRAL_SOURCE_SNOMED: Readonly<Partial<Record<string, Coding>>> = {
  gp: snomed('108161000000109', 'Referred by general practitioner'),
  self: snomed('310434002', 'Self-referral to service'),
};

/** The project's referral-source codes and their displays (CodeSystem sp-referral-source). */
export const REFERRAL_SOURCE_DISPLAY: Readonly<Record<string, string>> = {
  gp: 'GP practice',
  'other-professional': 'Other health or care professional',
  self: 'Self-referral',
  'voluntary-sector': 'Voluntary, community or social enterprise sector',
  'local-authority': 'Local authority',
  other: 'Other',
};

export const CODES = {
  /** The national count code: written once, in its own entry, when the person accepts (NHS England guidance). */
  socialPrescribingReferral: snomed('871731000000106', 'Referral to social prescribing service'),
  /** ServiceRequest.code: no verified generic SNOMED CT referral concept is known, so a project code. */
  linkWorkerReferral: concept('social-prescribing-referral', 'Referral to a social prescribing link worker'),
  nationalCodingEntry: concept('national-coding-entry', 'National social prescribing coded entry'),
  fulfil: { system: SYSTEMS.taskCode, code: 'fulfill', display: 'Fulfill the focal request' },
  swemwbsScore: snomed('718466001', 'Short Warwick-Edinburgh Mental Well-being Scale score'),
  contactNote: concept('link-worker-contact-note', 'Social prescribing link worker contact note'),
  contactMode: concept('contact-mode', 'Contact mode'),
  contactDuration: concept('contact-duration', 'Contact duration'),
  ons4: concept('ons4', 'ONS4 personal wellbeing measures'),
  ons4LifeSatisfaction: concept('ons4-life-satisfaction', 'ONS4 life satisfaction'),
  ons4Worthwhile: concept('ons4-worthwhile', 'ONS4 things done in life are worthwhile'),
  ons4Happiness: concept('ons4-happiness', 'ONS4 happiness yesterday'),
  ons4Anxiety: concept('ons4-anxiety', 'ONS4 anxiety yesterday'),
  socialPrescribingDeclined: snomed('871711000000103', 'Social prescribing declined'),
  wemwbsScore: snomed('718426000', 'Warwick-Edinburgh Mental Well-being Scale score'),
  eq5dVas: snomed('736535009', 'EuroQol visual analogue score'),
  ucla3Score: concept('ucla3-score', 'UCLA 3-item loneliness scale score'),
  swemwbsMetric: concept('swemwbs-metric-score', 'SWEMWBS metric score'),
  readiness: concept('readiness-to-act', 'Readiness to act'),
  barrier: concept('barrier-to-connection', 'Barrier to connection'),
  need: concept('presenting-need', 'Social prescribing need or concern'),
  communityReferral: concept('community-referral', 'Referral to a community organisation'),
  communitySignposting: concept('community-signposting', 'Signposting to a community organisation'),
  supportPlan: concept('personalised-care-support-plan', 'Personalised care and support plan'),
  socialPrescribingEpisode: concept('social-prescribing-episode', 'Social prescribing episode of care'),
  episodeSummary: concept('episode-summary', 'Social prescribing episode summary'),
  closureReason: concept('closure-reason', 'Reason the episode ended'),
  reReferralOffered: concept('re-referral-offered', 'Re-referral offered'),
  followUp: concept('follow-up-planned', 'Follow-up planned'),
  socialHistory: { system: SYSTEMS.observationCategory, code: 'social-history', display: 'Social History' },
  survey: { system: SYSTEMS.observationCategory, code: 'survey', display: 'Survey' },
} as const;

/** SWEMWBS item n (1-7) as a project code; the licensed item wording is deliberately not carried. */
export function swemwbsItemCode(item: number): Coding {
  return concept(`swemwbs-item-${item}`, `SWEMWBS item ${item}`);
}

/** UCLA-3 item n (1-3) as a project code. */
export function ucla3ItemCode(item: number): Coding {
  return concept(`ucla3-item-${item}`, `UCLA-3 item ${item}`);
}

/** WEMWBS item n (1-14) as a project code; the licensed item wording is deliberately not carried. */
export function wemwbsItemCode(item: number): Coding {
  return concept(`wemwbs-item-${item}`, `WEMWBS item ${item}`);
}

/** Display terms for the presenting-need SNOMED CT codes the project's value set lists. */
export const PRESENTING_NEED_TERMS: Readonly<Record<string, string>> = {
  '422650009': 'Social isolation',
  '267076002': 'Feeling lonely',
  '160932005': 'Financial problem',
  '105531004': 'Housing unsatisfactory',
  '32911000': 'Homeless',
  '73438004': 'Unemployed',
  '733423003': 'Food insecurity',
  '366979004': 'Depressed mood',
  '48694002': 'Anxiety',
  '224484003': 'Person themselves is a carer',
  '40979000': 'Lack of physical exercise',
  '266934004': 'Transport problem',
};
