/**
 * A small deterministic pseudo-random generator (Mulberry32: a 32-bit state advanced by a Weyl
 * sequence and scrambled by multiply-xorshift steps). Statistics that resample must give the same
 * figures for the same run every time, so they draw from this, never from `Math.random`. Not for
 * anything secret.
 *
 * @param seed any 32-bit integer (other numbers are truncated to 32 bits)
 * @returns a function giving the next number in [0, 1) on each call
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
