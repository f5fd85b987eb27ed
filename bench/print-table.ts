/**
 * Figures for the bench/ scripts' output: medians, milliseconds and ratios formatted one way,
 * and a plain-text table with aligned columns (the last column, usually a command line, is left
 * unpadded so long lines do not widen the others).
 */
import { availableParallelism, loadavg } from 'node:os';

/** The median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** `1234.5` → `1235 ms`; at 10 s and above, `12.35 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** `12`, `60` → `12-60 ms` (seconds with two decimals when the larger is 10 s or more). */
export function formatRange(low: number, high: number): string {
  return high >= 10_000 ? `${(low / 1000).toFixed(2)}-${(high / 1000).toFixed(2)} s` : `${low.toFixed(0)}-${high.toFixed(0)} ms`;
}

/** A ratio with two decimals and an `x`: `0.48x`. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '-';
}

/** Print `rows` under `header` with every column but the last padded to its widest cell. */
export function printTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((width, column) => '-'.repeat(column === widths.length - 1 ? (header[column] as string).length : width))));
  for (const row of rows) console.log(line(row));
}

/** The machine's size and load, as `uptime` shows it, for the record of a run. */
export function machineLoad(): string {
  const [one, five, fifteen] = loadavg().map((value) => value.toFixed(2));
  return `${availableParallelism()} cpus, load average ${one}, ${five}, ${fifteen} (1, 5, 15 min)`;
}

/**
 * A baseline's ratio cells: sandbench's wall over the baseline's in the same round, the median
 * over rounds with its spread (`0.49x (0.45x-0.55x)`; per-round ratios resist a slow patch of
 * the machine), and the verdict against `target` (`<= 0.50x: met`), or `shown beside` without one.
 */
export function ratioCells(sandbenchWalls: readonly number[], baselineWalls: readonly number[], target: number | undefined): { ratio: string; verdict: string } {
  const perRound = baselineWalls.map((wall, round) => (sandbenchWalls[round] as number) / wall);
  const ratio = median(perRound);
  const spread = perRound.length > 1 ? ` (${formatRatio(Math.min(...perRound))}-${formatRatio(Math.max(...perRound))})` : '';
  const verdict = target === undefined ? 'shown beside' : `<= ${target.toFixed(2)}x: ${ratio <= target ? 'met' : 'not met'}`;
  return { ratio: formatRatio(ratio) + spread, verdict };
}
