import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, type BootstrapOptions } from './bootstrap-mean-interval.ts';
import { seededRandom } from './seeded-random.ts';

/** Natural log of n! (exact sums of logs: n here is a number of tasks, at most some thousands). */
function logFactorial(n: number): number {
  let total = 0;
  for (let value = 2; value <= n; value++) total += Math.log(value);
  return total;
}

/**
 * The exact two-sided McNemar test: of the tasks on which two models disagree (one solves it, the
 * other does not), `onlyA` went to A and `onlyB` to B. Under "neither model is better" each such
 * task goes either way with probability ½, so the count for A is Binomial(onlyA + onlyB, ½); the
 * p-value is twice the smaller tail, at most 1. No disagreement gives 1.
 *
 * @throws RangeError when a count is not a non-negative integer
 */
export function mcnemarExactPValue(onlyA: number, onlyB: number): number {
  for (const value of [onlyA, onlyB]) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`McNemar: counts must be non-negative integers, got ${value}`);
  }
  const discordant = onlyA + onlyB;
  if (discordant === 0) return 1;
  const smaller = Math.min(onlyA, onlyB);
  const logTotal = logFactorial(discordant);
  const logHalfPower = discordant * Math.log(0.5);
  let tail = 0;
  for (let count = 0; count <= smaller; count++) {
    tail += Math.exp(logTotal - logFactorial(count) - logFactorial(discordant - count) + logHalfPower);
  }
  return Math.min(1, 2 * tail);
}

/** A paired bootstrap's result. */
export interface PairedBootstrap {
  /** Mean of the per-task differences (A − B). */
  mean: number;
  /** 95% percentile interval of the resampled means. */
  low: number;
  high: number;
  /**
   * Two-sided p-value: twice the smaller share of resampled means on either side of 0 (at most 1).
   * With every difference 0 it is 1.
   */
  pValue: number;
  resamples: number;
}

/**
 * A paired bootstrap over tasks: `differences[t]` is A's pass rate on task t minus B's. Tasks are
 * resampled with replacement (the pairing kept: a task's two rates move together), so the interval
 * says how the gap would move on another draw of tasks like these. Deterministic (seeded; values
 * sorted first, so task order does not matter).
 *
 * @throws RangeError for no differences, one not finite, or resamples not a positive integer
 */
export function pairedBootstrap(differences: readonly number[], options: BootstrapOptions = {}): PairedBootstrap {
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  if (!Number.isSafeInteger(resamples) || resamples < 1) throw new RangeError(`paired bootstrap: resamples must be an integer ≥ 1, got ${resamples}`);
  if (differences.length === 0) throw new RangeError('paired bootstrap: no tasks to resample');
  const sorted = Float64Array.from(differences).sort();
  if (!sorted.every(Number.isFinite)) throw new RangeError('paired bootstrap: every difference must be a finite number');
  const count = sorted.length;
  const mean = sorted.reduce((total, value) => total + value, 0) / count;
  const random = seededRandom(options.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const means = new Float64Array(resamples);
  let atOrBelowZero = 0;
  let atOrAboveZero = 0;
  for (let resample = 0; resample < resamples; resample++) {
    let total = 0;
    for (let draw = 0; draw < count; draw++) total += sorted[Math.floor(random() * count)]!;
    const resampled = total / count;
    means[resample] = resampled;
    // A tolerance, so that sums of rates that should cancel exactly still count as 0.
    if (resampled <= 1e-12) atOrBelowZero++;
    if (resampled >= -1e-12) atOrAboveZero++;
  }
  means.sort();
  const tail = Math.max(1, Math.round(resamples * 0.025));
  const pValue = Math.min(1, (2 * Math.min(atOrBelowZero, atOrAboveZero)) / resamples);
  return { mean, low: means[tail - 1]!, high: means[resamples - tail]!, pValue, resamples };
}
