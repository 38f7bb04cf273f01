/**
 * The per-endpoint BullMQ limiter: deliveries allowed per window never make more requests than the endpoint
 * declares, at any declared rate.
 */
import { REQUESTS_PER_DELIVERY, deliveryLimiter } from '../../../src/queue/workers';

test.each([
  [50, { max: 12, duration: 1000 }],
  [4, { max: 1, duration: 1000 }],
  [10_000, { max: 2500, duration: 1000 }],
  [7, { max: 1, duration: 1000 }],
  [2, { max: 1, duration: 2000 }],
  [1, { max: 1, duration: 4000 }],
  [0.5, { max: 1, duration: 8000 }],
])('%p requests/s → %p', (rps, limiter) => {
  expect(deliveryLimiter(rps)).toEqual(limiter);
});

test('requests per second never exceed the declared limit', () => {
  for (const rps of [0.1, 0.3, 1, 2.5, 3, 3.9, 4, 5, 13, 50, 199, 1000]) {
    const { max, duration } = deliveryLimiter(rps);
    expect(max).toBeGreaterThanOrEqual(1);
    expect((max * REQUESTS_PER_DELIVERY * 1000) / duration).toBeLessThanOrEqual(rps + 1e-9);
  }
});
