import { numbersAgree, regexMatchesWithin } from '../../scoring/compare-output.ts';
import type { ToolCallRecord, ToolCallStatus } from '../episode.ts';
import { isPatternShaped, trajectoryCheckSchema, type ExpectedCall, type TrajectoryCheckInput } from './scorer-schema.ts';

/**
 * The trajectory scorer: compares the tool calls an episode made with the calls a task expects,
 * as function-calling benchmarks do. Pure: it reads the episode's records and runs nothing.
 *
 * - A call counts as made when it was run, whatever its outcome (`ok`, `error`, a limit); calls
 *   that never ran (`invalid-arguments`, `unknown-tool`, `denied`, `skipped`) do not count.
 * - Only calls to the tools the expectations name are counted: an agent that lists files or
 *   submits its answer is not penalised by a trajectory about `convert`. Other calls are
 *   reported as `ignored`.
 * - An expected call matches a made call of the same tool whose arguments match every expected
 *   argument (arguments not named are free): literals deep-equal (numbers within 1e-9, no
 *   type coercion: `"5"` is not `5`), `{ pattern }` found anywhere in a string value.
 * - Each made call matches at most one expected call. Unordered: a maximum bipartite matching.
 *   Ordered: the largest matching whose made calls come in the expected order (other calls may
 *   come between them).
 * - recall = matched / expected, precision = matched / counted calls, score = their F1; it
 *   passes when recall is 1, and also precision when `exact`.
 */

/** Calls with these statuses never ran: the model asked, but nothing was done. */
const NOT_RUN: ReadonlySet<ToolCallStatus> = new Set(['invalid-arguments', 'unknown-tool', 'denied', 'skipped']);

/** Numbers in arguments agree within this (absolute or relative). */
const NUMBER_TOLERANCE = { absTolerance: 1e-9, relTolerance: 1e-9 };

/** Raw arguments quoted in the detail are cut to this many characters. */
const QUOTED_ARGUMENT_CHARS = 200;

/** What the trajectory scorer made of an episode's calls. */
export interface TrajectoryScore {
  scorer: 'trajectory';
  /** Recall 1 (and precision 1 when exact). */
  pass: boolean;
  /** F1 of precision and recall. */
  score: number;
  reason: string;
  detail: TrajectoryDetail;
}

/** The matching, call by call. */
export interface TrajectoryDetail {
  /** Matched calls over counted calls (0 when none was counted). */
  precision: number;
  /** Matched calls over expected calls. */
  recall: number;
  /** Whether the order of the expected calls mattered. */
  ordered: boolean;
  /** Whether extra calls to the named tools failed the trajectory. */
  exact: boolean;
  /** Expected calls (by index in `calls`) and the made call each matched. */
  matched: Array<{ expected: number; callId: string; tool: string; turn: number }>;
  /** Expected calls no made call matched. */
  missing: Array<{ expected: number; tool: string; arguments: Record<string, unknown> }>;
  /** Counted calls that matched no expected call. */
  extra: Array<{ callId: string; tool: string; turn: number; arguments: string }>;
  /** Calls not counted: never run, or to tools the expectations do not name. */
  ignored: number;
  /** Ordered trajectories: how many expected calls an unordered matching finds (more than `matched` means some came out of order). */
  matchedInAnyOrder?: number;
  /** Patterns that took too long on some argument (counted as not matching from then on). */
  patternTimeouts?: string[];
}

/** Score an episode's tool calls against a trajectory check (parsed here; throws RangeError for an invalid one). */
export function scoreTrajectory(input: TrajectoryCheckInput, toolCalls: readonly ToolCallRecord[]): TrajectoryScore {
  const parsed = trajectoryCheckSchema.safeParse(input);
  if (!parsed.success) throw new RangeError(`not a trajectory check: ${parsed.error.issues[0]?.message}`);
  const { calls: expected, ordered, exact } = parsed.data;
  const named = new Set(expected.map((call) => call.tool));
  const counted = toolCalls.filter((call) => !NOT_RUN.has(call.status) && named.has(call.name));
  const matcher = new ArgumentMatcher();
  const compatible = expected.map((want) => counted.map((call) => call.name === want.tool && matcher.callMatches(want, call)));

  const pairs = ordered ? orderedMatching(compatible) : maximumMatching(compatible, counted.length);
  const recall = pairs.length / expected.length;
  const precision = counted.length === 0 ? 0 : pairs.length / counted.length;
  const score = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const pass = recall === 1 && (!exact || precision === 1);

  const usedCalls = new Set(pairs.map(([, call]) => call));
  const matchedExpected = new Set(pairs.map(([want]) => want));
  const detail: TrajectoryDetail = {
    precision,
    recall,
    ordered,
    exact,
    matched: pairs.map(([want, call]) => {
      const record = counted[call]!;
      return { expected: want, callId: record.id, tool: record.name, turn: record.turn };
    }),
    missing: expected.flatMap((want, index) => (matchedExpected.has(index) ? [] : [{ expected: index, tool: want.tool, arguments: want.arguments }])),
    extra: counted.flatMap((record, index) =>
      usedCalls.has(index) ? [] : [{ callId: record.id, tool: record.name, turn: record.turn, arguments: cut(record.arguments) }],
    ),
    ignored: toolCalls.length - counted.length,
  };
  if (ordered) {
    const anyOrder = maximumMatching(compatible, counted.length).length;
    if (anyOrder !== pairs.length) detail.matchedInAnyOrder = anyOrder;
  }
  if (matcher.timedOut.size > 0) detail.patternTimeouts = [...matcher.timedOut];
  return { scorer: 'trajectory', pass, score, reason: reasonFor(detail, expected, counted.length), detail };
}

