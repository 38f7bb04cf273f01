/**
 * NHS number checks: the modulus 11 check digit published by NHS Digital, and a masked form safe for messages
 * that may be shown to people who should not see the whole number.
 */

const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** Removes the spaces and hyphens people type inside NHS numbers ("943 476 5919"). */
export function normaliseNhsNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/** True when the (normalised) value is ten digits whose last digit is the modulus 11 check digit of the others. */
export function isValidNhsNumber(input: string): boolean {
  const digits = normaliseNhsNumber(input);
  if (!/^\d{10}$/.test(digits)) {
    return false;
  }
  let sum = 0;
  WEIGHTS.forEach((weight, index) => {
    sum += weight * Number(digits.charAt(index));
  });
  const check = 11 - (sum % 11);
  if (check === 10) {
    // No NHS number is ever issued with this result.
    return false;
  }
  const expected = check === 11 ? 0 : check;
  return expected === Number(digits.charAt(9));
}

/**
 * False for numbers that pass the check digit but are never issued: ten copies of one digit (0000000000 and
 * 1111111111 both satisfy modulus 11). Such values are placeholders typed into a form, never a person's number.
 */
export function isIssuableNhsNumber(input: string): boolean {
  return !/^(\d)\1{9}$/.test(normaliseNhsNumber(input));
}

/** "9434765919" → "******5919": enough for a person to match a record, not enough to identify a patient. */
export function maskNhsNumber(input: string): string {
  const digits = normaliseNhsNumber(input);
  return `${'*'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}
