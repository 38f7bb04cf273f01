/**
 * A small seeded pseudo-random number generator (Marsaglia's xorshift32), so a sandbox that fails requests "at
 * random" fails the same ones in the same order on every run with the same seed.
 */

/** Returns a function giving numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  // xorshift has one fixed point, 0: a zero seed would give zeros for ever.
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}
