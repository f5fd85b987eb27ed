import type { Primordials } from './capture-primordials.ts';
import type { GuestInspect } from './guest-inspect.ts';

/** What an assertion failure is made from (Node's `AssertionError` options). */
export interface AssertionErrorOptions {
  message?: unknown;
  actual?: unknown;
  expected?: unknown;
  operator?: string;
  /** Frames above this function are left out of the stack. */
  stackStartFn?: Function;
}

/**
 * Guest prelude module (see `guest-prelude.ts`): `assert.AssertionError` with Node 24's
 * generated messages — `1 !== 2` for short values, `+ actual - expected` stacked lines, a line
 * diff (Myers, five unchanged lines of context, `...` for skipped ones) of the two values
 * inspected with sorted keys and one entry per line, and the wording of each operator.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestAssertionError(p: Primordials, inspector: GuestInspect) {
  const { ObjectDefineProperty, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypeJoin = uncurry(p.ArrayPrototypeJoin);
  const ArrayPrototypePop = uncurry(p.ArrayPrototypePop);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const FunctionPrototypeSymbolHasInstance = uncurry(p.FunctionPrototypeSymbolHasInstance);
  const RegExpPrototypeExec = uncurry(p.RegExpPrototypeExec);
  const StringPrototypeEndsWith = uncurry(p.StringPrototypeEndsWith);
  const StringPrototypeRepeat = uncurry(p.StringPrototypeRepeat);
  const StringPrototypeSlice = uncurry(p.StringPrototypeSlice);
  const StringPrototypeTrimEnd = uncurry(p.StringPrototypeTrimEnd);
  const { inspect, splitText, sliceList } = inspector;

  const READABLE: Record<string, string> = {
    deepStrictEqual: 'Expected values to be strictly deep-equal:',
    partialDeepStrictEqual: 'Expected values to be partially and strictly deep-equal:',
    strictEqual: 'Expected values to be strictly equal:',
    strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
    deepEqual: 'Expected values to be loosely deep-equal:',
    notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
    notStrictEqual: 'Expected "actual" to be strictly unequal to:',
    notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
    notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
    notIdentical: 'Values have same structure but are not reference-equal:',
    notDeepEqualUnequal: 'Expected values not to be loosely deep-equal:',
  };
  p.ObjectSetPrototypeOf(READABLE, null);
  const MAX_SHORT_LENGTH = 12;
  const MAX_LONG_LENGTH = 512;
  const CONTEXT_LINES = 5;

  /** How assert shows a value in a message: every entry on its own line, keys sorted. */
  function inspectValue(value: unknown): string {
    return inspect(value, {
      compact: false,
      customInspect: false,
      depth: 1000,
      maxArrayLength: Infinity,
      showHidden: false,
      sorted: true,
      getters: true,
    });
  }

  const INSERT = 1;
  const DELETE = -1;
  const KEEP = 0;

  /** Myers' shortest edit script from `expected` lines to `actual` lines, first line first. */
  function lineDiff(actual: string[], expected: string[], commaBlind: boolean): Array<[number, string]> {
    const same = (x: string, y: string) => x === y || (commaBlind && (x + ',' === y || x === y + ','));
    const max = actual.length + expected.length;
    const frontier = new p.Int32Array(2 * max + 1);
    const trace: Int32Array[] = [];
    let found = false;
    for (let depth = 0; depth <= max && !found; depth++) {
      ArrayPrototypePush(trace, new p.Int32Array(frontier));
      for (let diagonal = -depth; diagonal <= depth; diagonal += 2) {
        const offset = diagonal + max;
        const down = diagonal === -depth || (diagonal !== depth && (frontier[offset - 1] as number) < (frontier[offset + 1] as number));
        let x = down ? (frontier[offset + 1] as number) : (frontier[offset - 1] as number) + 1;
        let y = x - diagonal;
        while (x < actual.length && y < expected.length && same(actual[x] as string, expected[y] as string)) {
          x++;
          y++;
        }
        frontier[offset] = x;
        if (x >= actual.length && y >= expected.length) {
          found = true;
          break;
        }
      }
    }
    // Walk back from the end; the script comes out last line first.
    const reversed: Array<[number, string]> = [];
    let x = actual.length;
    let y = expected.length;
    for (let depth = trace.length - 1; depth >= 0; depth--) {
      const row = trace[depth] as Int32Array;
      const diagonal = x - y;
      const offset = diagonal + max;
      const previous =
        diagonal === -depth || (diagonal !== depth && (row[offset - 1] as number) < (row[offset + 1] as number)) ? diagonal + 1 : diagonal - 1;
      const previousX = row[previous + max] as number;
      const previousY = previousX - previous;
      while (x > previousX && y > previousY) {
        const line = actual[x - 1] as string;
        ArrayPrototypePush(reversed, [KEEP, commaBlind && !StringPrototypeEndsWith(line, ',') ? (expected[y - 1] as string) : line]);
        x--;
        y--;
      }
      if (depth > 0) {
        if (x > previousX) ArrayPrototypePush(reversed, [INSERT, actual[--x] as string]);
        else ArrayPrototypePush(reversed, [DELETE, expected[--y] as string]);
      }
    }
    const script: Array<[number, string]> = [];
    for (let index = reversed.length - 1; index >= 0; index--) ArrayPrototypePush(script, reversed[index] as [number, string]);
    return script;
  }

  /** `+`/`-` lines with up to five unchanged lines of context; longer runs shortened with `...`. */
  function printDiff(script: Array<[number, string]>): { text: string; skipped: boolean } {
    let text = '';
    let skipped = false;
    let kept = 0;
    for (let index = 0; index < script.length; index++) {
      const step = script[index] as [number, string];
      const operation = step[0];
      const line = step[1];
      const previous = index > 0 ? (script[index - 1] as [number, string])[0] : undefined;
      if (previous === KEEP && operation !== KEEP) {
        // The end of a run of unchanged lines: its last line(s) lead into the change.
        if (kept === CONTEXT_LINES + 1) {
          text += `  ${(script[index - 1] as [number, string])[1]}\n`;
        } else if (kept === CONTEXT_LINES + 2) {
          text += `  ${(script[index - 2] as [number, string])[1]}\n  ${(script[index - 1] as [number, string])[1]}\n`;
        } else if (kept >= CONTEXT_LINES + 3) {
          text += `...\n  ${(script[index - 1] as [number, string])[1]}\n`;
          skipped = true;
        }
        kept = 0;
      }
      if (operation === INSERT) text += `+ ${line}\n`;
      else if (operation === DELETE) text += `- ${line}\n`;
      else {
        if (kept < CONTEXT_LINES) text += `  ${line}\n`;
        kept++;
      }
    }
    return { text: `\n${StringPrototypeTrimEnd(text)}`, skipped };
  }

  function simpleDiff(actual: unknown, shownActual: string, expected: unknown, shownExpected: string): { message: string; header?: string } {
    let length = shownActual.length + shownExpected.length;
    if (typeof actual === 'string') length -= 2;
    if (typeof expected === 'string') length -= 2;
    if (length <= MAX_SHORT_LENGTH && (actual !== 0 || expected !== 0)) return { message: `${shownActual} !== ${shownExpected}`, header: '' };
    let message = `\n+ ${shownActual}\n- ${shownExpected}`;
    if (typeof actual === 'string' && typeof expected === 'string' && shownActual.length + shownExpected.length <= 80) {
      // A caret under the first differing character, unless the difference is right at the start.
      for (let index = 0; index < shownActual.length; index++) {
        if (shownActual[index] !== shownExpected[index]) {
          if (index >= 3) message += `\n${StringPrototypeRepeat(' ', index + 2)}^`;
          break;
        }
      }
    }
    return { message };
  }

  function diffMessage(actual: unknown, expected: unknown, operator: string, custom: unknown): string {
    if (
      operator === 'strictEqual' &&
      ((typeof actual === 'object' && actual !== null && typeof expected === 'object' && expected !== null) ||
        (typeof actual === 'function' && typeof expected === 'function'))
    ) {
      operator = 'strictEqualObject';
    }
    let skipped = false;
    let message: string;
    let header = '+ actual - expected';
    const shownActual = inspectValue(actual);
    const shownExpected = inspectValue(expected);
    const linesActual = splitText(shownActual, '\n');
    const linesExpected = splitText(shownExpected, '\n');
    const simple =
      linesActual.length <= 1 &&
      linesExpected.length <= 1 &&
      (typeof actual !== 'object' || actual === null || typeof expected !== 'object' || expected === null);
    if (simple) {
      const result = simpleDiff(actual, linesActual[0] as string, expected, linesExpected[0] as string);
      message = result.message;
      if (result.header !== undefined) header = result.header;
    } else if (shownActual === shownExpected) {
      operator = 'notIdentical';
      if (linesActual.length > 50) {
        message = `${ArrayPrototypeJoin(sliceList(linesActual, 0, 50), '\n')}\n...}`;
        skipped = true;
      } else {
        message = ArrayPrototypeJoin(linesActual, '\n');
      }
      header = '';
    } else {
      const printed = printDiff(lineDiff(linesActual, linesExpected, actual !== null && actual !== undefined && typeof actual === 'object'));
      message = printed.text;
      skipped = printed.skipped;
    }
    const heading = custom ? `${custom as string}` : (READABLE[operator] as string);
    return `${heading}\n${header}${skipped ? '\n... Skipped lines' : ''}\n${message}\n`;
  }

  function generatedMessage(actual: unknown, expected: unknown, operator: string): string {
    if (operator === 'deepStrictEqual' || operator === 'strictEqual' || operator === 'partialDeepStrictEqual') {
      return diffMessage(actual, expected, operator, undefined);
    }
    if (operator === 'notDeepStrictEqual' || operator === 'notStrictEqual') {
      let base = READABLE[operator] as string;
      const lines = splitText(inspectValue(actual), '\n');
      if (operator === 'notStrictEqual' && ((typeof actual === 'object' && actual !== null) || typeof actual === 'function')) {
        base = READABLE.notStrictEqualObject as string;
      }
      if (lines.length > 50) {
        lines[46] = '...';
        while (lines.length > 47) ArrayPrototypePop(lines);
      }
      if (lines.length === 1) return `${base}${(lines[0] as string).length > 5 ? '\n\n' : ' '}${lines[0] as string}`;
      return `${base}\n\n${ArrayPrototypeJoin(lines, '\n')}\n`;
    }
    let shown = inspectValue(actual);
    let other = inspectValue(expected);
    const readable = READABLE[operator];
    if (operator === 'notDeepEqual' && shown === other) {
      shown = `${readable as string}\n\n${shown}`;
      return shown.length > 1024 ? `${StringPrototypeSlice(shown, 0, 1021)}...` : shown;
    }
    if (shown.length > MAX_LONG_LENGTH) shown = `${StringPrototypeSlice(shown, 0, 509)}...`;
    if (other.length > MAX_LONG_LENGTH) other = `${StringPrototypeSlice(other, 0, 509)}...`;
    if (operator === 'deepEqual') shown = `${readable as string}\n\n${shown}\n\nshould loosely deep-equal\n\n`;
    else if (operator === 'notDeepEqual') shown = `${READABLE.notDeepEqualUnequal as string}\n\n${shown}\n\nshould not loosely deep-equal\n\n`;
    else other = ` ${operator} ${other}`;
    return `${shown}${other}`;
  }

  class AssertionError extends p.Error {
    declare generatedMessage: boolean;
    declare code: string;
    declare actual: unknown;
    declare expected: unknown;
    declare operator: string | undefined;
    declare diff: string;

    constructor(options: AssertionErrorOptions) {
      if (options === null || typeof options !== 'object') {
        throw new p.TypeError('The "options" argument must be of type object.');
      }
      const { message, operator, stackStartFn } = options;
      let text: string;
      if (message !== undefined && message !== null) {
        text =
          operator === 'deepStrictEqual' || operator === 'strictEqual' || operator === 'partialDeepStrictEqual'
            ? diffMessage(options.actual, options.expected, operator, message)
            : `${message as string}`;
      } else {
        text = generatedMessage(options.actual, options.expected, operator as string);
      }
      super(text);
      own(this, 'generatedMessage', !message);
      own(this, 'code', 'ERR_ASSERTION');
      own(this, 'actual', options.actual);
      own(this, 'expected', options.expected);
      own(this, 'operator', operator);
      p.ErrorCaptureStackTrace(this, stackStartFn ?? AssertionError);
      // An own, non-enumerable name as in Node. Node's stack starts `AssertionError [ERR_ASSERTION]:`;
      // this one keeps `AssertionError:`, the uncaught-error text sandbench reports (and tests pin).
      ObjectDefineProperty(this, 'name', { value: 'AssertionError', writable: true, enumerable: false, configurable: true });
      own(this, 'diff', 'simple');
    }

    override toString(): string {
      return `${this.name} [${this.code}]: ${this.message}`;
    }
  }
  ObjectDefineProperty(AssertionError.prototype, 'name', { value: 'AssertionError', writable: true, enumerable: false, configurable: true });

  /** An enumerable own property, defined (never assigned) so no inherited setter runs. */
  function own(target: object, key: string, value: unknown): void {
    ObjectDefineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  }

  /** Node's placeholder for a thrown error's compared fields in `assert.throws` messages. */
  class Comparison {
    constructor(source: object, keys: string[], actual?: object) {
      for (let index = 0; index < keys.length; index++) {
        const key = keys[index] as string;
        if (!(key in source)) continue;
        const wanted = (source as Record<string, unknown>)[key];
        const got = actual === undefined ? undefined : (actual as Record<string, unknown>)[key];
        const matched =
          actual !== undefined && typeof got === 'string' && FunctionPrototypeSymbolHasInstance(p.RegExp, wanted) && RegExpPrototypeExec(wanted, got) !== null;
        own(this, key, matched ? got : wanted);
      }
    }
  }

  return { AssertionError, Comparison, inspectValue };
}

/** What `guestAssertionError` gives the assert module. */
export type GuestAssertionError = ReturnType<typeof guestAssertionError>;
