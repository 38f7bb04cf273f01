/**
 * The delivery job processor's translation of delivery decisions into BullMQ's terms: delivered, superseded and
 * settled jobs complete with their decision, a permanent failure stops BullMQ retrying (UnrecoverableError), and a
 * transient one throws RetryLaterError carrying the wait the delivery policy chose, which the backoff returns.
 */
import { UnrecoverableError } from 'bullmq';
import { LEASE_BUSY_RETRY_MS } from '../../../src/delivery/deliver-message';
import { RetryLaterError, createDeliveryProcessor, deliveryBackoff } from '../../../src/queue/processor';
import type { FixtureOptions } from './fakes/delivery-fixture';
import { MESSAGE_ID, deliveryFixture } from './fakes/delivery-fixture';
import { InMemoryLeases } from './fakes/record-leases';
import { response, searchset } from './fakes/scripted-ehr';

function processorFor(options: FixtureOptions = {}) {
  const fixture = deliveryFixture(options);
  const process = createDeliveryProcessor(fixture.deps);
  return { fixture, run: async () => process({ data: { messageId: MESSAGE_ID } }) };
}

describe('createDeliveryProcessor', () => {
  test('a delivered message completes the job with the decision', async () => {
    const { run } = processorFor();

    await expect(run()).resolves.toEqual({ kind: 'delivered' });
  });

  test('a settled message completes the job', async () => {
    const { run } = processorFor({ record: { status: 'delivered' } });

    await expect(run()).resolves.toEqual({ kind: 'settled', reason: 'message is delivered' });
  });

  test('a permanent failure throws UnrecoverableError with the reason, so BullMQ stops retrying', async () => {
    const { run } = processorFor({ script: { 'patient lookup': () => searchset([]) } });

    const error: unknown = await run().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toContain('has no patient with NHS number');
  });

  test('a transient failure throws RetryLaterError with the policy wait, which the backoff uses', async () => {
    const { run } = processorFor({ script: { transaction: () => response(503) } });

    const error: unknown = await run().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    // First retry with random() = 0.5: 3/4 of the 1000 ms base delay.
    expect((error as RetryLaterError).delayMs).toBe(750);
    expect(deliveryBackoff(1, 'custom', error as Error)).toBe(750);
  });

  test('a busy lease is retried after the lease wait', async () => {
    const { fixture, run } = processorFor();
    const source = fixture.message.body.source;
    fixture.leases.held.add(
      InMemoryLeases.keyOf({ kind: 'referral', system: source.system, recordId: source.recordId }),
    );

    await expect(run()).rejects.toMatchObject({ name: 'RetryLaterError', delayMs: LEASE_BUSY_RETRY_MS });
  });
});

describe('deliveryBackoff', () => {
  test('any other error (Redis down mid-attempt, say) waits one second', () => {
    expect(deliveryBackoff(3, 'custom', new Error('Connection is closed.'))).toBe(1000);
    expect(deliveryBackoff(3)).toBe(1000);
  });
});
