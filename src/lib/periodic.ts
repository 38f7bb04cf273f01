/**
 * Runs a background task every interval, never two runs at once in one process, and reports a failed run without
 * stopping the schedule. The timers do not keep the process alive on their own.
 */

export interface Periodic {
  stop(): void;
}

export interface PeriodicOptions {
  readonly intervalMs: number;
  /** Delay of the first run; by default one interval. */
  readonly firstRunMs?: number;
  readonly onError: (error: unknown) => void;
}

export function runPeriodically(task: () => Promise<unknown>, options: PeriodicOptions): Periodic {
  let running = false;
  const tick = (): void => {
    if (running) {
      return;
    }
    running = true;
    task()
      .catch(options.onError)
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  const first = options.firstRunMs === undefined ? undefined : setTimeout(tick, options.firstRunMs);
  first?.unref();
  return {
    stop: () => {
      clearInterval(timer);
      clearTimeout(first);
    },
  };
}
