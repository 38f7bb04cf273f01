/**
 * The JSON documents a link-worker system sends, as zod schemas. These are the API's contract: the OpenAPI file,
 * the README and the mappers all follow the types inferred here. Objects are strict so a misspelt field is an
 * error rather than silently dropped data.
 */
import { z } from 'zod';
import { isValidNhsNumber, normaliseNhsNumber } from './nhs-number';

/** ODS code of a GP practice: one letter and five digits (e.g. A81001). */
export const GP_PRACTICE_ODS = /^[A-Z]\d{5}$/;
/** ODS code of any organisation: three to ten upper-case letters and digits. */
export const ORGANISATION_ODS = /^[A-Z0-9]{3,10}$/;

const text = (max: number): z.ZodString => z.string().trim().min(1, 'must not be empty').max(max);
const dateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' });
const date = z.iso.date({ message: 'must be an ISO 8601 date (YYYY-MM-DD)' });

export const sourceSchema = z.strictObject({
  /** URI naming the sending system, e.g. https://casebook.example.org */
  system: z.url({ message: 'must be an absolute URI naming the sending system' }),
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
    .refine(isValidNhsNumber, 'is not a valid NHS number (10 digits with a modulus 11 check digit)'),
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

export const codedNeedSchema = z
  .strictObject({
    /** SNOMED CT concept id of the presenting need, where the sender coded it. */
    snomed: z
      .string()
      .regex(/^\d{6,18}$/, 'must be a SNOMED CT concept id')
      .optional(),
    text: text(500).optional(),
  })
  .refine((need) => need.snomed !== undefined || need.text !== undefined, 'needs a SNOMED CT code, a text, or both');

export const referralSchema = z.strictObject({
  ...envelope,
  status: z.enum(REFERRAL_STATUSES),
  referredAt: dateTime,
  referrer: z.strictObject({
    name: text(200),
    role: text(200).optional(),
    organisation: organisationSchema,
  }),
  method: z.enum(REFERRAL_METHODS),
  reasons: z.array(codedNeedSchema).min(1, 'at least one reason or presenting need is required').max(20),
  urgency: z.enum(URGENCIES),
  note: text(4000).optional(),
});

export const GOAL_STATUSES = ['proposed', 'active', 'achieved', 'not-achieved', 'cancelled'] as const;

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
});

export const CONTACT_MODES = ['face-to-face', 'telephone', 'video'] as const;

const ons4Item = z.int().min(0).max(10);
const swemwbsItem = z.int().min(1).max(5);

export const outcomeNoteSchema = z.strictObject({
  ...envelope,
  referralId: sourceSchema.shape.recordId,
  contact: z.strictObject({
    date: dateTime,
    mode: z.enum(CONTACT_MODES),
    durationMinutes: z.int().min(1).max(720),
  }),
  /** The link worker's narrative note for the GP. */
  note: text(10000),
  measures: z
    .strictObject({
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
          items: z.array(swemwbsItem).length(7, 'SWEMWBS has exactly 7 items'),
        })
        .optional(),
    })
    .optional(),
});

export type SourceRef = z.infer<typeof sourceSchema>;
export type PatientRef = z.infer<typeof patientSchema>;
export type ReferralMessage = z.infer<typeof referralSchema>;
export type GoalMessage = z.infer<typeof goalSchema>;
export type OutcomeNoteMessage = z.infer<typeof outcomeNoteSchema>;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export type ReferralMethod = (typeof REFERRAL_METHODS)[number];
export type GoalStatus = (typeof GOAL_STATUSES)[number];
export type ContactMode = (typeof CONTACT_MODES)[number];

export const MESSAGE_KINDS = ['referral', 'goal', 'outcome-note'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** A validated inbound message, tagged with its kind. */
export type InboundMessage =
  | { readonly kind: 'referral'; readonly body: ReferralMessage }
  | { readonly kind: 'goal'; readonly body: GoalMessage }
  | { readonly kind: 'outcome-note'; readonly body: OutcomeNoteMessage };

export const SCHEMAS = {
  referral: referralSchema,
  goal: goalSchema,
  'outcome-note': outcomeNoteSchema,
} as const;
