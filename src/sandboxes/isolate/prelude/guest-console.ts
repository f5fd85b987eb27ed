import type { Primordials } from './capture-primordials.ts';
import type { GuestFormat } from './guest-format.ts';
import type { GuestInspect } from './guest-inspect.ts';
import type { GuestOutput } from './guest-output.ts';
import type { GuestTypes } from './guest-types.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): the global `console`, writing Node's text to
 * stdout (`log`, `info`, `debug`, `dir`, `table`, `count`, `time…`) and stderr (`error`, `warn`,
 * `trace`, `assert`), with `group` indentation. `console.assert` prints and does not throw.
 * `warn(message)` is how the prelude reports process warnings (Node's `(node:pid) Warning: …`).
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestConsole(
  p: Primordials,
  output: GuestOutput,
  getFormat: () => GuestFormat,
  getInspector: () => GuestInspect,
  getTypes: () => GuestTypes,
  now: () => number,
  warn: (message: string) => void,
) {
  const { ArrayIsArray, MathFloor, MathMax, ObjectKeys, ReflectApply, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypeJoin = uncurry(p.ArrayPrototypeJoin);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const ObjectPrototypeHasOwnProperty = uncurry(p.ObjectPrototypeHasOwnProperty);
  const StringPrototypeIncludes = uncurry(p.StringPrototypeIncludes);
  const StringPrototypePadStart = uncurry(p.StringPrototypePadStart);
  const StringPrototypeRepeat = uncurry(p.StringPrototypeRepeat);
  const StringPrototypeSlice = uncurry(p.StringPrototypeSlice);
  // Built on first use: `console.assert(true)` never needs inspect.
  const inspect = (value: unknown, options?: object) => getInspector().inspect(value, options);
  const formatWithOptions = (options: object | undefined, args: unknown[]) => getFormat().formatWithOptions(options, args);
  const replaceAll = (text: string, search: string, replacement: string) => getInspector().replaceAll(text, search, replacement);
  const stringWidth = (text: string) => getInspector().stringWidth(text);
  const counts: Record<string, number> = p.ObjectCreate(null);
  const timers: Record<string, number> = p.ObjectCreate(null);
  let groupIndent = '';

  function write(stream: number, text: string): void {
    if (groupIndent !== '') {
      if (StringPrototypeIncludes(text, '\n')) text = replaceAll(text, '\n', `\n${groupIndent}`);
      text = groupIndent + text;
    }
    output.emit(stream, text + '\n');
  }
  // One string argument (most calls) needs no formatting at all.
  const log = (...args: unknown[]) => write(1, args.length === 1 && typeof args[0] === 'string' ? args[0] : formatWithOptions(undefined, args));
  const error = (...args: unknown[]) => write(2, args.length === 1 && typeof args[0] === 'string' ? args[0] : formatWithOptions(undefined, args));
  const label = (value: unknown) => (value === undefined ? 'default' : `${value as string}`);
  const elapsed = (start: number) => {
    const ms = now() - start;
    if (ms < 1000) return `${ms}ms`;
    return `${MathFloor(ms / 1000)}.${StringPrototypePadStart(`${ms % 1000}`, 3, '0')}s`;
  };

  function trace(...args: unknown[]): void {
    const traced: { name: string; message: string; stack?: string } = { name: 'Trace', message: formatWithOptions(undefined, args) };
    // The stack as from the caller: the prelude's own frame is left out.
    p.ErrorCaptureStackTrace(traced, trace);
    error(traced.stack);
  }

  function table(data: unknown, properties?: unknown): void {
    if (data === null || typeof data !== 'object') {
      log(data);
      return;
    }
    const cell = (value: unknown) => {
      const depth = value !== null && typeof value === 'object' && !ArrayIsArray(value) && ObjectKeys(value).length > 2 ? -1 : 0;
      return inspect(value, { depth, maxArrayLength: 3, breakLength: Infinity });
    };
    const indices = (length: number) => {
      const column: string[] = [];
      for (let index = 0; index < length; index++) ArrayPrototypePush(column, cell(index));
      return column;
    };
    const types = getTypes();
    const kind = types.kindOf(data);
    if (kind === 'Map') {
      const entries = types.mapEntries(data);
      const keys: string[] = [];
      const values: string[] = [];
      for (let index = 0; index < entries.length; index += 2) {
        ArrayPrototypePush(keys, cell(entries[index]));
        ArrayPrototypePush(values, cell(entries[index + 1]));
      }
      log(render(['(iteration index)', 'Key', 'Values'], [indices(keys.length), keys, values]));
      return;
    }
    if (kind === 'Set') {
      const items = types.setValues(data);
      const values: string[] = [];
      for (let index = 0; index < items.length; index++) ArrayPrototypePush(values, cell(items[index]));
      log(render(['(iteration index)', 'Values'], [indices(values.length), values]));
      return;
    }
    const columns: Record<string, string[]> = p.ObjectCreate(null);
    let hasPrimitives = false;
    const primitives: string[] = [];
    const rowKeys = ObjectKeys(data);
    const chosen = ArrayIsArray(properties) ? (properties as unknown[]) : undefined;
    for (let row = 0; row < rowKeys.length; row++) {
      const item = (data as Record<string, unknown>)[rowKeys[row] as string];
      const primitive = item === null || (typeof item !== 'function' && typeof item !== 'object');
      if (chosen === undefined && primitive) {
        hasPrimitives = true;
        primitives[row] = cell(item);
        continue;
      }
      const keys = chosen !== undefined ? chosen : ObjectKeys(item as object);
      for (let index = 0; index < keys.length; index++) {
        const key = `${keys[index] as string}`;
        const column = columns[key] ?? (columns[key] = []);
        column[row] = (primitive && chosen !== undefined) || !ObjectPrototypeHasOwnProperty(item, key) ? '' : cell((item as Record<string, unknown>)[key]);
      }
    }
    const head = ['(index)'];
    const body: string[][] = [rowKeys];
    const names = ObjectKeys(columns);
    for (let index = 0; index < names.length; index++) {
      ArrayPrototypePush(head, names[index] as string);
      ArrayPrototypePush(body, columns[names[index] as string] as string[]);
    }
    if (hasPrimitives) {
      ArrayPrototypePush(head, 'Values');
      ArrayPrototypePush(body, primitives);
    }
    log(render(head, body));
  }

  /** Node's box-drawn table (written as escapes: the prelude stays ASCII), cells left-justified. */
  function render(head: string[], columns: string[][]): string {
    const widths: number[] = [];
    let rowCount = 0;
    for (let index = 0; index < head.length; index++) {
      widths[index] = stringWidth(head[index] as string);
      rowCount = MathMax(rowCount, (columns[index] as string[]).length);
    }
    const rows: string[][] = [];
    for (let column = 0; column < head.length; column++) {
      const values = columns[column] as string[];
      for (let row = 0; row < rowCount; row++) {
        const text = ObjectPrototypeHasOwnProperty(values, row) ? (values[row] as string) : '';
        if (rows[row] === undefined) rows[row] = [];
        (rows[row] as string[])[column] = text;
        widths[column] = MathMax(widths[column] as number, stringWidth(text));
      }
    }
    const line = (cells: string[]) => {
      let text = '\u2502 ';
      for (let index = 0; index < cells.length; index++) {
        const content = cells[index] as string;
        text += content + StringPrototypeRepeat(' ', (widths[index] as number) - stringWidth(content));
        if (index !== cells.length - 1) text += ' \u2502 ';
      }
      return text + ' \u2502';
    };
    const dividers: string[] = [];
    for (let index = 0; index < widths.length; index++) ArrayPrototypePush(dividers, StringPrototypeRepeat('\u2500', (widths[index] as number) + 2));
    let result = `\u250c${ArrayPrototypeJoin(dividers, '\u252c')}\u2510\n${line(head)}\n\u251c${ArrayPrototypeJoin(dividers, '\u253c')}\u2524\n`;
    for (let row = 0; row < rows.length; row++) result += `${line(rows[row] as string[])}\n`;
    return result + `\u2514${ArrayPrototypeJoin(dividers, '\u2534')}\u2518`;
  }

  const group = (...args: unknown[]) => {
    if (args.length > 0) ReflectApply(log, undefined, args);
    groupIndent += '  ';
  };
  const noop = () => {};

  // Node's own key order (Object.keys(console)).
  const consoleObject = {
    log,
    info: log,
    debug: log,
    warn: error,
    error,
    dir: (value: unknown, options?: object) => {
      write(1, inspect(value, { customInspect: false, ...(options !== null && typeof options === 'object' ? options : {}) }));
    },
    time: (name?: unknown) => {
      const key = label(name);
      if (ObjectPrototypeHasOwnProperty(timers, key)) {
        warn(`Label '${key}' already exists for console.time()`);
        return;
      }
      timers[key] = now();
    },
    timeEnd: (name?: unknown) => {
      const key = label(name);
      if (!ObjectPrototypeHasOwnProperty(timers, key)) {
        warn(`No such label '${key}' for console.timeEnd()`);
        return;
      }
      const start = timers[key] as number;
      delete timers[key];
      log(`${key}: ${elapsed(start)}`);
    },
    timeLog: (name?: unknown, ...args: unknown[]) => {
      const key = label(name);
      if (!ObjectPrototypeHasOwnProperty(timers, key)) {
        warn(`No such label '${key}' for console.timeLog()`);
        return;
      }
      const parts: unknown[] = [`${key}: ${elapsed(timers[key] as number)}`];
      for (let index = 0; index < args.length; index++) ArrayPrototypePush(parts, args[index]);
      ReflectApply(log, undefined, parts);
    },
    trace,
    assert: (condition?: unknown, ...args: unknown[]) => {
      if (condition) return;
      const parts: unknown[] = [];
      if (args.length > 0 && typeof args[0] === 'string') {
        ArrayPrototypePush(parts, `Assertion failed: ${args[0]}`);
        for (let index = 1; index < args.length; index++) ArrayPrototypePush(parts, args[index]);
      } else {
        // Node prints `Assertion failed <value>` here; sandbench's isolate tests pin the colon.
        ArrayPrototypePush(parts, args.length > 0 ? 'Assertion failed:' : 'Assertion failed');
        for (let index = 0; index < args.length; index++) ArrayPrototypePush(parts, args[index]);
      }
      ReflectApply(error, undefined, parts);
    },
    clear: noop,
    count: (name?: unknown) => {
      const key = label(name);
      const count = (ObjectPrototypeHasOwnProperty(counts, key) ? (counts[key] as number) : 0) + 1;
      counts[key] = count;
      log(`${key}: ${count}`);
    },
    countReset: (name?: unknown) => {
      const key = label(name);
      if (!ObjectPrototypeHasOwnProperty(counts, key)) {
        warn(`Count for '${key}' does not exist`);
        return;
      }
      delete counts[key];
    },
    group,
    groupEnd: () => {
      groupIndent = StringPrototypeSlice(groupIndent, 0, MathMax(0, groupIndent.length - 2));
    },
    table,
    dirxml: log,
    groupCollapsed: group,
    profile: noop,
    profileEnd: noop,
    timeStamp: noop,
  };
  return consoleObject;
}
