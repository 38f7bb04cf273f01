/**
 * The JSON documents a link-worker system sends, as zod schemas. These are the API's contract: the OpenAPI file,
 * the README and the mappers all follow the types inferred here. Objects are strict so a misspelt field is an
 * error rather than silently dropped data.
 */
import { z } from 'zod';
import {
  CONTROL_CHARACTERS,
  GP_PRACTICE_ODS,
  ORGANISATION_ODS,
  codedConceptSchema,
  date,
  dateTime,
  partKey,
  text,
} from './fields';
import { isIssuableNhsNumber, isValidNhsNumber, normaliseNhsNumber } from './nhs-number';
import { consentSchema } from './sections/consent';
import { gpRequestsSchema } from './sections/gp-requests';
import { risksSchema } from './sections/risks';
import { safeguardingSchema } from './sections/safeguarding';
import { visibilitySchema } from './sections/visibility';

export { CONTROL_CHARACTERS, EARLIEST_YEAR, GP_PRACTICE_ODS, ORGANISATION_ODS } from './fields';

/**
 * An https URL: no other scheme (`javascript:`, `data:` or plain `http:` have no place in a GP record), a host,
 * and no spaces or control characters, which a URI must not contain unencoded.
 */
export function isHttpsUrl(value: string): boolean {
  if (/\s/.test(value) || CONTROL_CHARACTERS.test(value)) {
    return false;
  }
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

const httpsUrl = (message: string): z.ZodType<string> => z.string().refine(isHttpsUrl, message);

export const sourceSchema = z.strictObject({
  /** URI naming the sending system, e.g. https://casebook.example.org */
  system: httpsUrl('must be an https URL naming the sending system, e.g. https://casebook.example.org'),
  /** The record's id in the sending system. */
  recordId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._~-]+$/, 'may contain only letters, digits and . _ ~ -'),
  /** The record's version in the sending system; a new version of a record supersedes older ones. */
  recordVersion: z.int().min(1).max(2_147_483_647),
  sentAt: dateTime,
});

export const patientSchema = z.strictObject({
  nhsNumber: z
    .string()
    .transform(normaliseNhsNumber)
    .refine(isValidNhsNumber, 'is not a valid NHS number (10 digits with a modulus 11 check digit)')
    .refine(isIssuableNhsNumber, 'is not an NHS number that is ever issued (all ten digits are the same)'),
  name: z.strictObject({ given: text(100), family: text(100) }).optional(),
  birthDate: date.optional(),
});

export const organisationSchema = z.strictObject({
  odsCode: z.string().regex(ORGANISATION_ODS, 'must be an ODS code (3-10 upper-case letters and digits)'),
  name: text(200).optional(),
});

export const gpPracticeSchema = z.strictObject({
  odsCode: z.string().regex(GP_PRACTICE_ODS, 'must be a GP practice ODS code: a letter and five digits, e.g. A81001'),
});

export const linkWorkerSchema = z.strictObject({
  name: text(200),
  /** SDS user id (12 digits) where the link worker has one. */
  sdsUserId: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit SDS user id')
    .optional(),
  organisation: organisationSchema,
});

const envelope = {
  source: sourceSchema,
  patient: patientSchema,
  gpPractice: gpPracticeSchema,
  linkWorker: linkWorkerSchema,
  /**
   * True on a newer version that retracts the record because it was sent in error: everything the record wrote in
   * the GP record becomes entered-in-error. The rest of the document is the record as it stood.
   */
  enteredInError: z.boolean().optional(),
};

export const REFERRAL_STATUSES = ['received', 'accepted', 'declined', 'in-progress', 'completed', 'withdrawn'] as const;
export const REFERRAL_METHODS = [
  'gp',
  'other-professional',
  'self',
  'voluntary-sector',
  'local-authority',
  'other',
] as const;
export const URGENCIES = ['routine', 'urgent'] as const;

export const codedNeedSchema = codedConceptSchema;

/** Why a referral was declined or withdrawn (PRSB "reason referral declined / withdrawn"). */
export const STATUS_REASONS = [
  'patient-declined',
  'patient-not-contactable',
  'needs-met-elsewhere',
  'not-appropriate',
  'referrer-withdrew',
  'patient-moved-away',
  'patient-died',
  'other',
] as const;

/** Why a social prescribing episode ended. */
export const CLOSURE_REASONS = [
  'goals-achieved',
  'connected-to-community',
  'patient-disengaged',
  'patient-request',
  'barriers-prevented-connection',
  'transferred',
  /** "Connecting with": the link worker's own support, as the person's anchor point, was what they needed. */
  'supported-by-link-worker',
  'other',
] as const;

