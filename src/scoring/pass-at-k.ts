/** The k values reported by default. */
export const DEFAULT_PASS_AT_KS: readonly number[] = [1, 10, 100];

function requireInteger(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`pass@k: ${name} must be an integer ≥ ${minimum}, got ${value}`);
  }
}

/**
 * The unbiased pass@k estimator of the Codex paper (Chen et al., 2021) for one task:
 * `1 − C(n−c, k) / C(n, k)`, the probability that at least one of k samples drawn without
 * replacement from n (of which c pass) passes. Computed as the product
 * `C(n−c, k) / C(n, k) = ∏_{i=n−c+1}^{n} (1 − k/i)`, which never forms the huge binomials.
 *
 * @param n samples generated for the task (≥ 1)
 * @param c samples that passed (0 ≤ c ≤ n)
 * @param k samples drawn (1 ≤ k ≤ n)
 * @throws RangeError for non-integers, c outside [0, n], or k outside [1, n]
 */
export function passAtK(n: number, c: number, k: number): number {
  requireInteger('n', n, 1);
  requireInteger('c', c, 0);
  requireInteger('k', k, 1);
  if (c > n) throw new RangeError(`pass@k: c (${c}) exceeds n (${n})`);
  if (k > n) throw new RangeError(`pass@k: k (${k}) exceeds n (${n}): pass@${k} needs at least ${k} samples per task`);
  // Fewer than k failures: every draw of k samples contains a passing one.
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/** Samples and passes of one task. */
export interface TaskPassCount {
  /** Samples scored for the task (engine faults excluded). */
  samples: number;
  /** Samples that passed every test. */
  passed: number;
}

/**
 * Mean pass@k over tasks, keyed `pass@1`, `pass@10`, … Only k values that every task can
 * support (k ≤ the smallest sample count) are reported, so with one sample per task only
 * `pass@1`. Tasks with no scored sample (all lost to engine faults) carry no evidence and are
 * left out of the mean rather than counted as failures. No task → `{}`.
 */
export function passAtKSummary(counts: ReadonlyArray<TaskPassCount>, ks: readonly number[] = DEFAULT_PASS_AT_KS): Record<string, number> {
  const scored = counts.filter((count) => count.samples > 0);
  const summary: Record<string, number> = {};
  if (scored.length === 0) return summary;
  const fewest = scored.reduce((least, count) => Math.min(least, count.samples), Number.POSITIVE_INFINITY);
  for (const k of ks) {
    requireInteger('k', k, 1);
    if (k > fewest || `pass@${k}` in summary) continue;
    let total = 0;
    for (const count of scored) total += passAtK(count.samples, count.passed, k);
    summary[`pass@${k}`] = total / scored.length;
  }
  return summary;
}
