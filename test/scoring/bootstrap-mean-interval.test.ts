import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval } from '../../src/scoring/bootstrap-mean-interval.ts';

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Per-task pass rates of a made-up run of 200 tasks with 10 samples each, fixed by a formula. */
const rates = Array.from({ length: 200 }, (_, index) => ((index * 7) % 11) / 10);

describe('bootstrapMeanInterval', () => {
  it('is deterministic: the same values give the same interval, whatever their order', () => {
    const first = bootstrapMeanInterval(rates);
    expect(bootstrapMeanInterval(rates)).toEqual(first);
    expect(bootstrapMeanInterval([...rates].reverse())).toEqual(first);
    // Another seed draws other resamples: the bounds move a little (a check that the seed is used).
    expect(bootstrapMeanInterval(rates, { seed: 12345 })).not.toEqual(first);
  });

  it('brackets the mean and stays within the range of the values', () => {
    for (const values of [rates, [0.1, 0.9], [0, 0, 0, 1], [1, 1, 0.5], [0.25], rates.slice(0, 5)]) {
      const { low, high } = bootstrapMeanInterval(values);
      expect(low).toBeLessThanOrEqual(mean(values));
      expect(high).toBeGreaterThanOrEqual(mean(values));
      expect(low).toBeGreaterThanOrEqual(Math.min(...values));
      expect(high).toBeLessThanOrEqual(Math.max(...values));
    }
  });

  it('collapses to the value when every task has the same rate (all pass, none pass)', () => {
    expect(bootstrapMeanInterval([1, 1, 1, 1])).toEqual({ low: 1, high: 1 });
    expect(bootstrapMeanInterval([0, 0, 0])).toEqual({ low: 0, high: 0 });
    expect(bootstrapMeanInterval([0.3])).toEqual({ low: 0.3, high: 0.3 });
  });

  it('spans the whole range for two tasks at 0 and 1, where each extreme has probability 1/4', () => {
    // Resampled means: 0 (1/4), 0.5 (1/2), 1 (1/4): the 2.5% and 97.5% quantiles are 0 and 1.
    expect(bootstrapMeanInterval([0, 1])).toEqual({ low: 0, high: 1 });
  });

  it('matches the normal approximation mean ± 1.96·sd/√n for many tasks', () => {
    const center = mean(rates);
    const variance = rates.reduce((sum, value) => sum + (value - center) ** 2, 0) / rates.length;
    const halfWidth = 1.959963984540054 * Math.sqrt(variance / rates.length);
    const { low, high } = bootstrapMeanInterval(rates);
    // 2000 resamples: the bounds are within a tenth of the half-width of the normal ones.
    expect(Math.abs(low - (center - halfWidth))).toBeLessThan(halfWidth / 10);
    expect(Math.abs(high - (center + halfWidth))).toBeLessThan(halfWidth / 10);
  });

  it('throws RangeError for no values, values that are not finite, or a bad resample count', () => {
    expect(() => bootstrapMeanInterval([])).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([0.5, Number.NaN])).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([0.5], { resamples: 0 })).toThrow(RangeError);
  });
});
