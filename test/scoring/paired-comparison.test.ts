import { describe, expect, it } from 'vitest';
import { mcnemarExactPValue, pairedBootstrap } from '../../src/scoring/paired-comparison.ts';

describe('exact McNemar test', () => {
  it('gives twice the smaller binomial tail of the discordant tasks', () => {
    // 10 vs 0: 2 × 0.5^10.
    expect(mcnemarExactPValue(10, 0)).toBeCloseTo(2 / 1024, 12);
    // 8 vs 2: 2 × (1 + 10 + 45) / 1024 = 0.109375.
    expect(mcnemarExactPValue(8, 2)).toBeCloseTo(0.109375, 12);
    expect(mcnemarExactPValue(2, 8)).toBeCloseTo(0.109375, 12);
  });

  it('is 1 without disagreement and never above 1 for a tie', () => {
    expect(mcnemarExactPValue(0, 0)).toBe(1);
    expect(mcnemarExactPValue(5, 5)).toBe(1);
  });

  it('stays finite and tiny for large one-sided counts (log-space binomials)', () => {
    const value = mcnemarExactPValue(1000, 0);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThan(1e-200);
    expect(mcnemarExactPValue(600, 560)).toBeGreaterThan(0.2);
  });

  it('refuses counts that are not non-negative integers', () => {
    expect(() => mcnemarExactPValue(-1, 2)).toThrow(RangeError);
    expect(() => mcnemarExactPValue(1.5, 2)).toThrow(RangeError);
  });
});

describe('paired bootstrap over tasks', () => {
  it('gives p = 1 and a point interval when the two models never differ', () => {
    const result = pairedBootstrap([0, 0, 0, 0]);
    expect(result).toMatchObject({ mean: 0, low: 0, high: 0, pValue: 1 });
  });

  it('gives p near 0 and an interval above 0 when one model is better on every task', () => {
    const result = pairedBootstrap(Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? 1 : 0.5)));
    expect(result.mean).toBeCloseTo(0.75, 12);
    expect(result.low).toBeGreaterThan(0);
    expect(result.pValue).toBe(0);
  });

  it('does not call a mixed, centred difference significant', () => {
    const differences = Array.from({ length: 60 }, (_, index) => (index % 3 === 0 ? 1 : index % 3 === 1 ? -1 : 0));
    const result = pairedBootstrap(differences);
    expect(result.low).toBeLessThan(0);
    expect(result.high).toBeGreaterThan(0);
    expect(result.pValue).toBeGreaterThan(0.5);
  });

  it('is deterministic and does not depend on task order', () => {
    const differences = [1, 0, -1, 1, 1, 0, 0.5, -0.5, 1, 0];
    const first = pairedBootstrap(differences);
    expect(pairedBootstrap([...differences].reverse())).toEqual(first);
  });

  it('refuses no tasks and non-finite values', () => {
    expect(() => pairedBootstrap([])).toThrow(RangeError);
    expect(() => pairedBootstrap([0, Number.NaN])).toThrow(RangeError);
  });
});
