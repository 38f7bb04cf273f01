/**
 * Where the intake conformance check's time goes (preflightErrors, run by intake on every message): the check is
 * run on the benchmark's referrals and on every document of the example journeys, round after round, under the
 * V8 CPU profiler, and each sample is charged to the step it was taken in (mapping, the structural validation,
 * the project's FHIRPath invariants, terminology, the rest of the snapshot walk, the issues' rewriting). The
 * steps are told apart by the functions on the sample's stack, so nothing here re-implements the check. Also
 * times the whole check per message without the profiler. Rounds: BENCH_INTAKE_CHECK_ROUNDS (default 40).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createConformanceChecker } from '../src/conformance';
import { preflightErrors } from '../src/delivery/preflight';
import type { InboundMessage, MessageKind } from '../src/messages/schemas';
import { validateInbound } from '../src/messages/validate';
import { benchReferral } from './referral';
import { machineInfo, writeResults } from './report';
import { mean, percentiles } from './stats';

const ROUNDS = Number(process.env.BENCH_INTAKE_CHECK_ROUNDS ?? 40);
const REFERRALS = 200;
const WARM_UP_ROUNDS = 5;
const NOW = new Date('2026-12-01T12:00:00Z');

/**
 * The steps, each named by the function whose frame marks it, innermost wins: a sample inside `holds` (the
 * project's invariants) under `visit` is an invariant's, not the walk's. Medplum's own FHIRPath for the base
 * invariants runs under `structural` and so counts there.
 */
const STEPS: readonly { readonly step: string; readonly frames: readonly string[] }[] = [
  { step: 'mapping', frames: ['mapMessage'] },
  { step: 'structural validation (Medplum)', frames: ['structural'] },
  { step: 'FHIRPath invariants (project)', frames: ['holds'] },
  { step: 'terminology (bindings)', frames: ['checkBinding'] },
  { step: 'snapshot walk (slices, fixed values, references)', frames: ['visit', 'matchSlice', 'checkReference'] },
  { step: 'profile lookup, dedupe, issue rewriting', frames: ['check', 'conformanceErrors', 'preflightErrors'] },
];

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function journeyMessages(): InboundMessage[] {
  const root = join(__dirname, '..', '..', 'examples', 'journeys');
  const messages: InboundMessage[] = [];
  for (const journey of readdirSync(root).sort()) {
    for (const file of readdirSync(join(root, journey)).sort()) {
      const doc = JSON.parse(readFileSync(join(root, journey, file), 'utf8')) as { kind: MessageKind; body: unknown };
      messages.push(validated(doc.kind, doc.body, `${journey}/${file}`));
    }
  }
  return messages;
}

function validated(kind: MessageKind, body: unknown, name: string): InboundMessage {
  const validation = validateInbound(kind, body, NOW);
  if (!validation.ok) {
    throw new Error(`${name} is invalid`);
  }
  return validation.message;
}

/** Milliseconds of samples per step, attributed through each sample's stack. */
function attribute(profile: CpuProfile): { byStep: Map<string, number>; gcMs: number; otherMs: number } {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const stepOf = new Map<number, string | undefined>();
  const resolve = (id: number): string | undefined => {
    if (stepOf.has(id)) {
      return stepOf.get(id);
    }
    const node = byId.get(id);
    const name = node?.callFrame.functionName ?? '';
    const own = STEPS.find((s) => s.frames.includes(name) && (node?.callFrame.url.includes('/src/') ?? false))?.step;
    const up = parent.get(id);
    const found = own ?? (up === undefined ? undefined : resolve(up));
    stepOf.set(id, found);
    return found;
  };
  const byStep = new Map<string, number>(STEPS.map((s) => [s.step, 0]));
  let gcMs = 0;
  let otherMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const name = byId.get(id)?.callFrame.functionName ?? '';
    if (name === '(garbage collector)') {
      gcMs += ms;
      return;
    }
    const step = resolve(id);
    if (step === undefined) {
      otherMs += ms;
    } else {
      byStep.set(step, (byStep.get(step) ?? 0) + ms);
    }
  });
  return { byStep, gcMs, otherMs };
}

/** Sends an inspector command; the Profiler domain answers inside post, in this thread. */
function post(session: Session, method: string, params?: object): unknown {
  const answer: { err?: Error | null; value?: unknown } = {};
  session.post(method, params, (err, value) => {
    answer.err = err;
    answer.value = value;
  });
  if (answer.err) {
    throw answer.err;
  }
  return answer.value;
}

function main(): void {
  const buildStart = performance.now();
  const checker = createConformanceChecker();
  const buildMs = performance.now() - buildStart;
  const messages = [
    ...Array.from({ length: REFERRALS }, (_, i) => validated('referral', benchReferral(i, 'check'), `referral ${i}`)),
    ...journeyMessages(),
  ];
  const runRound = (): void => {
    for (const message of messages) {
      if (preflightErrors(message, checker, NOW).length > 0) {
        throw new Error(`${message.body.source.recordId} would not conform; the figures would not be meaningful`);
      }
    }
  };
  for (let i = 0; i < WARM_UP_ROUNDS; i += 1) {
    runRound();
  }

  // Per message, by kind, without the profiler.
  const times = new Map<MessageKind, number[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const message of messages) {
      const started = performance.now();
      preflightErrors(message, checker, NOW);
      const list = times.get(message.kind) ?? [];
      list.push(performance.now() - started);
      times.set(message.kind, list);
    }
  }

  const session = new Session();
  session.connect();
  post(session, 'Profiler.enable');
  post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  post(session, 'Profiler.start');
  const profiledStart = performance.now();
  for (let round = 0; round < ROUNDS; round += 1) {
    runRound();
  }
  const profiledMs = performance.now() - profiledStart;
  const { profile } = post(session, 'Profiler.stop') as { profile: CpuProfile };
  session.disconnect();

  const { byStep, gcMs, otherMs } = attribute(profile);
  const checks = ROUNDS * messages.length;
  const sampledMs = [...byStep.values()].reduce((a, b) => a + b, 0) + gcMs + otherMs;
  const steps = [...byStep.entries()].map(([step, ms]) => ({
    step,
    msPerMessage: round(ms / checks),
    share: round(ms / sampledMs),
  }));
  const results = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    rounds: ROUNDS,
    messagesPerRound: messages.length,
    checkerBuildMs: round(buildMs),
    perMessageMs: Object.fromEntries(
      [...times.entries()].map(([kind, list]) => [kind, { ...percentiles(list), mean: mean(list) }]),
    ),
    profiledMsPerMessage: round(profiledMs / checks),
    steps,
    garbageCollection: { msPerMessage: round(gcMs / checks), share: round(gcMs / sampledMs) },
    outsideTheCheck: { msPerMessage: round(otherMs / checks), share: round(otherMs / sampledMs) },
  };
  writeResults('intake-check', results);
}

main();
