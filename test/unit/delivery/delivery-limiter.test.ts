/**
 * The per-endpoint BullMQ limiter: every delivery sends at least one request, so the deliveries it lets start per
 * window never exceed the requests the endpoint declares, at any declared rate. The requests themselves are
 * counted by the request budget.
 */
import { deliveryLimiter } from '../../../src/queue/workers';

test.each([
  [50, { max: 50, duration: 1000 }],
  [4, { max: 4, duration: 1000 }],
  [10_000, { max: 10_000, duration: 1000 }],
  [7.5, { max: 7, duration: 1000 }],
  [1, { max: 1, duration: 1000 }],
  [0.5, { max: 1, duration: 2000 }],
  [0.3, { max: 1, duration: 3334 }],
])('%p requests/s → %p', (rps, limiter) => {
  expect(deliveryLimiter(rps)).toEqual(limiter);
});

test('deliveries started per second never exceed the declared requests per second', () => {
  for (const rps of [0.1, 0.3, 1, 2.5, 3, 3.9, 4, 5, 13, 50, 199, 1000]) {
    const { max, duration } = deliveryLimiter(rps);
    expect(max).toBeGreaterThanOrEqual(1);
    expect((max * 1000) / duration).toBeLessThanOrEqual(rps + 1e-9);
  }
});