export const closureSchema = z.strictObject({
  closedAt: dateTime,
  reason: z.enum(CLOSURE_REASONS),
  /** The closing summary written for the GP. */
  summary: text(10000),
  /** Whether the person was told they can be referred again. */
  reReferralOffered: z.boolean(),
  /**
   * Any follow-up planned after closure, in words. Kept for senders of earlier versions of the API; a request
   * the GP should act on belongs in the referral's `gpRequests`, which the practice receives as a Task.
   */
  followUp: text(1000).optional(),
});

/**
 * Referral methods that need no professional referrer: the person came themselves, or by a route the sender could
 * not name. Every other method names someone who referred, and the GP must be able to see who.
 */
export const METHODS_WITHOUT_REFERRER = ['self', 'other'] as const;

/**
 * The referrer is required where the method names one and refused on a self-referral. Checked on the object (and
 * run even when other fields are wrong, so a sender sees this problem in the same answer as the rest).
 */
function checkReferrer(referral: { referrer?: unknown; method?: unknown }, ctx: z.RefinementCtx): void {
  const method = referral.method;
  const needsNone = (METHODS_WITHOUT_REFERRER as readonly unknown[]).includes(method);
  if (referral.referrer === undefined && !needsNone) {
    const which = typeof method === 'string' ? ` when the method is ${method}` : '';
    ctx.addIssue({
      code: 'custom',
      path: ['referrer'],
      message: `is required${which} (omit it only for self)`,
      params: { fieldError: 'field-missing' },
    });
  }
  if (referral.referrer !== undefined && method === 'self') {
    ctx.addIssue({
      code: 'custom',
      path: ['referrer'],
      message: 'is not allowed when the person referred themselves (method self)',
    });
  }
}

export const referralSchema = z
  .strictObject({
    ...envelope,
    status: z.enum(REFERRAL_STATUSES),
    referredAt: dateTime,
    /**
     * When the person accepted or declined the referral: the date of the national coded entry a GP practice
     * counts. Sent with every version from that answer on; when absent, referredAt stands in for it.
     */
    respondedAt: dateTime.optional(),
    /** Who referred the person; required unless the person referred themselves (see domain-rules.ts). */
    referrer: z
      .strictObject({
        name: text(200),
        role: text(200).optional(),
        organisation: organisationSchema,
      })
      .optional(),
    method: z.enum(REFERRAL_METHODS),
    reasons: z.array(codedNeedSchema).min(1, 'at least one reason or presenting need is required').max(20),
    urgency: z.enum(URGENCIES),
    note: text(4000).optional(),
    /** Required when the status is declined or withdrawn. */
    statusReason: z
      .strictObject({
        code: z.enum(STATUS_REASONS),
        text: text(1000).optional(),
      })
      .optional(),
    /** The end of the episode; allowed only with status completed or withdrawn. */
    closure: closureSchema.optional(),
    /** Risks to the person, the link worker or others, or "no known risks" (PRSB §17). */
    risks: risksSchema.optional(),
    safeguarding: safeguardingSchema.optional(),
    /** Consent to share information with the GP practice and others (PRSB §6). */
    consent: consentSchema.optional(),
    /** What the GP practice is asked to do. */
    gpRequests: gpRequestsSchema.optional(),
    /**
     * The record id of the earlier referral (same source system) whose episode this re-referral follows; intake
     * refuses one of which no version was accepted.
     */
    previousReferralId: sourceSchema.shape.recordId.optional(),
  })
  .superRefine(checkReferrer, {
    when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
  });

export const GOAL_STATUSES = ['proposed', 'active', 'achieved', 'not-achieved', 'cancelled'] as const;

export const READINESS_STAGES = ['not-ready', 'considering', 'ready', 'acting'] as const;

/** How strong the person's motivation, or their capacity, to act is, as the link worker judged it. */
export const READINESS_LEVELS = ['low', 'medium', 'high'] as const;

/**
 * How ready the person is to act on a goal or a connection, at one moment (recorded again as it changes): the
 * stage of change, and the two things readiness is made of, motivation (wanting to) and capacity (being able to:
 * time, energy, money, skills, health).
 */
export const readinessSchema = z.strictObject({
  stage: z.enum(READINESS_STAGES),
  motivation: z.enum(READINESS_LEVELS).optional(),
  capacity: z.enum(READINESS_LEVELS).optional(),
  assessedAt: dateTime,
  note: text(1000).optional(),
});