function reasonFor(detail: TrajectoryDetail, expected: readonly ExpectedCall[], countedCalls: number): string {
  const parts = [`${detail.matched.length} of ${expected.length} expected calls made${detail.ordered ? ' in order' : ''} (precision ${detail.precision.toFixed(2)}, recall ${detail.recall.toFixed(2)})`];
  if (detail.missing.length > 0) parts.push(`missing ${detail.missing.map((call) => describeExpected(expected[call.expected]!)).join(', ')}`);
  if (detail.matchedInAnyOrder !== undefined) parts.push(`${detail.matchedInAnyOrder} would match in another order`);
  if (detail.extra.length > 0) parts.push(`${detail.extra.length} of ${countedCalls} calls to ${[...new Set(expected.map((call) => call.tool))].join('/')} not expected${detail.exact ? ' (exact)' : ''}`);
  if (detail.patternTimeouts) parts.push(`pattern took too long: ${detail.patternTimeouts.map((pattern) => cut(pattern, 40)).join(', ')}`);
  return parts.join('; ');
}

function describeExpected(call: ExpectedCall): string {
  return cut(`${call.tool}(${JSON.stringify(call.arguments)})`, 120);
}

function cut(text: string, length = QUOTED_ARGUMENT_CHARS): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/** Matches arguments; remembers patterns that ran past the regex deadline so they cost it once. */
class ArgumentMatcher {
  readonly timedOut = new Set<string>();
  readonly #compiled = new Map<string, RegExp>();

  callMatches(want: ExpectedCall, call: ToolCallRecord): boolean {
    const actual = argumentsOf(call);
    for (const [name, expected] of Object.entries(want.arguments)) {
      if (!Object.hasOwn(actual, name)) return false;
      if (!this.valueMatches(expected, actual[name])) return false;
    }
    return true;
  }

  valueMatches(expected: unknown, actual: unknown): boolean {
    if (isPatternShaped(expected)) return typeof actual === 'string' && this.#search(expected.pattern, expected.flags ?? '', actual);
    return literalEquals(expected, actual);
  }

  /** Whether `text` contains a match of the pattern, within the regex deadline (the text is the model's). */
  #search(pattern: string, flags: string, text: string): boolean {
    const key = `/${pattern}/${flags}`;
    if (this.timedOut.has(key)) return false;
    let regex = this.#compiled.get(key);
    if (regex === undefined) this.#compiled.set(key, (regex = new RegExp(pattern, flags)));
    try {
      return regexMatchesWithin(regex, text);
    } catch {
      this.timedOut.add(key);
      return false;
    }
  }
}

/** A call's arguments as an object: the parsed ones, else the raw text parsed, else none. */
function argumentsOf(call: ToolCallRecord): Record<string, unknown> {
  let value = call.parsedArguments;
  if (value === undefined) {
    try {
      value = JSON.parse(call.arguments) as unknown;
    } catch {
      value = undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Deep equality of an expected literal and an actual value: numbers within the tolerance,
 * arrays element by element, objects with the same keys. Walks the expected value, which the
 * task wrote, so a deeply nested actual value costs no deeper recursion than the literal.
 */
function literalEquals(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'number') return typeof actual === 'number' && numbersAgree(expected, actual, NUMBER_TOLERANCE);
  if (expected === null || typeof expected !== 'object') return expected === actual;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, index) => literalEquals(item, actual[index]));
  }
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
  const wantKeys = Object.keys(expected);
  const gotKeys = Object.keys(actual);
  if (wantKeys.length !== gotKeys.length) return false;
  return wantKeys.every((key) => Object.hasOwn(actual, key) && literalEquals((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key]));
}

/** A maximum bipartite matching (augmenting paths) of expected calls to made calls, as [expected, call] pairs sorted by expected. */
function maximumMatching(compatible: readonly boolean[][], calls: number): Array<[number, number]> {
  const owner = new Array<number>(calls).fill(-1);
  const augment = (want: number, seen: boolean[]): boolean => {
    const row = compatible[want]!;
    for (let call = 0; call < calls; call++) {
      if (!row[call] || seen[call]) continue;
      seen[call] = true;
      if (owner[call] === -1 || augment(owner[call]!, seen)) {
        owner[call] = want;
        return true;
      }
    }
    return false;
  };
  for (let want = 0; want < compatible.length; want++) augment(want, new Array<boolean>(calls).fill(false));
  const pairs: Array<[number, number]> = [];
  owner.forEach((want, call) => {
    if (want !== -1) pairs.push([want, call]);
  });
  return pairs.sort((left, right) => left[0] - right[0]);
}

/** The largest order-keeping matching (a longest common subsequence over the compatibility matrix), earliest calls first. */
function orderedMatching(compatible: readonly boolean[][]): Array<[number, number]> {
  const wants = compatible.length;
  const calls = compatible[0]?.length ?? 0;
  // best[i][j]: most matches among expected calls from i and made calls from j.
  const best = Array.from({ length: wants + 1 }, () => new Array<number>(calls + 1).fill(0));
  for (let want = wants - 1; want >= 0; want--) {
    for (let call = calls - 1; call >= 0; call--) {
      const take = compatible[want]![call] ? 1 + best[want + 1]![call + 1]! : 0;
      best[want]![call] = Math.max(take, best[want + 1]![call]!, best[want]![call + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let want = 0;
  let call = 0;
  while (want < wants && call < calls) {
    const here = best[want]![call]!;
    if (compatible[want]![call] && here === 1 + best[want + 1]![call + 1]!) {
      pairs.push([want, call]);
      want++;
      call++;
    } else if (best[want]![call + 1] === here) call++;
    else want++;
  }
  return pairs;
}
