/**
 * What a benchmark scenario is: a name and a function that measures something and returns its figures, plus the
 * rows it contributes to the summary (each target of issue 12 beside the figure measured in the same run). New
 * scenarios are registered with one line in bench/scenarios/index.ts.
 */
import type { LoadedConfig } from '../src/config/load';
import type { BenchEhr } from './ehr';
import type { BenchDocument } from './intake-steps';

export interface BenchOptions {
  /** Shorter runs for a quick look: fewer messages, shorter steady phases. */
  readonly quick: boolean;
  /** Messages per closed-loop phase (intake, delivery backlog). */
  readonly messages: number;
  /** Requests in flight at once for the closed-loop phases, and deliveries in flight per endpoint. */
  readonly concurrency: number;
  /** Seconds of the open-loop phases (intake at an offered rate, steady delivery). */
  readonly steadySeconds: number;
  readonly singleMessages: number;
  /** Deliveries in flight at once to the EHR: the endpoint's concurrency, and the direct baseline's. */
  readonly ehrConcurrency: number;
  /** Messages of the backlog scenario: `--messages` when given, else 100,000. */
  readonly backlogMessages: number;
  /** The endpoint's declared requests per second in the backlog scenario (`--backlog-rate`). */
  readonly backlogRate: number;
  /** The API's http.intakeCheckThreads, when given (`--intake-check-threads`); else the configuration's default. */
  readonly intakeCheckThreads?: number;
}

export interface BenchContext {
  readonly options: BenchOptions;
  readonly ehr: BenchEhr;
  readonly redisUrl: string;
  /**
   * The adapter's configuration for one scenario: the EHR as its one endpoint and a throwaway key prefix of the
   * scenario's own, so the messages one scenario leaves queued are never delivered by another.
   */
  config(scenario: string): LoadedConfig;
  /** Fresh referrals for the sandbox's synthetic patients, never sent before in this run. */
  takeDocs(count: number): BenchDocument[];
  /** What earlier scenarios of the same run measured, by scenario name (the ratios need them). */
  readonly results: ReadonlyMap<string, ScenarioResult>;
}

/** One line of the summary: a target, what was measured against it, and how the two compare. */
export interface TargetRow {
  readonly target: string;
  readonly goal: string;
  readonly measured: string;
  /** measured ÷ goal (or the ratio the target is about), when a number says it. */
  readonly ratio?: number;
  readonly met?: boolean;
}

export interface ScenarioResult {
  readonly figures: Readonly<Record<string, unknown>>;
  readonly targets?: readonly TargetRow[];
}

export interface Scenario {
  readonly name: string;
  /** One sentence for the summary and `--list`. */
  readonly describe: string;
  /** Run only when named in `--scenarios` (a long run), never as part of a run of every scenario. */
  readonly onlyWhenNamed?: boolean;
  run(context: BenchContext): Promise<ScenarioResult>;
}