export const goalSchema = z.strictObject({
  ...envelope,
  /** The source record id of the referral this goal belongs to (same source system). */
  referralId: sourceSchema.shape.recordId,
  /** "What matters to me": the goal in the person's own words. */
  description: text(1000),
  status: z.enum(GOAL_STATUSES),
  importance: z.int().min(1).max(10),
  agreedAt: dateTime,
  targetDate: date.optional(),
  readiness: readinessSchema.optional(),
});

export const ACTION_STATUSES = [
  'not-started',
  'scheduled',
  'in-progress',
  'on-hold',
  'completed',
  'cancelled',
] as const;

/**
 * The kinds of support an action in the plan gives. `connecting-with` is the link worker's own support, the
 * person's anchor point, which for some people is the main support and not a step towards another service.
 */
export const SUPPORT_ACTIVITIES = [
  'connecting-with',
  'community-connection',
  'signposting',
  'self-management',
  'other',
] as const;

/** The personalised care and support plan: needs → goals → actions, as agreed at one point in time. */
export const supportPlanSchema = z.strictObject({
  ...envelope,
  referralId: sourceSchema.shape.recordId,
  agreedAt: dateTime,
  reviewDate: date.optional(),
  needs: z
    .array(
      z.strictObject({
        /** Key of the need within this plan, used by goals to say which needs they address. */
        key: partKey,
        need: codedNeedSchema,
      }),
    )
    .min(1)
    .max(20),
  goals: z
    .array(
      z.strictObject({
        /** The goal's record id in the sending system (the same id the /v1/goals endpoint uses). */
        goalId: sourceSchema.shape.recordId,
        description: text(1000),
        status: z.enum(GOAL_STATUSES),
        importance: z.int().min(1).max(10),
        targetDate: date.optional(),
        addresses: z.array(z.string()).min(1, 'a goal addresses at least one need').max(20),
        readiness: readinessSchema.optional(),
      }),
    )
    .min(1)
    .max(20),
  actions: z
    .array(
      z.strictObject({
        goalId: sourceSchema.shape.recordId,
        description: text(1000),
        status: z.enum(ACTION_STATUSES),
        /** What kind of support the action is; `connecting-with` is the link worker's own support. */
        activity: z.enum(SUPPORT_ACTIVITIES).optional(),
        /** How confident the person is that they can do it, 1 (not at all) to 10 (completely). */
        confidence: z.int().min(1).max(10).optional(),
        reviewDate: date.optional(),
      }),
    )
    .max(50)
    .default([]),
});

export const CONTACT_MODES = ['face-to-face', 'telephone', 'video'] as const;

const ons4Item = z.int().min(0).max(10);
const fivePointItem = z.int().min(1).max(5);
const threePointItem = z.int().min(1).max(3);

export const BARRIERS = [
  'transport',
  'caring-responsibilities',
  'housing',
  'finances',
  'employment',
  'language',
  'physical-health',
  'mental-health',
  'confidence',
  'digital-access',
  'service-unavailable',
  'other',
] as const;

/** Structural barriers are in the person's circumstances (housing, transport, caring, work, cost); personal ones in themselves. */
export const BARRIER_TYPES = ['structural', 'personal'] as const;

/**
 * Something that stops a connection happening. Its type follows from the code (see barrierTypeOf in
 * messages/sections/rules.ts); for `other` the sender must say which it is.
 */
export const barrierSchema = z.strictObject({
  code: z.enum(BARRIERS),
  type: z.enum(BARRIER_TYPES).optional(),
  text: text(1000).optional(),
});

export const measuresSchema = z.strictObject({
  ons4: z
    .strictObject({
      lifeSatisfaction: ons4Item,
      worthwhile: ons4Item,
      happiness: ons4Item,
      anxiety: ons4Item,
    })
    .optional(),
  swemwbs: z
    .strictObject({
      items: z.array(fivePointItem).length(7, 'SWEMWBS has exactly 7 items'),
      /** The raw total as the sender's system scored it; when sent, it must be the sum of the items. */
      total: z.int().optional(),
    })
    .optional(),
  wemwbs: z
    .strictObject({
      items: z.array(fivePointItem).length(14, 'WEMWBS has exactly 14 items'),
      /** The total as the sender's system scored it; when sent, it must be the sum of the items. */
      total: z.int().optional(),
    })
    .optional(),
  ucla3: z
    .strictObject({
      items: z.array(threePointItem).length(3, 'the UCLA 3-item loneliness scale has exactly 3 items'),
    })
    .optional(),
  /** EQ-5D visual analogue scale: the person's own rating of their health today, 0 (worst) to 100 (best). */
  eq5dVas: z.int().min(0).max(100).optional(),
});

