/**
 * The slot arithmetic of the request budget: the gap between two send slots is the rate's with the safety margin
 * taken off, in whole microseconds, so the slots in any second never reach the declared rate.
 */
import { RATE_MARGIN, slotIntervalMicros } from '../../../src/store/request-budget';

test.each([
  { perSecond: 200, margin: RATE_MARGIN, micros: 5264 },
  { perSecond: 20, margin: RATE_MARGIN, micros: 52632 },
  { perSecond: 1, margin: 0, micros: 1_000_000 },
  { perSecond: 0.5, margin: 0, micros: 2_000_000 },
])('$perSecond per second with margin $margin spaces slots $micros µs apart', ({ perSecond, margin, micros }) => {
  expect(slotIntervalMicros(perSecond, margin)).toBe(micros);
});

test.each([1, 7, 20, 200, 400, 10_000])('at %d per second the slots in any second stay below it', (perSecond) => {
  // The most slots that fit in a window of 1000 ms starting at one is one more than the whole gaps within it.
  const gapMs = slotIntervalMicros(perSecond) / 1000;
  expect(Math.floor((1000 - Number.EPSILON) / gapMs) + 1).toBeLessThanOrEqual(perSecond);
});
