/**
 * Display terms for the project's own codes, one table per code system, so a GP's system shows words rather than
 * codes. The FSH CodeSystems in profiles/ carry the same terms; the conformance test compares them.
 */
import type {
  ActionStatus,
  Barrier,
  ClosureReason,
  ConnectionStatus,
  ReadinessStage,
  ReferralStatus,
  StatusReason,
} from '../messages/schemas';

export const READINESS_DISPLAY: Readonly<Record<ReadinessStage, string>> = {
  'not-ready': 'Not ready',
  considering: 'Considering',
  ready: 'Ready',
  acting: 'Acting',
};

export const BARRIER_DISPLAY: Readonly<Record<Barrier, string>> = {
  transport: 'Transport',
  'caring-responsibilities': 'Caring responsibilities',
  housing: 'Housing',
  finances: 'Finances',
  employment: 'Employment',
  language: 'Language',
  'physical-health': 'Physical health',
  'mental-health': 'Mental health',
  confidence: 'Confidence',
  'digital-access': 'Digital access',
  'service-unavailable': 'Service unavailable',
  other: 'Other barrier',
};

export const CONNECTION_STATUS_DISPLAY: Readonly<Record<ConnectionStatus, string>> = {
  suggested: 'Suggested',
  referred: 'Referred',
  attended: 'Attended',
  declined: 'Declined',
  'not-possible': 'Not possible',
};

export const REFERRAL_STATUS_DISPLAY: Readonly<Record<ReferralStatus, string>> = {
  received: 'Received',
  accepted: 'Accepted',
  declined: 'Declined',
  'in-progress': 'In progress',
  completed: 'Completed',
  withdrawn: 'Withdrawn',
};

export const STATUS_REASON_DISPLAY: Readonly<Record<StatusReason, string>> = {
  'patient-declined': 'Person declined',
  'patient-not-contactable': 'Person could not be contacted',
  'needs-met-elsewhere': 'Needs met elsewhere',
  'not-appropriate': 'Social prescribing not appropriate',
  'referrer-withdrew': 'Referrer withdrew the referral',
  'patient-moved-away': 'Person moved away',
  'patient-died': 'Person died',
  other: 'Other reason',
};

export const CLOSURE_REASON_DISPLAY: Readonly<Record<ClosureReason, string>> = {
  'goals-achieved': 'Goals achieved',
  'connected-to-community': 'Connected to community support',
  'patient-disengaged': 'Person stopped engaging',
  'patient-request': 'Person asked to end support',
  'barriers-prevented-connection': 'Barriers prevented a connection',
  transferred: 'Transferred to another service',
  'supported-by-link-worker': 'Supported by the link worker (connecting with)',
  other: 'Other reason',
};

/** Action status → CarePlan.activity.detail.status (FHIR's own codes already fit one to one). */
export const ACTION_STATUS_TO_FHIR: Readonly<
  Record<ActionStatus, 'not-started' | 'scheduled' | 'in-progress' | 'on-hold' | 'completed' | 'cancelled'>
> = {
  'not-started': 'not-started',
  scheduled: 'scheduled',
  'in-progress': 'in-progress',
  'on-hold': 'on-hold',
  completed: 'completed',
  cancelled: 'cancelled',
};
