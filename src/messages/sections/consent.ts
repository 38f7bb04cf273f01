/**
 * Consent to share information (PRSB Social Prescribing Standard §6): what the person agreed to share, with
 * their GP practice and with others, and when they said so. Nothing may be written to the GP record without
 * consent to share with the practice, so a refusal for the practice is refused at intake (domain rules).
 */
import { z } from 'zod';
import { dateTime, text } from '../fields';

/** The person's answer about sharing with their GP practice. */
export const GP_CONSENT_DECISIONS = ['given', 'refused', 'withdrawn'] as const;
/** Others the person may agree, or refuse, to share with. */
export const CONSENT_RECIPIENTS = [
  'referrer',
  'community-organisations',
  'other-professionals',
  'family-or-carer',
] as const;
export const CONSENT_DECISIONS = ['given', 'refused'] as const;

export const consentSchema = z.strictObject({
  recordedAt: dateTime,
  gpPractice: z.enum(GP_CONSENT_DECISIONS),
  others: z
    .array(z.strictObject({ recipient: z.enum(CONSENT_RECIPIENTS), decision: z.enum(CONSENT_DECISIONS) }))
    .max(CONSENT_RECIPIENTS.length)
    .default([]),
  /** PRSB's "consent for information sharing" in the person's or link worker's words. */
  text: text(1000).optional(),
});

export type ConsentToShare = z.infer<typeof consentSchema>;
export type ConsentRecipient = (typeof CONSENT_RECIPIENTS)[number];
