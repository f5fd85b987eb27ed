import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/scoring/wilson-interval.ts';

// The 0.975 quantile of the standard normal (Python: statistics.NormalDist().inv_cdf(0.975)).
const z = 1.959963984540054;

/**
 * The Wilson bounds as the test's own computation: the two roots p of
 * (x/n − p)² = z² p (1 − p) / n, i.e. (n + z²) p² − (2x + z²) p + x²/n = 0, by the quadratic formula.
 */
function wilsonByQuadratic(successes: number, trials: number): { low: number; high: number } {
  const a = trials + z * z;
  const b = -(2 * successes + z * z);
  const c = (successes * successes) / trials;
  const root = Math.sqrt(b * b - 4 * a * c);
  return { low: (-b - root) / (2 * a), high: (-b + root) / (2 * a) };
}

describe('wilsonInterval', () => {
  it('gives the textbook 95% interval for 7 successes of 10: [0.3968, 0.8922]', () => {
    const interval = wilsonInterval(7, 10);
    expect(interval.low).toBeCloseTo(0.3968, 4);
    expect(interval.high).toBeCloseTo(0.8922, 4);
  });

  it('agrees with the roots of the score equation for every x of n up to 60', () => {
    for (let trials = 1; trials <= 60; trials++) {
      for (let successes = 0; successes <= trials; successes++) {
        const expected = wilsonByQuadratic(successes, trials);
        const got = wilsonInterval(successes, trials);
        if (Math.abs(got.low - Math.max(0, expected.low)) > 1e-12 || Math.abs(got.high - Math.min(1, expected.high)) > 1e-12) {
          throw new Error(`${successes}/${trials}: got [${got.low}, ${got.high}], expected [${expected.low}, ${expected.high}]`);
        }
      }
    }
  });

  it('starts exactly at 0 with no success and ends exactly at 1 with all, and holds the rate', () => {
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(0, 10).high).toBeCloseTo(wilsonByQuadratic(0, 10).high, 12);
    expect(wilsonInterval(10, 10).high).toBe(1);
    expect(wilsonInterval(10, 10).low).toBeCloseTo(wilsonByQuadratic(10, 10).low, 12);
    // One trial that passed: the lower root of the score equation is 1 / (1 + z²) ≈ 0.2065.
    expect(wilsonInterval(1, 1).low).toBeCloseTo(1 / (1 + z * z), 12);
    expect(wilsonInterval(1, 1).high).toBe(1);
    for (const [successes, trials] of [[0, 1], [1, 1], [3, 7], [100, 164], [999, 1000], [1, 10000]] as const) {
      const { low, high } = wilsonInterval(successes, trials);
      expect(low).toBeGreaterThanOrEqual(0);
      expect(low).toBeLessThanOrEqual(successes / trials);
      expect(high).toBeGreaterThanOrEqual(successes / trials);
      expect(high).toBeLessThanOrEqual(1);
    }
  });

  it('throws RangeError for impossible counts', () => {
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 2)).toThrow(RangeError);
  });
});
