import { describe, expect, it } from 'vitest';
import { passAt1Interval } from '../../src/scoring/pass-at-1-interval.ts';
import { passAtKSummary } from '../../src/scoring/pass-at-k.ts';

const z = 1.959963984540054;

describe('passAt1Interval', () => {
  it('uses the Wilson interval over tasks with one sample per task', () => {
    // 7 of 10 tasks solved: Wilson by formula, center ± half-width with p = 0.7, n = 10.
    const counts = Array.from({ length: 10 }, (_, index) => ({ samples: 1, passed: index < 7 ? 1 : 0 }));
    const n = 10;
    const p = 0.7;
    const center = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
    const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    const interval = passAt1Interval(counts);
    expect(interval).toEqual({ low: expect.closeTo(center - half, 12), high: expect.closeTo(center + half, 12), method: 'wilson', level: 0.95 });
  });

  it('bootstraps over tasks with several samples per task, with the resample count, deterministically', () => {
    const counts = Array.from({ length: 30 }, (_, index) => ({ samples: 5, passed: index % 6 }));
    const interval = passAt1Interval(counts)!;
    expect(interval).toMatchObject({ method: 'bootstrap', level: 0.95, resamples: 2000 });
    expect(passAt1Interval(counts)).toEqual(interval);
    const point = passAtKSummary(counts, [1])['pass@1']!;
    expect(interval.low).toBeLessThan(point);
    expect(interval.high).toBeGreaterThan(point);
  });

  it('bootstraps when the scored counts differ per task (samples lost to faults), on per-task rates', () => {
    // Rates 1/2 and 1: a resampled mean is 0.5, 0.75 or 1; each extreme has probability 1/4.
    expect(passAt1Interval([{ samples: 2, passed: 1 }, { samples: 1, passed: 1 }])).toEqual({ low: 0.5, high: 1, method: 'bootstrap', level: 0.95, resamples: 2000 });
  });

  it('handles one task, all passing and none passing, and leaves out tasks with no scored sample', () => {
    expect(passAt1Interval([{ samples: 1, passed: 1 }])).toMatchObject({ low: expect.closeTo(1 / (1 + z * z), 12), high: 1, method: 'wilson' });
    expect(passAt1Interval([{ samples: 1, passed: 0 }, { samples: 1, passed: 0 }])).toMatchObject({ low: 0, method: 'wilson' });
    expect(passAt1Interval([{ samples: 3, passed: 3 }, { samples: 3, passed: 3 }])).toMatchObject({ low: 1, high: 1, method: 'bootstrap' });
    expect(passAt1Interval([{ samples: 4, passed: 0 }, { samples: 4, passed: 0 }])).toMatchObject({ low: 0, high: 0, method: 'bootstrap' });
    // A task whose samples were all lost does not make the others "several samples per task".
    expect(passAt1Interval([{ samples: 0, passed: 0 }, { samples: 1, passed: 1 }, { samples: 1, passed: 0 }])).toMatchObject({ method: 'wilson' });
    expect(passAt1Interval([{ samples: 0, passed: 0 }])).toBeUndefined();
    expect(passAt1Interval([])).toBeUndefined();
  });

  it('always holds the pass@1 point estimate, even where every rate is the same inexact decimal', () => {
    for (const counts of [
      Array.from({ length: 7 }, () => ({ samples: 10, passed: 1 })),
      Array.from({ length: 9 }, () => ({ samples: 3, passed: 1 })),
      [{ samples: 10, passed: 3 }, { samples: 7, passed: 7 }, { samples: 9, passed: 0 }],
    ]) {
      const point = passAtKSummary(counts, [1])['pass@1']!;
      const interval = passAt1Interval(counts)!;
      expect(interval.low).toBeLessThanOrEqual(point);
      expect(interval.high).toBeGreaterThanOrEqual(point);
    }
  });
});

describe('passAt1Interval with a single task', () => {
  it('uses the Wilson interval over the samples of the one task, where a bootstrap over tasks would collapse', () => {
    // 7 of 10 samples of one task pass: the textbook Wilson interval [0.3968, 0.8922].
    const interval = passAt1Interval([{ samples: 10, passed: 7 }, { samples: 0, passed: 0 }]);
    expect(interval).toEqual({ low: expect.closeTo(0.3968, 4), high: expect.closeTo(0.8922, 4), method: 'wilson', level: 0.95 });
  });
});
