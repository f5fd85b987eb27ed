import { describe, expect, it } from 'vitest';
import { passAtK, passAtKSummary } from '../../src/scoring/pass-at-k.ts';

describe('passAtK', () => {
  it('matches hand-computed values of 1 − C(n−c, k) / C(n, k)', () => {
    // n=5, c=2, k=2: 1 − C(3,2)/C(5,2) = 1 − 3/10 = 0.7
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12);
    // n=4, c=1, k=2: 1 − C(3,2)/C(4,2) = 1 − 3/6 = 0.5
    expect(passAtK(4, 1, 2)).toBeCloseTo(0.5, 12);
    // n=6, c=2, k=3: 1 − C(4,3)/C(6,3) = 1 − 4/20 = 0.8
    expect(passAtK(6, 2, 3)).toBeCloseTo(0.8, 12);
    // n=20, c=5, k=10: 1 − C(15,10)/C(20,10) = 1 − 3003/184756 = 181753/184756
    expect(passAtK(20, 5, 10)).toBeCloseTo(181753 / 184756, 12);
  });

  it('is c/n for k = 1', () => {
    // n=10, c=3, k=1: 1 − C(7,1)/C(10,1) = 1 − 7/10 = 0.3
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
  });

  it('is 0 with no pass and 1 when fewer than k samples fail', () => {
    expect(passAtK(10, 0, 5)).toBe(0);
    expect(passAtK(10, 10, 5)).toBe(1);
    // n=10, c=3, k=8: only 7 failures, so any 8 samples include a pass.
    expect(passAtK(10, 3, 8)).toBe(1);
    expect(passAtK(1, 1, 1)).toBe(1);
  });

  it('stays exact-ish where the binomials overflow doubles', () => {
    // n=200, c=1, k=100: C(199,100)/C(200,100) = (200−100)/200 = 1/2, so 0.5.
    expect(passAtK(200, 1, 100)).toBeCloseTo(0.5, 12);
    // n=200, c=2, k=100: C(198,100)/C(200,100) = (100·99)/(200·199) = 9900/39800, so 1 − 99/398.
    expect(passAtK(200, 2, 100)).toBeCloseTo(1 - 99 / 398, 12);
    // C(2000, 1000) ≈ 2e600 is beyond any double; the product form does not care.
    // n=2000, c=1, k=1000: (2000−1000)/2000 = 1/2.
    expect(passAtK(2000, 1, 1000)).toBeCloseTo(0.5, 10);
  });

  it('throws RangeError for invalid arguments', () => {
    expect(() => passAtK(5, 2, 6)).toThrow(RangeError);
    expect(() => passAtK(5, 6, 1)).toThrow(RangeError);
    expect(() => passAtK(5, -1, 1)).toThrow(RangeError);
    expect(() => passAtK(5, 1, 0)).toThrow(RangeError);
    expect(() => passAtK(0, 0, 1)).toThrow(RangeError);
    expect(() => passAtK(5.5, 1, 1)).toThrow(RangeError);
    expect(() => passAtK(Number.NaN, 1, 1)).toThrow(RangeError);
  });
});

describe('passAtKSummary', () => {
  it('averages over tasks and reports only k ≤ the fewest samples', () => {
    const counts = [
      { samples: 5, passed: 2 },
      { samples: 5, passed: 0 },
      { samples: 5, passed: 5 },
    ];
    const summary = passAtKSummary(counts, [1, 2, 10]);
    // pass@1 = (2/5 + 0 + 1) / 3 = 1.4 / 3
    expect(summary['pass@1']).toBeCloseTo(1.4 / 3, 12);
    // pass@2 = (0.7 + 0 + 1) / 3 = 1.7 / 3  (0.7 from the n=5, c=2, k=2 case above)
    expect(summary['pass@2']).toBeCloseTo(1.7 / 3, 12);
    expect(Object.keys(summary)).toEqual(['pass@1', 'pass@2']);
  });

  it('reports only pass@1 with one sample per task, by default', () => {
    // (1 + 0 + 1 + 0) / 4 = 0.5
    const summary = passAtKSummary([
      { samples: 1, passed: 1 },
      { samples: 1, passed: 0 },
      { samples: 1, passed: 1 },
      { samples: 1, passed: 0 },
    ]);
    expect(summary).toEqual({ 'pass@1': 0.5 });
  });

  it('uses the smallest sample count across tasks', () => {
    // min samples = 10, so pass@1 and pass@10 but not pass@100.
    const summary = passAtKSummary([
      { samples: 10, passed: 10 },
      { samples: 100, passed: 0 },
    ]);
    expect(summary).toEqual({ 'pass@1': 0.5, 'pass@10': 0.5 });
  });

  it('leaves tasks without scored samples out of the mean, and returns {} for none', () => {
    expect(passAtKSummary([{ samples: 0, passed: 0 }, { samples: 2, passed: 1 }], [1])).toEqual({ 'pass@1': 0.5 });
    expect(passAtKSummary([])).toEqual({});
  });

  it('rejects inconsistent counts', () => {
    expect(() => passAtKSummary([{ samples: 2, passed: 3 }])).toThrow(RangeError);
  });
});
