/**
 * How the episode document writes dates, NHS numbers and codes in words. Dates are shown as the day in the UK
 * (Europe/London), because a contact at 00:30 BST on 1 October happened on 1 October for the person and the GP.
 */

const DAY = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

const DAY_AND_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** "3 October 2026" for a date-time with offset, or for a plain date (read as that calendar day). */
export function formatDay(value: string): string {
  // A plain date has no time zone; noon UTC keeps it on the same calendar day in London.
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
  return DAY.format(instant);
}

/** "3 October 2026 at 11:00", London time. */
export function formatDayAndTime(value: string | Date): string {
  const parts = DAY_AND_TIME.formatToParts(typeof value === 'string' ? new Date(value) : value);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('day')} ${part('month')} ${part('year')} at ${part('hour')}:${part('minute')}`;
}

/** "999 000 0018": the 3-3-4 grouping NHS numbers are printed in. */
export function formatNhsNumber(nhsNumber: string): string {
  return `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`;
}

/** "face-to-face" → "Face-to-face": codes of the inbound contract read as words. */
export function sentenceCase(code: string): string {
  const words = code.replace(/-/g, ' ');
  const text = code.includes('-to-') ? code : words;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A signed change: "+3", "-2.5", "no change". */
export function formatChange(change: number): string {
  if (change === 0) {
    return 'no change';
  }
  const rounded = Math.round(change * 100) / 100;
  return rounded > 0 ? `+${String(rounded)}` : String(rounded);
}
