/** How every report format writes its figures, so the table, Markdown and HTML say the same thing. */

/** A rate as a percentage with one decimal: `0.612` → `61.2%`. */
export function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** A rate with its interval when there is one: `61.0% [53.3–68.1]`. */
export function rateWithInterval(value: number, interval: { low: number; high: number } | undefined): string {
  if (!interval) return percent(value);
  return `${percent(value)} [${(interval.low * 100).toFixed(1)}–${(interval.high * 100).toFixed(1)}]`;
}

/** The k of a `pass@k` or `pass^k` key. */
export function kOf(key: string): number {
  return Number(key.slice(5));
}

/** A p-value as written after its test: `p < 0.001` or `p = 0.042`. */
export function formatPValue(value: number): string {
  return value < 0.001 ? 'p < 0.001' : `p = ${value.toFixed(3)}`;
}

/** US dollars: four decimals under a dollar, two above. */
export function dollars(value: number): string {
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}
