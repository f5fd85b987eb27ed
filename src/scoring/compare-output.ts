import vm from 'node:vm';
import type { Comparator } from '../schemas/task.ts';
import { describeLineDifference, quoteExcerpt } from './line-diff.ts';
import { anchoredRegex } from './regex-pattern.ts';

/** The result of comparing a program's output with what a test expects. */
export interface ComparisonResult {
  /** Whether the output is accepted. */
  passed: boolean;
  /** Why not (a compact diff, the regex that did not match…); absent when `passed`. */
  reason?: string;
}

/** Tolerances of the `float` comparator when the task does not set them. */
export const DEFAULT_FLOAT_TOLERANCE = { absTolerance: 1e-6, relTolerance: 1e-6 } as const;

const PASSED: ComparisonResult = { passed: true };

function failed(reason: string): ComparisonResult {
  return { passed: false, reason };
}

/** The comparator's name (`float` for both the string and the object form). */
export function comparatorKind(comparator: Comparator): 'exact' | 'trim' | 'whitespace' | 'float' | 'regex' | 'contains' | 'sandboxfusion' {
  return typeof comparator === 'string' ? comparator : comparator.type;
}

/**
 * Compare a program's stdout (`actual`) with a test's expected text under one of the
 * comparators documented on `comparatorSchema`. Never throws: a bad regex is a failed
 * comparison whose reason names it (the task is at fault, and the verdict says so).
 */
export function compareOutput(actual: string, expected: string, comparator: Comparator): ComparisonResult {
  switch (comparatorKind(comparator)) {
    case 'exact':
      return compareExact(actual, expected);
    case 'trim':
      return compareTrimmed(actual, expected);
    case 'whitespace':
      return compareTokens(actual, expected, undefined);
    case 'float': {
      const options = typeof comparator === 'object' && comparator.type === 'float' ? comparator : undefined;
      return compareTokens(actual, expected, {
        absTolerance: options?.absTolerance ?? DEFAULT_FLOAT_TOLERANCE.absTolerance,
        relTolerance: options?.relTolerance ?? DEFAULT_FLOAT_TOLERANCE.relTolerance,
      });
    }
    case 'regex': {
      const flags = typeof comparator === 'object' && comparator.type === 'regex' ? comparator.flags ?? '' : '';
      return compareRegex(actual, expected, flags);
    }
    case 'contains':
      return actual.includes(expected)
        ? PASSED
        : failed(`output does not contain ${quoteExcerpt(expected)}${actual === '' ? ' (no output)' : ''}`);
    case 'sandboxfusion':
      return compareSandboxFusion(actual, expected);
  }
}

/** Reason for a program that printed nothing when something was expected. */
function noOutputReason(expectedLines: readonly string[]): string {
  const first = expectedLines.find((line) => line !== '') ?? '';
  return `no output; expected ${quoteExcerpt(first)}${expectedLines.length > 1 ? ` (${expectedLines.length} lines)` : ''}`;
}

function compareExact(actual: string, expected: string): ComparisonResult {
  if (actual === expected) return PASSED;
  if (actual === '') return failed(noOutputReason(expected.split('\n')));
  // The most common exact-mode surprise deserves a plain sentence rather than an empty-line diff.
  if (actual + '\n' === expected) return failed('output lacks the final newline');
  if (actual === expected + '\n') return failed('output has an extra final newline');
  return failed(describeLineDifference(expected.split('\n'), actual.split('\n')) ?? 'outputs differ');
}

/** Lines without trailing whitespace (this also drops `\r`), without trailing blank lines. */
function trimmedLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function compareTrimmed(actual: string, expected: string): ComparisonResult {
  const want = trimmedLines(expected);
  const got = trimmedLines(actual);
  if (got.length === 0 && want.length > 0) return failed(noOutputReason(want));
  const difference = describeLineDifference(want, got);
  return difference === undefined ? PASSED : failed(difference);
}

/** A whitespace-separated token and the 1-based line it sits on. */
interface Token {
  text: string;
  line: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    for (const piece of (lines[index] as string).split(/\s+/)) {
      if (piece !== '') tokens.push({ text: piece, line: index + 1 });
    }
  }
  return tokens;
}

interface Tolerance {
  absTolerance: number;
  relTolerance: number;
}

const DECIMAL_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
// Python prints `nan`, `inf`, `-inf`; JavaScript prints `NaN`, `Infinity`.
const SPECIAL_NUMBER = /^([+-]?)(inf|infinity|nan)$/i;

