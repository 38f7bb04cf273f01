/**
 * The risks section (PRSB Social Prescribing Standard §17, mandatory there): the risks to the person, to the link
 * worker or to others that the link worker has assessed, or an explicit "no known risks", so a GP can tell a
 * record that says there are none from one that says nothing.
 */
import { z } from 'zod';
import { codedConceptSchema, dateTime, partKey, text } from '../fields';

/** Whom a risk threatens. */
export const RISK_SUBJECTS = ['person', 'link-worker', 'others'] as const;

/** Whether a risk still applies: a resolved risk clears the alert written for it. */
export const RISK_STATUSES = ['active', 'resolved'] as const;

export const riskSchema = z.strictObject({
  /** The sender's key for this risk, the same in every version that lists it. */
  key: partKey,
  to: z.enum(RISK_SUBJECTS),
  /** The risk: a SNOMED CT finding (PRSB binds it to < 281694009 |Finding of at risk|), words, or both. */
  risk: codedConceptSchema,
  status: z.enum(RISK_STATUSES).default('active'),
  /** When the risk was first identified, so its alert keeps that start; assessedAt when absent. */
  identifiedAt: dateTime.optional(),
  /** How to stay safe, e.g. "meet in a public place; do not visit alone". */
  precautions: text(1000).optional(),
});

export const risksSchema = z.strictObject({
  assessedAt: dateTime,
  /** True when the link worker assessed and found no risk; then no active risk may be listed. */
  noKnownRisks: z.boolean().optional(),
  items: z.array(riskSchema).max(20).default([]),
});

export type Risks = z.infer<typeof risksSchema>;
export type Risk = z.infer<typeof riskSchema>;
export type RiskSubject = (typeof RISK_SUBJECTS)[number];
