/**
 * Summaries of measured durations the benchmarks print: percentiles and the mean, in milliseconds to the
 * microsecond, since some intake steps take well under a millisecond.
 */
export interface Latencies {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function percentiles(values: readonly number[]): Latencies {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : round(values.reduce((sum, value) => sum + value, 0) / values.length);
}
