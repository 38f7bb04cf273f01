/**
 * Scoring rules of the outcome measures: totals and the SWEMWBS raw-to-metric conversion. Pure arithmetic, kept
 * apart from the FHIR shapes so each rule can be tested on its own.
 */

/**
 * SWEMWBS raw total (7-35) → metric score, from the published Rasch conversion table (Warwick Medical School).
 * Index 0 is raw 7. Only the metric score is comparable across studies; the raw total is kept beside it.
 */
const SWEMWBS_METRIC = [
  7.0, 9.51, 11.25, 12.4, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36, 16.88, 17.43, 17.98, 18.59, 19.25, 19.98, 20.73,
  21.54, 22.35, 23.21, 24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.7, 32.55, 35.0,
] as const;

export function sum(items: readonly number[]): number {
  return items.reduce((total, value) => total + value, 0);
}

export function swemwbsMetricScore(rawTotal: number): number {
  const metric = SWEMWBS_METRIC[rawTotal - 7];
  if (!Number.isInteger(rawTotal) || metric === undefined) {
    throw new RangeError(`a SWEMWBS raw total is a whole number from 7 to 35, not ${rawTotal}`);
  }
  return metric;
}

/** Inclusive range of each instrument's total, as its scoring guide defines it. */
export const TOTAL_RANGES = {
  swemwbs: [7, 35],
  wemwbs: [14, 70],
  ucla3: [3, 9],
  eq5dVas: [0, 100],
} as const;
