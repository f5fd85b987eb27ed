import { seededRandom } from './seeded-random.ts';
import type { IntervalBounds } from './wilson-interval.ts';

/** Resamples drawn by default: percentile bounds then move by well under 1% of their width between seeds. */
export const DEFAULT_BOOTSTRAP_RESAMPLES = 2000;

/** The seed used by default, so that a run's interval is the same every time it is summarized. */
export const DEFAULT_BOOTSTRAP_SEED = 0x5eedb007;

/** How to bootstrap. */
export interface BootstrapOptions {
  /** Number of resamples (default {@link DEFAULT_BOOTSTRAP_RESAMPLES}). */
  resamples?: number;
  /** Seed of the generator that draws them (default {@link DEFAULT_BOOTSTRAP_SEED}). */
  seed?: number;
}

/**
 * A 95% percentile-bootstrap interval for the mean of `values` (one per task: resampling tasks
 * with replacement, so the interval reflects how the score would move on another draw of tasks
 * like these). Each resample takes `values.length` values at random with replacement; the bounds
 * are the 2.5% and 97.5% quantiles of the resampled means, taken as order statistics (with 2000
 * resamples: the 50th smallest and the 50th largest). Deterministic: values are sorted before
 * resampling, so the result depends only on the values and the seed, not on task order.
 *
 * @throws RangeError for no values, a value that is not finite, or resamples not a positive integer
 */
export function bootstrapMeanInterval(values: readonly number[], options: BootstrapOptions = {}): IntervalBounds {
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  if (!Number.isSafeInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap: resamples must be an integer ≥ 1, got ${resamples}`);
  if (values.length === 0) throw new RangeError('bootstrap: no values to resample');
  const sorted = Float64Array.from(values).sort();
  if (!sorted.every(Number.isFinite)) throw new RangeError('bootstrap: every value must be a finite number');
  const random = seededRandom(options.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const count = sorted.length;
  const means = new Float64Array(resamples);
  for (let resample = 0; resample < resamples; resample++) {
    let total = 0;
    for (let draw = 0; draw < count; draw++) total += sorted[Math.floor(random() * count)]!;
    means[resample] = total / count;
  }
  means.sort();
  // Values in each tail: 2.5% of the resamples, at least one.
  const tail = Math.max(1, Math.round(resamples * 0.025));
  return { low: means[tail - 1]!, high: means[resamples - tail]! };
}
