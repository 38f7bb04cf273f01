/**
 * Measures what conformance checking costs before each send: milliseconds per resource for the published example
 * of every profile (the largest being WEMWBS with fourteen items and the support plan), after a warm-up, plus
 * the one-off cost of building the checker and of its first check. Prints the figures and writes them to
 * bench/results/ as JSON. Rounds per profile: BENCH_CONFORMANCE_ROUNDS (default 200).
 */
import { performance } from 'node:perf_hooks';
import { machineInfo, writeResults } from './report';
import type { Resource } from '@medplum/fhirtypes';
import { createConformanceChecker, loadCompiledResources } from '../src/conformance';

const ROUNDS = Number(process.env.BENCH_CONFORMANCE_ROUNDS ?? 200);
const WARM_UP = 20;

interface ProfileCost {
  readonly profile: string;
  readonly example: string;
  /** Size of the example as JSON, a rough measure of how much there is to check. */
  readonly jsonBytes: number;
  readonly meanMs: number;
  readonly p95Ms: number;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function measure(check: () => void): { meanMs: number; p95Ms: number } {
  for (let i = 0; i < WARM_UP; i += 1) {
    check();
  }
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const start = performance.now();
    check();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { meanMs: round(mean), p95Ms: round(times[Math.floor(0.95 * (times.length - 1))] ?? 0) };
}

function main(): void {
  const compiled = loadCompiledResources();
  const buildStart = performance.now();
  const checker = createConformanceChecker(compiled);
  const buildMs = performance.now() - buildStart;

  const examples = compiled.examples.filter((r): r is Resource => (r.meta?.profile ?? []).length > 0);
  const first = examples[0];
  if (first === undefined) {
    throw new Error('no compiled examples to measure');
  }
  const firstStart = performance.now();
  const firstIssues = checker.check(first);
  const firstCheckMs = performance.now() - firstStart;
  if (firstIssues.length > 0) {
    throw new Error(`example ${first.id ?? '?'} does not conform; the figures would not be meaningful`);
  }

  const perProfile: ProfileCost[] = examples.map((resource) => {
    const { meanMs, p95Ms } = measure(() => checker.check(resource));
    return {
      profile: (resource.meta?.profile?.[0] ?? '').replace(/^.*\//, ''),
      example: resource.id ?? '',
      jsonBytes: JSON.stringify(resource).length,
      meanMs,
      p95Ms,
    };
  });
  perProfile.sort((a, b) => b.meanMs - a.meanMs);
  const overallMean = perProfile.reduce((sum, p) => sum + p.meanMs, 0) / perProfile.length;

  const results = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    roundsPerProfile: ROUNDS,
    checkerBuildMs: round(buildMs),
    firstCheckMs: { example: first.id ?? '', ms: round(firstCheckMs) },
    meanMsPerResourceAcrossProfiles: round(overallMean),
    perProfile,
  };
  writeResults('conformance', results);
}

main();
