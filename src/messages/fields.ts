/**
 * The field types every inbound schema is built from (checked text, dates, ODS codes, coded concepts, part keys),
 * in a module of their own so that the schemas of the record's sections (messages/sections/) and the message
 * schemas that include them share one definition of each.
 */
import { z } from 'zod';

/** ODS code of a GP practice: one letter and five digits (e.g. A81001). */
export const GP_PRACTICE_ODS = /^[A-Z]\d{5}$/;
/** ODS code of any organisation: three to ten upper-case letters and digits. */
export const ORGANISATION_ODS = /^[A-Z0-9]{3,10}$/;

/**
 * Control characters other than tab, line feed and carriage return (C0, DEL and C1). They have no meaning in a
 * clinical note, and a GP system or a FHIR server may refuse them (XML cannot carry most of them at all), so they
 * are refused here rather than stripped: the sender learns at once which field holds one.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/**
 * The earliest year any date in a message may fall in. Social prescribing records are recent, and the oldest
 * person alive was born after 1900; a year such as 0000 or 0099 is a sender's defect that a FHIR server would
 * refuse or misread after the API had already accepted the message.
 */
export const EARLIEST_YEAR = 1900;

export const text = (max: number): z.ZodType<string> =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

/** True unless a well-formed date starts before EARLIEST_YEAR (a malformed one is the format check's to report). */
function plausibleYear(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) {
    return true;
  }
  return Number(value.slice(0, 4)) >= EARLIEST_YEAR;
}

export const dateTime = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' })
  .refine(plausibleYear, `must not be before the year ${EARLIEST_YEAR}`);
export const date = z.iso
  .date({ message: 'must be an ISO 8601 date (YYYY-MM-DD)' })
  .refine(plausibleYear, `must not be before the year ${EARLIEST_YEAR}`);

/**
 * The key a sender gives one part of a record (a need, a risk, a request to the GP), stable across versions, so
 * each version rewrites the same FHIR resource for the same part.
 */
export const partKey = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'may contain only letters, digits, _ and -');

/** A concept as the sender recorded it: a SNOMED CT concept id, words, or both. */
export const codedConceptSchema = z
  .strictObject({
    /** SNOMED CT concept id, where the sender coded it. */
    snomed: z
      .string()
      .regex(/^\d{6,18}$/, 'must be a SNOMED CT concept id')
      .optional(),
    text: text(500).optional(),
  })
  .refine((need) => need.snomed !== undefined || need.text !== undefined, 'needs a SNOMED CT code, a text, or both');

export type CodedConcept = z.infer<typeof codedConceptSchema>;
