/**
 * Paces one endpoint's requests: the FHIR client's and token source's hook that takes a unit of the endpoint's
 * request budget before each request and feeds each answer to the back-pressure controller, applying its
 * decisions to the budget at once and announcing them to the endpoint's worker (which changes its concurrency and
 * pauses its queue). Counts the endpoint's requests by kind, its throttling answers and its write conflicts, and
 * remembers the server's rate-limit window for the retry policy.
 */
import type { Metrics } from '../observability/metrics';
import type { RequestBudget } from '../store/request-budget';
import type { AllowedLimits, BackPressureDecision } from './back-pressure';
import { BackPressureController, isThrottling } from './back-pressure';
import { serverWaitMs, showsWriteRace } from './classify';
import type { RequestHook, RequestKind } from './fhir-client';
import { createServerWindow } from './server-window';

export interface EndpointPacing extends RequestHook {
  limits(): AllowedLimits;
  /** Calls `listener` with each change back-pressure decides, after it has been applied to the budget. */
  onChange(listener: (decision: BackPressureDecision) => void): void;
  /** The length of the EHR's rate-limit window as its answers have said, or undefined while they have not. */
  serverWindowMs(): number | undefined;
}

export interface EndpointPacingOptions {
  readonly endpointId: string;
  readonly maxRequestsPerSecond: number;
  readonly concurrency: number;
  readonly budget: RequestBudget;
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

export function createEndpointPacing(options: EndpointPacingOptions): EndpointPacing {
  const now = options.now ?? Date.now;
  const { budget, metrics } = options;
  const endpoint = options.endpointId;
  const controller = new BackPressureController({
    maxRate: options.maxRequestsPerSecond,
    maxConcurrency: options.concurrency,
  });
  const listeners: ((decision: BackPressureDecision) => void)[] = [];
  const window = createServerWindow();

  const publish = (limits: AllowedLimits): void => {
    metrics?.allowedRequestRate.set({ endpoint }, limits.rate);
    metrics?.allowedConcurrency.set({ endpoint }, limits.concurrency);
  };
  publish(controller.limits());

  const apply = (decision: BackPressureDecision | undefined): void => {
    if (decision === undefined) {
      return;
    }
    budget.setRate(decision.limits.rate);
    budget.pauseUntil(decision.limits.pausedUntil);
    publish(decision.limits);
    for (const listener of listeners) {
      listener(decision);
    }
  };

  return {
    async before(kind: RequestKind) {
      await budget.take();
      metrics?.ehrRequests.inc({ endpoint, kind });
    },
    after(_kind, status, headers, body) {
      const at = now();
      window.observe(status, headers, new Date(at));
      const wait = serverWaitMs(status, headers, new Date(at));
      if (isThrottling(status, wait)) {
        metrics?.ehrThrottled.inc({ endpoint, status: String(status) });
        apply(controller.onThrottled(at, wait));
      } else if (showsWriteRace(status, body)) {
        metrics?.ehrWriteConflicts.inc({ endpoint });
        apply(controller.onContended(at));
      } else if (status < 500) {
        apply(controller.onAnswered());
      }
    },
    limits: () => controller.limits(),
    onChange(listener) {
      listeners.push(listener);
    },
    serverWindowMs: () => window.windowMs(),
  };
}
