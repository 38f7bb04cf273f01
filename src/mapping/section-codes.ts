/**
 * Code systems, codes, profiles and display terms of the record's sections (risks, safeguarding, consent,
 * requests to the GP, visibility, readiness, barriers and support activities). HL7 and LOINC codes are copied
 * from the R4 definitions; the project's own code system `sp-record-sections` fills the gaps and says so by its URI.
 */
import type { Coding } from '@medplum/fhirtypes';
import type { BarrierType, ReadinessLevel, SupportActivity } from '../messages/schemas';
import type { ConsentRecipient } from '../messages/sections/consent';
import type { RiskSubject } from '../messages/sections/risks';
import type { Confidentiality, WithholdReason } from '../messages/sections/visibility';
import { CANONICAL } from './codes';

export const SECTION_SYSTEMS = {
  loinc: 'http://loinc.org',
  flagCategory: 'http://terminology.hl7.org/CodeSystem/flag-category',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  sections: `${CANONICAL}/CodeSystem/sp-record-sections`,
  alertCategory: `${CANONICAL}/CodeSystem/sp-alert-category`,
  safeguardingStatus: `${CANONICAL}/CodeSystem/sp-safeguarding-status`,
  withholdReason: `${CANONICAL}/CodeSystem/sp-withhold-reason`,
  readinessLevel: `${CANONICAL}/CodeSystem/sp-readiness-level`,
  barrierType: `${CANONICAL}/CodeSystem/sp-barrier-type`,
  supportActivity: `${CANONICAL}/CodeSystem/sp-support-activity`,
} as const;

export const SECTION_PROFILES = {
  riskAssessment: `${CANONICAL}/StructureDefinition/sp-risk-assessment`,
  alert: `${CANONICAL}/StructureDefinition/sp-alert`,
  safeguardingConcern: `${CANONICAL}/StructureDefinition/sp-safeguarding-concern`,
  consent: `${CANONICAL}/StructureDefinition/sp-consent`,
  gpRequest: `${CANONICAL}/StructureDefinition/sp-gp-request`,
} as const;

export const SECTION_EXTENSIONS = {
  /** Core R4 extension: the resource a Flag's alert is about, for the detail behind it. */
  flagDetail: 'http://hl7.org/fhir/StructureDefinition/flag-detail',
} as const;

const section = (code: string, display: string): Coding => ({ system: SECTION_SYSTEMS.sections, code, display });

export const SECTION_CODES = {
  riskAssessment: section('risk-assessment', 'Risk assessment'),
  noKnownRisks: section('no-known-risks', 'No known risks'),
  risksIdentified: section('risks-identified', 'Risks identified'),
  safeguardingConcern: section('safeguarding-concern', 'Safeguarding concern raised'),
  safeguardingReferredTo: section('safeguarding-referred-to', 'Safeguarding concern referred to'),
  safeguardingReferredAt: section('safeguarding-referred-at', 'Safeguarding concern referral date'),
  safeguardingStatus: section('safeguarding-status', 'Safeguarding concern status'),
  readinessMotivation: section('readiness-motivation', 'Motivation to act'),
  readinessCapacity: section('readiness-capacity', 'Capacity to act'),
  barrierType: section('barrier-type', 'Type of barrier'),
  gpRequest: section('gp-request', 'Request to the GP practice'),
  safety: { system: SECTION_SYSTEMS.flagCategory, code: 'safety', display: 'Safety' },
  privacyConsent: { system: SECTION_SYSTEMS.consentScope, code: 'patient-privacy', display: 'Privacy Consent' },
  /** LOINC 64292-6, one of the codes of the R4 consent-category value set. */
  releaseOfInformation: { system: SECTION_SYSTEMS.loinc, code: '64292-6', display: 'Release of information consent' },
  informationRecipient: {
    system: SECTION_SYSTEMS.participationType,
    code: 'IRCP',
    display: 'information recipient',
  },
  treatment: { system: SECTION_SYSTEMS.actReason, code: 'TREAT', display: 'treatment' },
  /** HL7 refrain policy: not to be disclosed to the patient (here: online record access) without a clinician's review. */
  noPatientDisclosure: {
    system: SECTION_SYSTEMS.actCode,
    code: 'NOPAT',
    display: "no disclosure to patient, family or caregivers without attending provider's authorization",
  },
} as const;

/** The risk subject as the component code of the risk assessment and the category of its alert. */
export const RISK_SUBJECT_CODES: Readonly<Record<RiskSubject, Coding>> = {
  person: section('risk-to-person', 'Risk to the person'),
  'link-worker': section('risk-to-link-worker', 'Risk to the link worker'),
  others: section('risk-to-others', 'Risk to others'),
};

export const ALERT_CATEGORY_DISPLAY = {
  'risk-to-person': 'Risk to the person',
  'risk-to-link-worker': 'Risk to the link worker',
  'risk-to-others': 'Risk to others',
  safeguarding: 'Safeguarding concern',
} as const;

export type AlertCategory = keyof typeof ALERT_CATEGORY_DISPLAY;

export const CONFIDENTIALITY_CODES: Readonly<Record<Confidentiality, Coding>> = {
  normal: { system: SECTION_SYSTEMS.confidentiality, code: 'N', display: 'normal' },
  restricted: { system: SECTION_SYSTEMS.confidentiality, code: 'R', display: 'restricted' },
  'very-restricted': { system: SECTION_SYSTEMS.confidentiality, code: 'V', display: 'very restricted' },
};

export const WITHHOLD_REASON_DISPLAY: Readonly<Record<WithholdReason | 'safeguarding', string>> = {
  'third-party-information': 'Contains information about a third party',
  'risk-of-serious-harm': 'Disclosure could cause serious harm',
  safeguarding: 'Safeguarding information',
};

export const READINESS_LEVEL_DISPLAY: Readonly<Record<ReadinessLevel, string>> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
};

export const BARRIER_TYPE_DISPLAY: Readonly<Record<BarrierType, string>> = {
  structural: 'Structural barrier',
  personal: 'Personal barrier',
};

export const SUPPORT_ACTIVITY_DISPLAY: Readonly<Record<SupportActivity, string>> = {
  'connecting-with': 'Connecting with: ongoing support from the link worker',
  'community-connection': 'Connection to community support',
  signposting: 'Signposting',
  'self-management': 'Self-management',
  other: 'Other support',
};

export const CONSENT_RECIPIENT_DISPLAY: Readonly<Record<ConsentRecipient, string>> = {
  referrer: 'The referrer',
  'community-organisations': 'Community organisations the person is connected to',
  'other-professionals': 'Other health and care professionals',
  'family-or-carer': 'Family or carer',
};

export const SAFEGUARDING_STATUS_DISPLAY = { open: 'Open', closed: 'Closed' } as const;
