import { bootstrapMeanInterval, DEFAULT_BOOTSTRAP_RESAMPLES } from './bootstrap-mean-interval.ts';
import { passAtKSummary, type TaskPassCount } from './pass-at-k.ts';
import { wilsonInterval, type IntervalBounds } from './wilson-interval.ts';

/** A 95% confidence interval for pass@1, with the method that made it. */
export interface PassAt1Interval {
  /** Lower bound, a rate in [0, 1]. */
  low: number;
  /** Upper bound, a rate in [0, 1]. */
  high: number;
  /**
   * `wilson`: pass@1 is a binomial proportion, so the Wilson score interval applies — over tasks
   * when each has one scored sample, or over the samples of the only task. `bootstrap`: several
   * tasks with several samples (or uneven counts), so the per-task rates are resampled over tasks
   * with replacement (percentile bootstrap, fixed seed).
   */
  method: 'wilson' | 'bootstrap';
  /** Confidence level: 0.95. */
  level: number;
  /** Resamples drawn, for `bootstrap` only. */
  resamples?: number;
}

/**
 * A 95% confidence interval for mean pass@1 over tasks, from per-task counts. Tasks without a
 * scored sample are left out, as in pass@k; none left → undefined. The uncertainty is over
 * tasks (would another draw of similar tasks score the same?), which is what dominates when
 * comparing models on a benchmark; a single task has only its samples, so it gets the Wilson
 * interval over them (a bootstrap over one task would collapse to a point). With few tasks
 * (under about ten) a percentile bootstrap is known to come out too narrow: a rough guide there.
 * The bounds always hold the point estimate: where floating rounding (or the percentile method,
 * on odd data) would leave it just outside, they are widened to it.
 */
export function passAt1Interval(counts: ReadonlyArray<TaskPassCount>): PassAt1Interval | undefined {
  const scored = counts.filter((count) => count.samples > 0);
  if (scored.length === 0) return undefined;
  const point = passAtKSummary(scored, [1])['pass@1']!;
  const holdingPoint = ({ low, high }: IntervalBounds) => ({ low: Math.min(low, point), high: Math.max(high, point) });
  if (scored.length === 1) {
    const [only] = scored as [TaskPassCount];
    return { ...holdingPoint(wilsonInterval(only.passed, only.samples)), method: 'wilson', level: 0.95 };
  }
  if (scored.every((count) => count.samples === 1)) {
    const solved = scored.reduce((total, count) => total + count.passed, 0);
    return { ...holdingPoint(wilsonInterval(solved, scored.length)), method: 'wilson', level: 0.95 };
  }
  const rates = scored.map((count) => count.passed / count.samples);
  return { ...holdingPoint(bootstrapMeanInterval(rates)), method: 'bootstrap', level: 0.95, resamples: DEFAULT_BOOTSTRAP_RESAMPLES };
}
