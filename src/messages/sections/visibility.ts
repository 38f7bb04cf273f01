/**
 * Who may see a record: its confidentiality and whether it is withheld from the person's online record access
 * (the NHS App), for example because it holds information about a third party. The mappers turn it into
 * security labels every resource of the record carries (docs/mapping.md says what a receiver must do).
 */
import { z } from 'zod';

export const CONFIDENTIALITY_LEVELS = ['normal', 'restricted', 'very-restricted'] as const;
/** The grounds on which a record is kept out of online access. */
export const WITHHOLD_REASONS = ['third-party-information', 'risk-of-serious-harm'] as const;

export const visibilitySchema = z.strictObject({
  confidentiality: z.enum(CONFIDENTIALITY_LEVELS),
  withholdFromOnlineAccess: z.boolean(),
  /** Required when withheld, refused otherwise. */
  withholdReason: z.enum(WITHHOLD_REASONS).optional(),
});

export type Visibility = z.infer<typeof visibilitySchema>;
export type Confidentiality = (typeof CONFIDENTIALITY_LEVELS)[number];
export type WithholdReason = (typeof WITHHOLD_REASONS)[number];
