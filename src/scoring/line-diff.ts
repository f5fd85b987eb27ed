/** Longest excerpt of one line (or token) quoted in a diff, in characters. */
export const DIFF_EXCERPT_CHARS = 200;

/**
 * Quote a piece of output for a diff: JSON-style (so `\r`, `\t` and trailing spaces are visible),
 * cut to about `DIFF_EXCERPT_CHARS`. When `focus` (a character index) lies beyond the cut, the
 * excerpt is a window around it, because the start of two long lines that differ late is identical
 * and would explain nothing.
 */
export function quoteExcerpt(text: string, focus = 0, maxChars = DIFF_EXCERPT_CHARS): string {
  if (text.length <= maxChars) return JSON.stringify(text);
  let start = 0;
  if (focus > maxChars - 20) start = Math.max(0, Math.min(focus - 40, text.length - maxChars));
  const end = Math.min(text.length, start + maxChars);
  const excerpt = text.slice(start, end);
  return `${start > 0 ? '…' : ''}${JSON.stringify(excerpt)}${end < text.length ? '…' : ''}`;
}

/** Index of the first character where `a` and `b` differ (their common length when one is a prefix). */
export function firstDifferentChar(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    if (a[index] !== b[index]) return index;
  }
  return length;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Describe the first difference between two lists of lines, e.g. `line 3: expected "42" got "41"`,
 * or `line 4: expected "x", got end of output (2 lines missing)`. Line numbers are 1-based.
 * Returns undefined when the lists are equal.
 */
export function describeLineDifference(expected: readonly string[], actual: readonly string[]): string | undefined {
  const common = Math.min(expected.length, actual.length);
  for (let index = 0; index < common; index++) {
    const want = expected[index] as string;
    const got = actual[index] as string;
    if (want === got) continue;
    const focus = firstDifferentChar(want, got);
    return `line ${index + 1}: expected ${quoteExcerpt(want, focus)} got ${quoteExcerpt(got, focus)}`;
  }
  if (expected.length > actual.length) {
    const missing = expected.length - actual.length;
    return `line ${common + 1}: expected ${quoteExcerpt(expected[common] as string)}, got end of output (${plural(missing, 'line')} missing)`;
  }
  if (actual.length > expected.length) {
    const extra = actual.length - expected.length;
    return `line ${common + 1}: expected end of output, got ${quoteExcerpt(actual[common] as string)} (${plural(extra, 'extra line')})`;
  }
  return undefined;
}
