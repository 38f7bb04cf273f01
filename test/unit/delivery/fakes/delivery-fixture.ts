/**
 * Builds DeliveryDeps for fast tests from the in-memory lifecycle and leases, a scripted EHR and a clock that
 * moves only when told (each EHR request takes REQUEST_MS), around one stored message.
 */
import type { DestinationStream } from 'pino';
import type { ConformanceCheck } from '../../../../src/delivery/attempt';
import type { DeliveryDeps, DeliveryEndpoint } from '../../../../src/delivery/deliver-message';
import type { EndpointConfig } from '../../../../src/config/schema';
import { endpointSchema } from '../../../../src/config/schema';
import type { MessageRecord } from '../../../../src/messages/record';
import type { InboundMessage } from '../../../../src/messages/schemas';
import { createLogger } from '../../../../src/observability/logger';
import { referralDoc } from '../../../support/fixtures';
import { InMemoryLifecycle } from './message-lifecycle';
import { InMemoryLeases } from './record-leases';
import type { Answer, EhrStep } from './scripted-ehr';
import { ScriptedEhr } from './scripted-ehr';

export const ENDPOINT_ID = 'practice-ehr';
export const MESSAGE_ID = 'msg-1';
/** How long each scripted EHR request takes on the test clock. */
export const REQUEST_MS = 5;
export const START = new Date('2026-01-01T10:00:00.000Z');
/** With random() = 0.5, "equal jitter" waits three quarters of baseDelayMs × 2^(attempt-1). */
export const RANDOM = 0.5;
export const RETRY = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAgeMs: 24 * 60 * 60 * 1000, requestTimeoutMs: 2000 };

export interface FixtureOptions {
  readonly script?: Partial<Record<EhrStep, Answer>>;
  readonly conformance?: ConformanceCheck;
  readonly message?: InboundMessage;
  /** Fields of the stored record (status, attempts, receivedAt, endpointId...). */
  readonly record?: Partial<MessageRecord>;
  readonly endpoint?: Partial<Pick<EndpointConfig, 'retry' | 'auditEvents'>>;
  /** The rate-limit window the endpoint's answers have declared, as its pacing would report it. */
  readonly serverWindowMs?: number;
}

export interface DeliveryFixture {
  readonly deps: DeliveryDeps;
  readonly ehr: ScriptedEhr;
  readonly lifecycle: InMemoryLifecycle;
  readonly leases: InMemoryLeases;
  readonly message: InboundMessage;
  readonly endpoint: DeliveryEndpoint;
  /** Every line the delivery logged, parsed. */
  readonly logged: Record<string, unknown>[];
}

export function deliveryFixture(options: FixtureOptions = {}): DeliveryFixture {
  let now = START.getTime();
  const ehr = new ScriptedEhr(options.script, () => {
    now += REQUEST_MS;
  });
  const config = endpointSchema.parse({
    id: ENDPOINT_ID,
    baseUrl: 'https://ehr.example.org/fhir',
    practices: ['*'],
    retry: RETRY,
    ...options.endpoint,
  });
  const { serverWindowMs } = options;
  const endpoint: DeliveryEndpoint = {
    config,
    client: ehr,
    ...(serverWindowMs !== undefined ? { pacing: { serverWindowMs: () => serverWindowMs } } : {}),
  };
  const message = options.message ?? { kind: 'referral', body: referralDoc() };
  const lifecycle = new InMemoryLifecycle();
  lifecycle.add(message, { id: MESSAGE_ID, endpointId: ENDPOINT_ID, ...options.record });
  const leases = new InMemoryLeases();
  const logged: Record<string, unknown>[] = [];
  const destination: DestinationStream = {
    write(line: string) {
      logged.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  const deps: DeliveryDeps = {
    messages: lifecycle,
    lifecycle,
    endpoints: { get: (id) => (id === ENDPOINT_ID ? endpoint : undefined) },
    conformance: options.conformance ?? { check: () => [] },
    logger: createLogger({ level: 'info', destination }),
    now: () => new Date(now),
    random: () => RANDOM,
    leases,
  };
  return { deps, ehr, lifecycle, leases, message, endpoint, logged };
}
