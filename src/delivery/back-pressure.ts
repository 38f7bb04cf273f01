/**
 * The back-pressure controller of one endpoint: additive increase, multiplicative decrease. When the EHR says it
 * is overloaded (a 429, or a 503 that says when to come back) the allowed request rate and concurrency are cut by
 * a factor and requests pause until the server's reset time; after a run of answers without one they climb back
 * by a fixed step towards the configured maximum. When writes collide inside the EHR (a database serialization
 * failure or a version conflict) the EHR is not short of requests but of isolation between concurrent
 * transactions, so only the concurrency is cut. Pure: the caller passes the time and applies the decisions.
 */

export interface BackPressureSettings {
  /** The endpoint's declared requests per second, which the rate never exceeds. */
  readonly maxRate: number;
  /** The endpoint's configured concurrency, which the allowed concurrency never exceeds. */
  readonly maxConcurrency: number;
  /** What rate and concurrency are multiplied by on a throttling answer (0.5 halves them). */
  readonly decreaseFactor?: number;
  /** Answers in a row without throttling before one additive step up. */
  readonly successesPerIncrease?: number;
  /** Requests per second added by one step up (default a tenth of the maximum, at least 1). */
  readonly rateStep?: number;
  /**
   * After a cut, further throttling answers within this time (or before the pause ends) do not cut again: they
   * answer requests sent before the cut, and counting each would drive the rate to its floor on one storm.
   */
  readonly holdAfterDecreaseMs?: number;
}

export interface AllowedLimits {
  /** Requests per second the endpoint's budget lets out. */
  readonly rate: number;
  /** Deliveries in flight at once. */
  readonly concurrency: number;
  /** No request goes out before this time (ms since the epoch); 0 when not paused. */
  readonly pausedUntil: number;
}

/** A change to apply: the new limits, and why. */
export interface BackPressureDecision {
  readonly reason: 'throttled' | 'contended' | 'recovering';
  readonly limits: AllowedLimits;
}

const DEFAULTS = { decreaseFactor: 0.5, successesPerIncrease: 10, holdAfterDecreaseMs: 1000 } as const;

export class BackPressureController {
  private rate: number;
  private concurrency: number;
  private pausedUntil = 0;
  private successes = 0;
  /** Throttling answers before this time do not cut again (see holdAfterDecreaseMs). */
  private holdUntil = Number.NEGATIVE_INFINITY;
  private readonly rateFloor: number;
  private readonly factor: number;
  private readonly successesPerIncrease: number;
  private readonly rateStep: number;
  private readonly holdMs: number;

  constructor(private readonly settings: BackPressureSettings) {
    if (!(settings.maxRate > 0) || !Number.isInteger(settings.maxConcurrency) || settings.maxConcurrency < 1) {
      throw new RangeError('back-pressure needs a positive rate and a concurrency of at least 1');
    }
    this.rate = settings.maxRate;
    this.concurrency = settings.maxConcurrency;
    // One request a second, or the declared rate when that is lower: a cut never stops the endpoint altogether.
    this.rateFloor = Math.min(1, settings.maxRate);
    this.factor = settings.decreaseFactor ?? DEFAULTS.decreaseFactor;
    if (!(this.factor > 0 && this.factor < 1)) {
      throw new RangeError('decreaseFactor must be between 0 and 1');
    }
    this.successesPerIncrease = settings.successesPerIncrease ?? DEFAULTS.successesPerIncrease;
    this.rateStep = settings.rateStep ?? Math.max(1, settings.maxRate / 10);
    this.holdMs = settings.holdAfterDecreaseMs ?? DEFAULTS.holdAfterDecreaseMs;
  }

  limits(): AllowedLimits {
    return { rate: this.rate, concurrency: this.concurrency, pausedUntil: this.pausedUntil };
  }

  /**
   * The EHR refused a request for load. `waitMs` is how long it asked us to wait (Retry-After or its rate
   * limit's reset), when it said. Returns the change to apply, or undefined when there is none.
   */
  onThrottled(nowMs: number, waitMs?: number): BackPressureDecision | undefined {
    this.successes = 0;
    const pauseChanged = waitMs !== undefined && waitMs > 0 && nowMs + waitMs > this.pausedUntil;
    if (pauseChanged) {
      this.pausedUntil = nowMs + waitMs;
    }
    const cut = nowMs >= this.holdUntil;
    if (cut) {
      this.rate = Math.max(this.rateFloor, this.rate * this.factor);
      this.concurrency = Math.max(1, Math.floor(this.concurrency * this.factor));
      this.holdUntil = Math.max(nowMs + this.holdMs, this.pausedUntil);
    }
    return cut || pauseChanged ? { reason: 'throttled', limits: this.limits() } : undefined;
  }

  /**
   * The EHR answered that a write collided with a concurrent one. Fewer transactions in flight collide less often;
   * the request rate is left alone because the server did not say it had too many. Returns the change to apply.
   */
  onContended(nowMs: number): BackPressureDecision | undefined {
    this.successes = 0;
    if (nowMs < this.holdUntil || this.concurrency === 1) {
      return undefined;
    }
    this.concurrency = Math.max(1, Math.floor(this.concurrency * this.factor));
    this.holdUntil = nowMs + this.holdMs;
    return { reason: 'contended', limits: this.limits() };
  }

  /** The EHR answered a request without throttling it. Returns a step up after enough of them in a row. */
  onAnswered(): BackPressureDecision | undefined {
    this.successes += 1;
    if (this.successes < this.successesPerIncrease) {
      return undefined;
    }
    this.successes = 0;
    const { maxRate, maxConcurrency } = this.settings;
    if (this.rate >= maxRate && this.concurrency >= maxConcurrency) {
      return undefined;
    }
    this.rate = Math.min(maxRate, this.rate + this.rateStep);
    this.concurrency = Math.min(maxConcurrency, this.concurrency + 1);
    return { reason: 'recovering', limits: this.limits() };
  }
}

/**
 * Whether an answer is the server saying it is overloaded: a 429, or a 503 that says when to come back (a 503
 * without one is an outage, which the retry policy handles, not a signal to slow down).
 */
export function isThrottling(status: number, serverWaitMs: number | undefined): boolean {
  return status === 429 || (status === 503 && serverWaitMs !== undefined);
}
