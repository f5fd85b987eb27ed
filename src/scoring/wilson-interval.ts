/** The 0.975 quantile of the standard normal distribution: two-sided 95% intervals. */
export const NORMAL_QUANTILE_95 = 1.959963984540054;

/** A confidence interval's bounds. */
export interface IntervalBounds {
  /** Lower bound. */
  low: number;
  /** Upper bound. */
  high: number;
}

/**
 * The 95% Wilson score interval for a binomial proportion, `successes` of `trials`. Unlike the
 * normal ("Wald") interval it never leaves [0, 1] and keeps its coverage near 0 and 1, which is
 * where pass rates often sit. Bounds are clamped to [0, 1] and to hold the observed rate, which
 * they do exactly; the clamp only absorbs rounding (0 of n would otherwise start at ~1e-17).
 *
 * @throws RangeError unless 0 ≤ successes ≤ trials are integers and trials ≥ 1
 */
export function wilsonInterval(successes: number, trials: number): IntervalBounds {
  if (!Number.isSafeInteger(trials) || trials < 1) throw new RangeError(`Wilson interval: trials must be an integer ≥ 1, got ${trials}`);
  if (!Number.isSafeInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`Wilson interval: successes must be an integer in [0, ${trials}], got ${successes}`);
  }
  const z = NORMAL_QUANTILE_95;
  const rate = successes / trials;
  const zSquaredOverTrials = (z * z) / trials;
  const denominator = 1 + zSquaredOverTrials;
  const center = (rate + zSquaredOverTrials / 2) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((rate * (1 - rate)) / trials + zSquaredOverTrials / (4 * trials));
  return {
    low: Math.max(0, Math.min(rate, center - halfWidth)),
    high: Math.min(1, Math.max(rate, center + halfWidth)),
  };
}
