/**
 * Safeguarding concerns (PRSB Social Prescribing Standard §5): a concern the link worker raised about the person
 * or someone close to them, and who it was referred to, so the GP sees that it was raised and where it went.
 */
import { z } from 'zod';
import { ORGANISATION_ODS, codedConceptSchema, dateTime, partKey, text } from '../fields';

/** Open while the safeguarding referral is being dealt with; closed once the team has concluded it. */
export const SAFEGUARDING_STATUSES = ['open', 'closed'] as const;

export const safeguardingConcernSchema = z.strictObject({
  /** The sender's key for this concern, the same in every version that lists it. */
  key: partKey,
  raisedAt: dateTime,
  /** The concern: a SNOMED CT concept (PRSB safeguarding concerns refset 999002381000000108), words, or both. */
  concern: codedConceptSchema,
  /** Who the concern was referred to: a safeguarding team or lead. */
  referredTo: z.strictObject({
    name: text(200),
    role: text(200).optional(),
    odsCode: z.string().regex(ORGANISATION_ODS, 'must be an ODS code (3-10 upper-case letters and digits)').optional(),
  }),
  referredAt: dateTime,
  status: z.enum(SAFEGUARDING_STATUSES).default('open'),
  /** When a closed concern was concluded; required with status closed. */
  closedAt: dateTime.optional(),
  note: text(2000).optional(),
});

export const safeguardingSchema = z.array(safeguardingConcernSchema).min(1).max(10);

export type SafeguardingConcern = z.infer<typeof safeguardingConcernSchema>;
