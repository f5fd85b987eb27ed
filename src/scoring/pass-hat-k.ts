import { DEFAULT_PASS_AT_KS, type TaskPassCount } from './pass-at-k.ts';

function requireInteger(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`pass^k: ${name} must be an integer ≥ ${minimum}, got ${value}`);
  }
}

/**
 * pass^k for one task: `C(c, k) / C(n, k)`, the probability that k samples drawn without
 * replacement from n (of which c pass) ALL pass — how reliably the model solves the task, where
 * pass@k says whether it can at all. Computed as the product `∏_{i=0}^{k−1} (c−i) / (n−i)`, which
 * never forms the huge binomials (n in the thousands is fine).
 *
 * @param n samples generated for the task (≥ 1)
 * @param c samples that passed (0 ≤ c ≤ n)
 * @param k samples drawn (1 ≤ k ≤ n)
 * @throws RangeError for non-integers, c outside [0, n], or k outside [1, n]
 */
export function passHatK(n: number, c: number, k: number): number {
  requireInteger('n', n, 1);
  requireInteger('c', c, 0);
  requireInteger('k', k, 1);
  if (c > n) throw new RangeError(`pass^k: c (${c}) exceeds n (${n})`);
  if (k > n) throw new RangeError(`pass^k: k (${k}) exceeds n (${n}): pass^${k} needs at least ${k} samples per task`);
  // Fewer than k passing samples: no draw of k is all passing.
  if (c < k) return 0;
  let allPass = 1;
  for (let i = 0; i < k; i++) allPass *= (c - i) / (n - i);
  return allPass;
}

/**
 * Mean pass^k over tasks, keyed `pass^1`, `pass^10`, … (the same k values as pass@k by default,
 * so the two read side by side). As for pass@k, only k values every task can support (k ≤ the
 * smallest scored sample count) are reported, and tasks without a scored sample are left out.
 * No task → `{}`.
 */
export function passHatKSummary(counts: ReadonlyArray<TaskPassCount>, ks: readonly number[] = DEFAULT_PASS_AT_KS): Record<string, number> {
  const scored = counts.filter((count) => count.samples > 0);
  const summary: Record<string, number> = {};
  if (scored.length === 0) return summary;
  const fewest = scored.reduce((least, count) => Math.min(least, count.samples), Number.POSITIVE_INFINITY);
  for (const k of ks) {
    requireInteger('k', k, 1);
    if (k > fewest || `pass^${k}` in summary) continue;
    let total = 0;
    for (const count of scored) total += passHatK(count.samples, count.passed, k);
    summary[`pass^${k}`] = total / scored.length;
  }
  return summary;
}