/** The token's value when it is a number (decimal, exponent, inf, nan), else undefined. */
export function parseNumericToken(token: string): number | undefined {
  if (DECIMAL_NUMBER.test(token)) return Number(token);
  const special = SPECIAL_NUMBER.exec(token);
  if (!special) return undefined;
  if ((special[2] as string).toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/**
 * Whether two numbers agree: NaN only equals NaN, infinities only equal the same infinity,
 * finite numbers within the absolute or the relative tolerance (relative to the larger
 * magnitude, like Python's `math.isclose`). A few ulps of slack keep a difference that is
 * exactly the tolerance (0.1 vs 0.2 at 0.1) from failing on binary rounding.
 */
export function numbersAgree(expected: number, actual: number, tolerance: Tolerance): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return expected === actual;
  const difference = Math.abs(expected - actual);
  const magnitude = Math.max(Math.abs(expected), Math.abs(actual));
  const slack = 4 * Number.EPSILON * magnitude;
  return difference <= tolerance.absTolerance + slack || difference <= tolerance.relTolerance * magnitude + slack;
}

function tokenLabel(index: number, token: Token): string {
  return `token ${index + 1} (line ${token.line})`;
}

/** `whitespace` (no tolerance) and `float` (numeric tokens within tolerance) comparators. */
function compareTokens(actual: string, expected: string, tolerance: Tolerance | undefined): ComparisonResult {
  const want = tokenize(expected);
  const got = tokenize(actual);
  if (got.length === 0 && want.length > 0) return failed(`no output; expected ${want.length} tokens starting ${quoteExcerpt(want[0]!.text)}`);
  const common = Math.min(want.length, got.length);
  for (let index = 0; index < common; index++) {
    const wantToken = want[index] as Token;
    const gotToken = got[index] as Token;
    if (wantToken.text === gotToken.text) continue;
    if (tolerance) {
      const wantNumber = parseNumericToken(wantToken.text);
      const gotNumber = parseNumericToken(gotToken.text);
      if (wantNumber !== undefined && gotNumber !== undefined) {
        if (numbersAgree(wantNumber, gotNumber, tolerance)) continue;
        return failed(
          `${tokenLabel(index, gotToken)}: expected ${wantToken.text} got ${gotToken.text}` +
            ` (outside tolerance abs ${tolerance.absTolerance}, rel ${tolerance.relTolerance})`,
        );
      }
    }
    return failed(`${tokenLabel(index, gotToken)}: expected ${quoteExcerpt(wantToken.text)} got ${quoteExcerpt(gotToken.text)}`);
  }
  if (want.length > got.length) {
    const next = want[common] as Token;
    return failed(`expected ${want.length} tokens, got ${got.length}: token ${common + 1} ${quoteExcerpt(next.text)} (expected line ${next.line}) is missing`);
  }
  if (got.length > want.length) {
    const next = got[common] as Token;
    return failed(`expected ${want.length} tokens, got ${got.length}: extra token ${quoteExcerpt(next.text)} on line ${next.line}`);
  }
  return PASSED;
}

/** A pattern as written (not JSON-escaped, so `\d` stays `\d`), on one line, cut to 80 characters. */
function showPattern(pattern: string): string {
  const oneLine = pattern.replaceAll('\r', '\\r').replaceAll('\n', '\\n');
  return oneLine.length > 80 ? `${oneLine.slice(0, 80)}…` : oneLine;
}

/** Longest time one regex comparison may take. */
export const REGEX_TIMEOUT_MS = 1000;

let regexContext: vm.Context | undefined;
const regexScript = new vm.Script('pattern.test(text)');

/**
 * `pattern.test(text)` under a deadline of `REGEX_TIMEOUT_MS` (V8 interrupts a running match);
 * throws past it. For patterns run on untrusted text (guest output, a model's arguments).
 */
export function regexMatchesWithin(pattern: RegExp, text: string): boolean {
  regexContext ??= vm.createContext({});
  regexContext.pattern = pattern;
  regexContext.text = text;
  try {
    return regexScript.runInContext(regexContext, { timeout: REGEX_TIMEOUT_MS }) === true;
  } finally {
    regexContext.pattern = undefined;
    regexContext.text = undefined;
  }
}

/** The whole output (minus one trailing newline, `\n` or `\r\n`) must match `pattern` (see `anchoredRegex`). */
function compareRegex(actual: string, pattern: string, flags: string): ComparisonResult {
  let anchored: RegExp;
  try {
    anchored = anchoredRegex(pattern, flags);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return failed(`invalid regex /${showPattern(pattern)}/${flags}: ${detail}`);
  }
  const text = actual.endsWith('\r\n') ? actual.slice(0, -2) : actual.endsWith('\n') ? actual.slice(0, -1) : actual;
  anchored.lastIndex = 0;
  let matched: boolean;
  try {
    matched = regexMatchesWithin(anchored, text);
  } catch {
    // The output is the guest's: a backtracking pattern must not stall the host on it.
    return failed(`matching /${showPattern(pattern)}/${flags} took longer than ${REGEX_TIMEOUT_MS} ms (catastrophic backtracking?)`);
  }
  if (matched) return PASSED;
  const shown = showPattern(pattern);
  const firstLine = text.split('\n')[0] as string;
  const lines = text === '' ? 0 : text.split('\n').length;
  return failed(
    text === ''
      ? `output does not match /${shown}/${flags} (no output)`
      : `output does not match /${shown}/${flags}; got ${quoteExcerpt(firstLine)}${lines > 1 ? ` (+${lines - 1} more lines)` : ''}`,
  );
}

/** Relative tolerance of SandboxFusion's numeric lines. */
export const SANDBOXFUSION_RELATIVE_TOLERANCE = 1e-5;

// The characters Python's str.strip() and float() take for whitespace (str.isspace).
const PYTHON_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PYTHON_STRIP = new RegExp(`^[${PYTHON_SPACE}]+|[${PYTHON_SPACE}]+$`, 'g');

/** Python's `text.strip()`. */
function pythonStrip(text: string): string {
  return text.replace(PYTHON_STRIP, '');
}

// Python's float() literal: digits may be grouped by single underscores.
const PYTHON_DIGITS = '\\d(?:_?\\d)*';
const PYTHON_FLOAT = new RegExp(`^[+-]?(?:(?:${PYTHON_DIGITS}(?:\\.(?:${PYTHON_DIGITS})?)?|\\.${PYTHON_DIGITS})(?:[eE][+-]?${PYTHON_DIGITS})?|inf|infinity|nan)$`, 'i');

/** The value Python's `float(text)` gives (ASCII digits), or undefined where it raises. */
export function parsePythonFloat(text: string): number | undefined {
  const stripped = pythonStrip(text);
  if (!PYTHON_FLOAT.test(stripped)) return undefined;
  const plain = stripped.replaceAll('_', '').toLowerCase();
  const unsigned = plain.replace(/^[+-]/, '');
  const negative = plain.startsWith('-');
  if (unsigned === 'nan') return Number.NaN;
  if (unsigned === 'inf' || unsigned === 'infinity') return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number(plain);
}

/** `n line(s)`. */
function lineCount(count: number): string {
  return `${count} line${count === 1 ? '' : 's'}`;
}

/**
 * SandboxFusion's stdio comparison (`check_stdio_test_case` with `lower_cmp`), rule for rule:
 * both texts stripped and split on `\n`; one trailing empty line dropped from the longer side
 * (after the strip only an all-blank text has one); equal line counts; lines compared lower-cased
 * and stripped; two differing lines that both read as floats agree when
 * `|got - expected| / max(|expected|, 1e-10) < 1e-5` (NaN and infinities never do).
 */
function compareSandboxFusion(actual: string, expected: string): ComparisonResult {
  let got = pythonStrip(actual).split('\n');
  let want = pythonStrip(expected).split('\n');
  if (got.length - want.length === 1 && got.at(-1) === '') got = got.slice(0, -1);
  if (want.length - got.length === 1 && want.at(-1) === '') want = want.slice(0, -1);
  if (got.length !== want.length) return failed(`expected ${lineCount(want.length)}, got ${got.length}`);
  for (let index = 0; index < want.length; index++) {
    const gotLine = got[index]!.toLowerCase();
    const wantLine = want[index]!.toLowerCase();
    if (pythonStrip(gotLine) === pythonStrip(wantLine)) continue;
    const gotNumber = parsePythonFloat(gotLine);
    const wantNumber = parsePythonFloat(wantLine);
    if (gotNumber !== undefined && wantNumber !== undefined) {
      const relative = Math.abs(gotNumber - wantNumber) / Math.max(Math.abs(wantNumber), 1e-10);
      if (relative < SANDBOXFUSION_RELATIVE_TOLERANCE) continue;
      const shown = Number.isNaN(relative) ? 'undefined' : Number(relative.toPrecision(2)).toExponential();
      return failed(
        `line ${index + 1}: expected ${pythonStrip(want[index]!)} got ${pythonStrip(got[index]!)} (relative difference ${shown}, not below ${SANDBOXFUSION_RELATIVE_TOLERANCE.toExponential()})`,
      );
    }
    return failed(`line ${index + 1}: expected ${quoteExcerpt(pythonStrip(want[index]!))} got ${quoteExcerpt(pythonStrip(got[index]!))}`);
  }
  return PASSED;
}
