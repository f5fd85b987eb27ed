import { describe, expect, it } from 'vitest';
import { passHatK, passHatKSummary } from '../../src/scoring/pass-hat-k.ts';

/** C(n, k) exactly, as a BigInt: the test's own computation, independent of the product form. */
function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

/** A ratio of two BigInts as a double, exact to double precision for the sizes used here. */
function ratio(numerator: bigint, denominator: bigint): number {
  const scale = 10n ** 30n;
  return Number((numerator * scale) / denominator) / 1e30;
}

describe('passHatK', () => {
  it('matches hand-computed values of C(c, k) / C(n, k)', () => {
    // n=5, c=2, k=2: C(2,2)/C(5,2) = 1/10
    expect(passHatK(5, 2, 2)).toBeCloseTo(1 / 10, 12);
    // n=5, c=3, k=2: C(3,2)/C(5,2) = 3/10
    expect(passHatK(5, 3, 2)).toBeCloseTo(3 / 10, 12);
    // n=6, c=4, k=3: C(4,3)/C(6,3) = 4/20
    expect(passHatK(6, 4, 3)).toBeCloseTo(4 / 20, 12);
    // n=20, c=15, k=10: C(15,10)/C(20,10) = 3003/184756
    expect(passHatK(20, 15, 10)).toBeCloseTo(3003 / 184756, 12);
  });

  it('agrees with exact binomials on every (n, c, k) up to n = 40', () => {
    for (let n = 1; n <= 40; n++) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) {
          const expected = ratio(binomial(c, k), binomial(n, k));
          const got = passHatK(n, c, k);
          if (Math.abs(got - expected) > 1e-12) throw new Error(`pass^${k} with n=${n}, c=${c}: got ${got}, expected ${expected}`);
        }
      }
    }
  });

  it('is c/n for k = 1, 0 when fewer than k samples pass, 1 when all pass', () => {
    expect(passHatK(10, 3, 1)).toBeCloseTo(0.3, 12);
    expect(passHatK(10, 3, 4)).toBe(0);
    expect(passHatK(10, 0, 1)).toBe(0);
    expect(passHatK(10, 10, 10)).toBe(1);
    expect(passHatK(1, 1, 1)).toBe(1);
    expect(passHatK(1, 0, 1)).toBe(0);
  });

  it('stays accurate where the binomials overflow doubles', () => {
    // C(2000, 1000) ≈ 2e600. n=2000, c=1999, k=1000: C(1999,1000)/C(2000,1000) = (2000−1000)/2000 = 1/2.
    expect(passHatK(2000, 1999, 1000)).toBeCloseTo(0.5, 10);
    // n=1000, c=999, k=999: C(999,999)/C(1000,999) = 1/1000.
    expect(passHatK(1000, 999, 999)).toBeCloseTo(1 / 1000, 12);
    // n=1200, c=1100, k=1000: about 7e-90, against the exact ratio of BigInt binomials (scaled by
    // 10^120 to keep its digits), to a relative error of 1e-12.
    const exact = ratio(binomial(1100, 1000) * 10n ** 120n, binomial(1200, 1000)) / 1e120;
    expect(exact).toBeGreaterThan(1e-90);
    expect(exact).toBeLessThan(1e-88);
    expect(Math.abs(passHatK(1200, 1100, 1000) / exact - 1)).toBeLessThan(1e-12);
  });

  it('throws RangeError for invalid arguments', () => {
    expect(() => passHatK(5, 2, 6)).toThrow(RangeError);
    expect(() => passHatK(5, 6, 1)).toThrow(RangeError);
    expect(() => passHatK(5, -1, 1)).toThrow(RangeError);
    expect(() => passHatK(5, 1, 0)).toThrow(RangeError);
    expect(() => passHatK(0, 0, 1)).toThrow(RangeError);
    expect(() => passHatK(5.5, 1, 1)).toThrow(RangeError);
    expect(() => passHatK(Number.NaN, 1, 1)).toThrow(RangeError);
  });
});

describe('passHatKSummary', () => {
  it('averages over tasks, keyed pass^k, only for k ≤ the fewest samples', () => {
    const counts = [
      { samples: 5, passed: 2 },
      { samples: 5, passed: 3 },
      { samples: 5, passed: 5 },
    ];
    const summary = passHatKSummary(counts, [1, 2, 10]);
    // pass^1 = (2/5 + 3/5 + 1) / 3 = 2/3
    expect(summary['pass^1']).toBeCloseTo(2 / 3, 12);
    // pass^2 = (1/10 + 3/10 + 1) / 3 = 1.4/3
    expect(summary['pass^2']).toBeCloseTo(1.4 / 3, 12);
    expect(Object.keys(summary)).toEqual(['pass^1', 'pass^2']);
  });

  it('reports pass^1, pass^10 and pass^100 by default where the samples allow', () => {
    // min samples = 10: pass^100 omitted. pass^10 = (1 + C(99,10)/C(100,10)) / 2 = (1 + 90/100) / 2.
    const summary = passHatKSummary([
      { samples: 10, passed: 10 },
      { samples: 100, passed: 99 },
    ]);
    expect(Object.keys(summary)).toEqual(['pass^1', 'pass^10']);
    expect(summary['pass^1']).toBeCloseTo((1 + 0.99) / 2, 12);
    expect(summary['pass^10']).toBeCloseTo((1 + 0.9) / 2, 12);
  });

  it('leaves tasks without scored samples out, and returns {} for none', () => {
    expect(passHatKSummary([{ samples: 0, passed: 0 }, { samples: 2, passed: 1 }], [1, 2])).toEqual({ 'pass^1': 0.5, 'pass^2': 0 });
    expect(passHatKSummary([])).toEqual({});
    expect(passHatKSummary([{ samples: 0, passed: 0 }])).toEqual({});
  });

  it('rejects inconsistent counts', () => {
    expect(() => passHatKSummary([{ samples: 2, passed: 3 }])).toThrow(RangeError);
  });
});
