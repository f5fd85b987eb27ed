/**
 * Options of the bench/ scripts, read from the environment: numbers with a default, lists, and
 * the quick mode (`BENCH_QUICK=1`: small sizes for a smoke run). A value that does not parse
 * stops the script with the variable's name, rather than timing something else than asked.
 */

/** Whether the quick mode is on (`BENCH_QUICK` set to anything but `''`, `0`, `false`). */
export function quickMode(): boolean {
  const value = process.env.BENCH_QUICK ?? '';
  return value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** A whole number from `name`, at least `minimum`; `fallback` when the variable is unset or empty. */
export function envNumber(name: string, fallback: number, minimum = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < minimum) {
    throw new Error(`${name}=${raw}: expected a number >= ${minimum}`);
  }
  return value;
}

/** A comma-separated list from `name` (blank items dropped); `fallback` when unset or empty. */
export function envList(name: string, fallback: readonly string[]): string[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
