/**
 * Actionable requests to the GP practice (PRSB "plan and requested actions"), such as "GP to consider a carer's
 * assessment": each one a request the practice can see in its task list and act on, not a sentence in a summary.
 */
import { z } from 'zod';
import { codedConceptSchema, dateTime, partKey, text } from '../fields';

export const GP_REQUEST_PRIORITIES = ['routine', 'urgent'] as const;

export const gpRequestSchema = z.strictObject({
  /** The sender's key for this request, the same in every version that lists it. */
  key: partKey,
  /** What the GP is asked to do: a SNOMED CT procedure, words, or both. */
  action: codedConceptSchema,
  /** Why, in words the GP can act on. */
  reason: text(1000),
  requestedAt: dateTime,
  priority: z.enum(GP_REQUEST_PRIORITIES).default('routine'),
});

export const gpRequestsSchema = z.array(gpRequestSchema).min(1).max(10);

export type GpRequest = z.infer<typeof gpRequestSchema>;