export const CONTACT_PARTICIPANTS = ['patient', 'carer', 'family-member', 'interpreter', 'other-professional'] as const;

export const outcomeNoteSchema = z.strictObject({
  ...envelope,
  referralId: sourceSchema.shape.recordId,
  contact: z.strictObject({
    date: dateTime,
    mode: z.enum(CONTACT_MODES),
    durationMinutes: z.int().min(1).max(720),
    /** Who took part besides the link worker; the person themselves when absent. */
    with: z.array(z.enum(CONTACT_PARTICIPANTS)).min(1).max(5).optional(),
  }),
  /** The link worker's narrative note for the GP. */
  note: text(10000),
  measures: measuresSchema.optional(),
  readiness: readinessSchema.optional(),
  barriers: z.array(barrierSchema).max(10).optional(),
  risks: risksSchema.optional(),
  safeguarding: safeguardingSchema.optional(),
  gpRequests: gpRequestsSchema.optional(),
  /** Who may see this note; absent means the practice's usual rules apply. */
  visibility: visibilitySchema.optional(),
});

export const CONNECTION_STATUSES = ['suggested', 'referred', 'attended', 'declined', 'not-possible'] as const;

/** An onward referral or signposting to a voluntary, community or social enterprise organisation. */
export const connectionSchema = z.strictObject({
  ...envelope,
  referralId: sourceSchema.shape.recordId,
  organisation: z.strictObject({
    name: text(200),
    odsCode: z.string().regex(ORGANISATION_ODS, 'must be an ODS code (3-10 upper-case letters and digits)').optional(),
    /** The organisation's public web page, so the GP can look it up. */
    url: httpsUrl("must be an https URL of the organisation's web page").optional(),
  }),
  service: text(300),
  /** Signposting gives the person the details; a referral is made on their behalf. */
  type: z.enum(['signposting', 'referral']),
  status: z.enum(CONNECTION_STATUSES),
  statusAt: dateTime,
  /** Required when the status is not-possible. */
  barriers: z.array(barrierSchema).max(10).optional(),
  readiness: readinessSchema.optional(),
  /** Goals this connection supports (their record ids). */
  goalIds: z.array(sourceSchema.shape.recordId).max(20).optional(),
  note: text(4000).optional(),
});

export type SourceRef = z.infer<typeof sourceSchema>;
export type PatientRef = z.infer<typeof patientSchema>;
export type ReferralMessage = z.infer<typeof referralSchema>;
export type GoalMessage = z.infer<typeof goalSchema>;
export type SupportPlanMessage = z.infer<typeof supportPlanSchema>;
export type OutcomeNoteMessage = z.infer<typeof outcomeNoteSchema>;
export type ConnectionMessage = z.infer<typeof connectionSchema>;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export type ReferralMethod = (typeof REFERRAL_METHODS)[number];
export type GoalStatus = (typeof GOAL_STATUSES)[number];
export type ContactMode = (typeof CONTACT_MODES)[number];
export type ReadinessStage = (typeof READINESS_STAGES)[number];
export type Barrier = (typeof BARRIERS)[number];
export type BarrierType = (typeof BARRIER_TYPES)[number];
export type ReadinessLevel = (typeof READINESS_LEVELS)[number];
export type SupportActivity = (typeof SUPPORT_ACTIVITIES)[number];
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export type StatusReason = (typeof STATUS_REASONS)[number];
export type ClosureReason = (typeof CLOSURE_REASONS)[number];
export type Readiness = z.infer<typeof readinessSchema>;
export type Measures = z.infer<typeof measuresSchema>;

export const MESSAGE_KINDS = ['referral', 'goal', 'outcome-note', 'support-plan', 'connection'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** A validated inbound message, tagged with its kind. */
export type InboundMessage =
  | { readonly kind: 'referral'; readonly body: ReferralMessage }
  | { readonly kind: 'goal'; readonly body: GoalMessage }
  | { readonly kind: 'outcome-note'; readonly body: OutcomeNoteMessage }
  | { readonly kind: 'support-plan'; readonly body: SupportPlanMessage }
  | { readonly kind: 'connection'; readonly body: ConnectionMessage };

export const SCHEMAS = {
  referral: referralSchema,
  goal: goalSchema,
  'outcome-note': outcomeNoteSchema,
  'support-plan': supportPlanSchema,
  connection: connectionSchema,
} as const;
