/**
 * The guest prelude: everything a guest program sees beyond bare ECMAScript. It runs INSIDE the
 * isolate, once per execution, before the program. The worker compiles
 * `(${guestPrelude.toString()})` and calls it with `(write, control, readStdin, filename)`, so this
 * function must be self-contained: no imports, no closures over this module, erasable types only.
 *
 * It installs: `console` (Node-like formatting), timers (`setTimeout`, `setInterval`,
 * `setImmediate`, `queueMicrotask`) on a guest-side queue that the worker drains, a small
 * `process` shim (stdout/stderr/stdin/argv/env/exit/nextTick/hrtime), and the guest-side
 * `require` serving only built-in guest modules: `assert` (+ `assert/strict`), a stdin-only
 * `fs`, `readline` over stdin, and `util` (`inspect`, `format`, `isDeepStrictEqual`).
 *
 * Host functions it receives take and return primitives only:
 * - `write(stream, text)`: stream 1 = stdout, 2 = stderr; returns 0 to go on, 1 when the guest
 *   must stop (output cap reached, or exit requested);
 * - `control(kind, value)`: kind 0 = `process.exit(value)`, kind 1 = `process.exitCode = value`;
 * - `readStdin()`: the request's stdin, fetched only when the guest reads it.
 *
 * The worker runs this once, inside a V8 startup snapshot it makes itself (see `SNAPSHOT_SCRIPT`
 * in the worker), with forwarding stubs for the host functions; `hooks.rebase` (set here) restarts
 * the guest clock (`performance`, `process.hrtime`/`uptime`) when a run binds the real ones.
 *
 * It returns the `tick(runDue)` function the worker calls after evaluation. `tick(false)` only
 * looks: milliseconds until the next timer is due (0: one is due now; -1: the queue is empty),
 * running no guest code, so the worker may call it synchronously. `tick(true)` runs the due
 * timer, if any.
 */
/* eslint-disable */
export function guestPrelude(
  write: (stream: number, text: string) => number,
  control: (kind: number, value: number) => void,
  readStdin: () => string,
  filename: string,
  hooks?: { rebase?: () => void },
): (runDue: unknown) => number {
  'use strict';
  const global: any = globalThis;
  const hasOwn = Object.prototype.hasOwnProperty;
  const objectToString = Object.prototype.toString;
  // Captured before the guest can replace them: the timer queue must not call guest code.
  const dateNow = Date.now;
  const ErrorConstructor = Error;
  const THROWN_MARK = 'sandbench:thrown:';
  const define = (target: any, name: string, value: unknown, enumerable = false) =>
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable });

  /**
   * Most globals are built on first use: every function the prelude runs is compiled afresh in
   * each new isolate, so work not done here is time saved for programs that never need it.
   */
  const lazyGlobal = (name: string, create: () => unknown) =>
    Object.defineProperty(global, name, {
      configurable: true,
      enumerable: false,
      get() {
        const value = create();
        define(global, name, value);
        return value;
      },
      set(value: unknown) {
        define(global, name, value);
      },
    });

  // Nothing but ECMAScript, and no WebAssembly: its memories live outside the isolate heap and
  // are not counted by isolated-vm's memoryLimit.
  delete global.WebAssembly;

  let stopped = false;
  class ExitSignal {
    code: number;
    constructor(code: number) {
      this.code = code;
    }
  }

  function emit(stream: number, text: string): void {
    if (stopped) throw new ExitSignal(0);
    if (text.length === 0) return;
    if (write(stream, text) !== 0) {
      stopped = true;
      throw new Error('output limit exceeded');
    }
  }

  // ---------------------------------------------------------------- inspect / format
  const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const BREAK_LENGTH = 80;

  function quote(text: string): string {
    let q = "'";
    if (text.includes("'")) {
      if (!text.includes('"')) q = '"';
      else if (!text.includes('`') && !text.includes('${')) q = '`';
    }
    let out = '';
    for (let index = 0; index < text.length; index++) {
      const ch = text[index] as string;
      const code = ch.charCodeAt(0);
      if (ch === q || ch === '\\') out += '\\' + ch;
      else if (ch === '\n') out += '\\n';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\b') out += '\\b';
      else if (ch === '\f') out += '\\f';
      else if (ch === '\v') out += '\\v';
      else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).toUpperCase().padStart(2, '0');
      else out += ch;
    }
    return q + out + q;
  }

  function formatNumber(value: number): string {
    return Object.is(value, -0) ? '-0' : String(value);
  }

  function functionBase(value: Function): string {
    const source = Function.prototype.toString.call(value);
    const name = typeof value.name === 'string' && value.name !== '' ? value.name : '';
    if (source.startsWith('class') && /^class[\s{]/.test(source)) {
      return name ? `[class ${name}]` : '[class (anonymous)]';
    }
    const tag = objectToString.call(value).slice(8, -1);
    const kind = tag === 'AsyncFunction' || tag === 'GeneratorFunction' || tag === 'AsyncGeneratorFunction' ? tag : 'Function';
    return name ? `[${kind}: ${name}]` : `[${kind} (anonymous)]`;
  }

  function formatKey(key: string | symbol): string {
    if (typeof key === 'symbol') return key.toString();
    return IDENTIFIER.test(key) ? key : quote(key);
  }

  function constructorName(value: object): string | null {
    let proto = Object.getPrototypeOf(value);
    if (proto === null) return null;
    const descriptor = Object.getOwnPropertyDescriptor(proto, 'constructor');
    if (descriptor && typeof descriptor.value === 'function' && descriptor.value.name) return descriptor.value.name;
    return '';
  }

  /** Rows of short entries, as Node lays out long arrays of numbers or short strings. */
  function groupEntries(output: string[], allNumbers: boolean, indentation: number): string[] {
    let total = 0;
    let widest = 0;
    for (const entry of output) {
      total += entry.length + 2;
      if (entry.length > widest) widest = entry.length;
    }
    const cell = widest + 2;
    if (cell * 3 + indentation >= BREAK_LENGTH || (total / cell <= 5 && widest > 6)) return output;
    const bias = Math.sqrt(cell - total / output.length);
    const narrowed = Math.max(cell - 3 - bias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * narrowed * output.length) / narrowed),
      Math.floor((BREAK_LENGTH - indentation) / cell),
      12,
      15,
    );
    if (columns <= 1) return output;
    const widths: number[] = [];
    for (let column = 0; column < columns; column++) {
      let width = 0;
      for (let index = column; index < output.length; index += columns) {
        width = Math.max(width, (output[index] as string).length);
      }
      widths.push(width + 2);
    }
    const rows: string[] = [];
    for (let start = 0; start < output.length; start += columns) {
      const end = Math.min(start + columns, output.length);
      let row = '';
      for (let index = start; index < end; index++) {
        const entry = output[index] as string;
        const width = widths[index - start] as number;
        const last = index === end - 1;
        if (allNumbers) row += last ? entry.padStart(width - 2) : `${entry}, `.padStart(width);
        else row += last ? entry : `${entry}, `.padEnd(width);
      }
      rows.push(row);
    }
    return rows;
  }

  function joinEntries(output: string[], braces: [string, string], indentation: number, prefixLength: number): string {
    if (output.length === 0) return braces[0] + braces[1];
    let length = output.length + indentation + braces[0].length + prefixLength + 10;
    let multiline = false;
    for (const entry of output) {
      length += entry.length;
      if (entry.includes('\n')) multiline = true;
    }
    if (!multiline && length <= BREAK_LENGTH) return `${braces[0]} ${output.join(', ')} ${braces[1]}`;
    const pad = ' '.repeat(indentation);
    return `${braces[0]}\n${pad}  ${output.join(`,\n${pad}  `)}\n${pad}${braces[1]}`;
  }

  interface InspectState {
    seen: object[];
    depth: number;
    indentation: number;
  }

  function inspectValue(value: unknown, state: InspectState, level: number): string {
    switch (typeof value) {
      case 'string':
        return quote(value);
      case 'number':
        return formatNumber(value);
      case 'bigint':
        return `${value}n`;
      case 'boolean':
        return String(value);
      case 'undefined':
        return 'undefined';
      case 'symbol':
        return value.toString();
    }
    if (value === null) return 'null';
    const object = value as object;
    if (state.seen.includes(object)) return '[Circular *1]';
    try {
      state.seen.push(object);
      return inspectObject(object, state, level);
    } finally {
      state.seen.pop();
    }
  }

  function ownEntries(object: object, state: InspectState, level: number, skipIndices: boolean): string[] {
    const output: string[] = [];
    const keys: Array<string | symbol> = Object.keys(object);
    for (const symbol of Object.getOwnPropertySymbols(object)) {
      if (Object.prototype.propertyIsEnumerable.call(object, symbol)) keys.push(symbol);
    }
    for (const key of keys) {
      if (skipIndices && typeof key === 'string' && /^(0|[1-9][0-9]*)$/.test(key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      if (!descriptor) continue;
      let text: string;
      if (descriptor.get || descriptor.set) {
        text = descriptor.get && descriptor.set ? '[Getter/Setter]' : descriptor.get ? '[Getter]' : '[Setter]';
      } else {
        text = inspectNested(descriptor.value, state, level);
      }
      output.push(`${formatKey(key)}: ${text}`);
    }
    return output;
  }

  function inspectNested(value: unknown, state: InspectState, level: number): string {
    state.indentation += 2;
    try {
      return inspectValue(value, state, level + 1);
    } finally {
      state.indentation -= 2;
    }
  }

  function inspectObject(object: object, state: InspectState, level: number): string {
    const tag = objectToString.call(object).slice(8, -1);
    if (typeof object === 'function') {
      const base = functionBase(object as Function);
      const extra = ownEntries(object, state, level, false);
      return extra.length ? joinEntries(extra, ['{', '}'], state.indentation, base.length + 1).replace(/^/, base + ' ') : base;
    }
    if (object instanceof Error || tag === 'Error') {
      const error = object as Error;
      const stack = typeof error.stack === 'string' && error.stack ? error.stack : `${error.name}: ${error.message}`;
      if (state.indentation === 0) return stack;
      return stack.split('\n').join('\n' + ' '.repeat(state.indentation));
    }
    const name = constructorName(object);
    const prefix = name === null ? '[Object: null prototype] ' : '';
    if (Array.isArray(object)) {
      if (level > state.depth) return '[Array]';
      const array = object as unknown[];
      const output: string[] = [];
      const shown = Math.min(array.length, 100);
      let holes = 0;
      for (let index = 0; index < shown; index++) {
        if (!hasOwn.call(array, index)) {
          holes++;
          continue;
        }
        if (holes) {
          output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
          holes = 0;
        }
        output.push(inspectNested(array[index], state, level));
      }
      if (holes) output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
      let grouped = output;
      if (output.length > 6) {
        const allNumbers = array.slice(0, shown).every((item) => typeof item === 'number' || typeof item === 'bigint');
        grouped = groupEntries(output, allNumbers, state.indentation);
      }
      if (array.length > shown) grouped = [...grouped, `... ${array.length - shown} more item${array.length - shown > 1 ? 's' : ''}`];
      grouped.push(...ownEntries(object, state, level, true));
      const head = name && name !== 'Array' ? `${name}(${array.length}) ` : prefix;
      if (grouped !== output && grouped.length > 0) {
        const pad = ' '.repeat(state.indentation);
        if (grouped.length === 1 && !(grouped[0] as string).includes('\n') && output.length <= 6) {
          return `${head}[ ${grouped[0]} ]`;
        }
        return `${head}[\n${pad}  ${grouped.join(`,\n${pad}  `)}\n${pad}]`;
      }
      return head + joinEntries(grouped, ['[', ']'], state.indentation, head.length);
    }
    if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
      const typed = object as unknown as ArrayLike<number | bigint> & { length: number };
      const typeName = tag;
      if (level > state.depth) return `[${typeName}]`;
      const output: string[] = [];
      const shown = Math.min(typed.length, 100);
      for (let index = 0; index < shown; index++) output.push(inspectValue(typed[index], state, level + 1));
      let grouped = output.length > 6 ? groupEntries(output, true, state.indentation) : output;
      if (typed.length > shown) grouped = [...grouped, `... ${typed.length - shown} more items`];
      const head = `${typeName}(${typed.length}) `;
      if (grouped !== output) {
        const pad = ' '.repeat(state.indentation);
        return `${head}[\n${pad}  ${grouped.join(`,\n${pad}  `)}\n${pad}]`;
      }
      return head + joinEntries(grouped, ['[', ']'], state.indentation, head.length);
    }
    if (tag === 'Date') {
      const time = Date.prototype.getTime.call(object);
      return Number.isNaN(time) ? 'Invalid Date' : Date.prototype.toISOString.call(object);
    }
    if (tag === 'RegExp') return RegExp.prototype.toString.call(object);
    if (tag === 'Number' || tag === 'String' || tag === 'Boolean' || tag === 'BigInt' || tag === 'Symbol') {
      const primitive = (object as { valueOf(): unknown }).valueOf();
      return `[${tag}: ${inspectValue(primitive, state, level)}]`;
    }
    if (tag === 'Promise') return 'Promise { <unknown> }';
    if (tag === 'WeakMap' || tag === 'WeakSet') return `${tag} { <items unknown> }`;
    if (object instanceof Map) {
      if (level > state.depth) return '[Map]';
      const output: string[] = [];
      for (const [key, item] of object) {
        output.push(`${inspectNested(key, state, level)} => ${inspectNested(item, state, level)}`);
      }
      output.push(...ownEntries(object, state, level, false));
      const head = `${name || 'Map'}(${object.size}) `;
      return head + joinEntries(output, ['{', '}'], state.indentation, head.length);
    }
    if (object instanceof Set) {
      if (level > state.depth) return '[Set]';
      const output: string[] = [];
      for (const item of object) output.push(inspectNested(item, state, level));
      output.push(...ownEntries(object, state, level, false));
      const head = `${name || 'Set'}(${object.size}) `;
      return head + joinEntries(output, ['{', '}'], state.indentation, head.length);
    }
    if (tag === 'ArrayBuffer' || tag === 'SharedArrayBuffer') {
      return `${tag} { byteLength: ${(object as ArrayBuffer).byteLength} }`;
    }
    const label = name === null ? '[Object: null prototype]' : name === 'Object' || name === '' ? '' : name;
    if (level > state.depth) return `[${label || 'Object'}]`;
    const output = ownEntries(object, state, level, false);
    const head = label ? `${label} ` : '';
    const symbolTag = (object as any)[Symbol.toStringTag];
    const tagged = typeof symbolTag === 'string' && symbolTag !== '' && symbolTag !== label ? `${head || 'Object '}[${symbolTag}] ` : head;
    return tagged + joinEntries(output, ['{', '}'], state.indentation, tagged.length);
  }

  function inspect(value: unknown, options?: { depth?: number }): string {
    const depth = options && typeof options.depth === 'number' ? options.depth : options && options.depth === null ? Infinity : 2;
    return inspectValue(value, { seen: [], depth, indentation: 0 }, 0);
  }

  function format(...args: unknown[]): string {
    const first = args[0];
    let index = 0;
    let out = '';
    if (typeof first === 'string' && args.length > 1 && first.includes('%')) {
      index = 1;
      let last = 0;
      for (let position = 0; position < first.length - 1; position++) {
        if (first[position] !== '%') continue;
        const spec = first[position + 1];
        let replacement: string | undefined;
        if (spec === '%') {
          out += first.slice(last, position) + '%';
          last = position + 2;
          position++;
          continue;
        }
        if (index >= args.length) continue;
        const arg = args[index];
        switch (spec) {
          case 's':
            replacement = typeof arg === 'string' ? arg : typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'object' && arg !== null ? inspect(arg, { depth: 1 }) : String(arg);
            break;
          case 'd':
          case 'i':
            replacement = typeof arg === 'bigint' ? `${arg}n` : typeof arg === 'symbol' ? 'NaN' : formatNumber(spec === 'i' ? Math.trunc(Number(arg)) : Number(arg));
            break;
          case 'f':
            replacement = typeof arg === 'symbol' ? 'NaN' : formatNumber(parseFloat(String(arg)));
            break;
          case 'j':
            try {
              replacement = JSON.stringify(arg);
            } catch {
              replacement = '[Circular]';
            }
            break;
          case 'o':
          case 'O':
            replacement = inspect(arg, { depth: spec === 'o' ? 4 : 2 });
            break;
          case 'c':
            replacement = '';
            break;
        }
        if (replacement === undefined) continue;
        out += first.slice(last, position) + replacement;
        last = position + 2;
        position++;
        index++;
      }
      out += first.slice(last);
    }
    for (; index < args.length; index++) {
      const arg = args[index];
      if (out !== '' || index > 0) out += ' ';
      out += typeof arg === 'string' ? arg : inspect(arg);
    }
    return out;
  }

  /**
   * What leaves the isolate when the guest throws. isolated-vm copies the thrown value out after
   * the guest's entry, outside its timeout, reading `stack`, `name` and `message`; a hostile
   * value (a Proxy, a looping getter, a prepareStackTrace hook) would hang that copy. So the
   * value is described HERE, inside the timed entry, and replaced by a plain Error whose own
   * data properties carry the text (the worker recognises the mark). Primitives copy as they are.
   */
  function portable(thrown: unknown): unknown {
    if (thrown === null || (typeof thrown !== 'object' && typeof thrown !== 'function')) return thrown;
    let text: string;
    try {
      if (thrown instanceof ErrorConstructor) {
        const stack = (thrown as Error).stack;
        text = typeof stack === 'string' && stack !== '' ? stack : `${String((thrown as Error).name)}: ${String((thrown as Error).message)}`;
      } else {
        text = `Uncaught ${inspect(thrown)}`;
      }
    } catch {
      text = 'Uncaught exception (the thrown value could not be described)';
    }
    const plain = new ErrorConstructor();
    const own = (name: string, value: string) =>
      Object.defineProperty(plain, name, { value, writable: true, configurable: true, enumerable: false });
    own('name', 'Error');
    own('message', THROWN_MARK + text);
    own('stack', THROWN_MARK + text);
    return plain;
  }

  // ---------------------------------------------------------------- console
  function createConsole() {
  const counts = new Map<string, number>();
  const timersByLabel = new Map<string, number>();
  let groupIndent = '';
  const line = (stream: number) => (...args: unknown[]) => {
    let text = format(...args);
    if (groupIndent) text = groupIndent + text.split('\n').join('\n' + groupIndent);
    emit(stream, text + '\n');
  };
  const log = line(1);
  const error = line(2);
  const consoleObject: Record<string, unknown> = {
    log,
    info: log,
    debug: log,
    error,
    warn: error,
    trace: (...args: unknown[]) => {
      const stack = (new Error().stack || '').split('\n').slice(2).join('\n');
      error(`Trace${args.length ? ': ' + format(...args) : ''}\n${stack}`);
    },
    dir: (value: unknown, options?: { depth?: number }) => emit(1, groupIndent + inspect(value, options) + '\n'),
    assert: (condition: unknown, ...args: unknown[]) => {
      if (condition) return;
      if (args.length === 0) error('Assertion failed');
      else if (typeof args[0] === 'string') error(`Assertion failed: ${args[0]}`, ...args.slice(1));
      else error('Assertion failed:', ...args);
    },
    count: (label = 'default') => {
      const count = (counts.get(label) || 0) + 1;
      counts.set(label, count);
      log(`${label}: ${count}`);
    },
    countReset: (label = 'default') => void counts.delete(label),
    time: (label = 'default') => void timersByLabel.set(label, dateNow()),
    timeEnd: (label = 'default') => {
      const start = timersByLabel.get(label);
      timersByLabel.delete(label);
      if (start !== undefined) log(`${label}: ${dateNow() - start}ms`);
    },
    timeLog: (label = 'default', ...args: unknown[]) => {
      const start = timersByLabel.get(label);
      if (start !== undefined) log(`${label}: ${dateNow() - start}ms`, ...args);
    },
    group: (...args: unknown[]) => {
      if (args.length) log(...args);
      groupIndent += '  ';
    },
    groupEnd: () => {
      groupIndent = groupIndent.slice(2);
    },
    table: (value: unknown) => log(value),
  };
  consoleObject.groupCollapsed = consoleObject.group;
  return consoleObject;
  }
  lazyGlobal('console', createConsole);

  // ---------------------------------------------------------------- timers (guest-side queue)
  function createTimers() {
  interface Timer {
    id: number;
    callback: Function;
    args: unknown[];
    due: number;
    seq: number;
    delay: number;
    repeat: boolean;
    live: boolean;
    ref: boolean;
  }
  const heap: Timer[] = [];
  const live = new Map<number, Timer>();
  let nextId = 1;
  let nextSeq = 0;
  let refCount = 0;
  const before = (a: Timer, b: Timer) => a.due < b.due || (a.due === b.due && a.seq < b.seq);
  function heapPush(timer: Timer): void {
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index] as Timer, heap[parent] as Timer)) break;
      [heap[index], heap[parent]] = [heap[parent] as Timer, heap[index] as Timer];
      index = parent;
    }
  }
  function heapPop(): Timer | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && before(heap[left] as Timer, heap[smallest] as Timer)) smallest = left;
        if (right < heap.length && before(heap[right] as Timer, heap[smallest] as Timer)) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest] as Timer, heap[index] as Timer];
        index = smallest;
      }
    }
    return top;
  }

  class Timeout {
    constructor(id: number) {
      define(this, '_id', id);
    }
    ref(): this {
      const timer = live.get((this as any)._id);
      if (timer && !timer.ref) {
        timer.ref = true;
        refCount++;
      }
      return this;
    }
    unref(): this {
      const timer = live.get((this as any)._id);
      if (timer && timer.ref) {
        timer.ref = false;
        refCount--;
      }
      return this;
    }
    hasRef(): boolean {
      const timer = live.get((this as any)._id);
      return Boolean(timer && timer.ref);
    }
    refresh(): this {
      const timer = live.get((this as any)._id);
      if (timer) {
        timer.live = false;
        const fresh: Timer = { ...timer, due: dateNow() + timer.delay, seq: nextSeq++, live: true };
        live.set(timer.id, fresh);
        heapPush(fresh);
      }
      return this;
    }
    [Symbol.toPrimitive](): number {
      return (this as any)._id;
    }
  }

  function schedule(callback: unknown, delay: unknown, args: unknown[], repeat: boolean, minimum: number): Timeout {
    if (typeof callback !== 'function') {
      const error = new TypeError(`The "callback" argument must be of type function. Received ${inspect(callback)}`);
      (error as any).code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    let ms = Number(delay);
    if (!(ms >= 1 && ms <= 2147483647)) ms = minimum;
    ms = Math.trunc(ms) || minimum;
    const timer: Timer = {
      id: nextId++,
      callback,
      args,
      due: dateNow() + ms,
      seq: nextSeq++,
      delay: ms,
      repeat,
      live: true,
      ref: true,
    };
    refCount++;
    live.set(timer.id, timer);
    heapPush(timer);
    return new Timeout(timer.id);
  }
  function clear(handle: unknown): void {
    const id = typeof handle === 'object' && handle !== null ? (handle as any)._id : Number(handle);
    const timer = live.get(id);
    if (!timer) return;
    live.delete(id);
    timer.live = false;
    if (timer.ref) refCount--;
  }
  function tick(runDue: unknown): number {
    for (;;) {
      const top = heap[0];
      if (!top) return -1;
      if (!top.live) {
        heapPop();
        continue;
      }
      if (refCount <= 0) return -1;
      const now = dateNow();
      if (top.due > now) return top.due - now;
      if (!runDue) return 0;
      heapPop();
      if (top.repeat) {
        const next: Timer = { ...top, due: now + top.delay, seq: nextSeq++ };
        live.set(top.id, next);
        top.live = false;
        heapPush(next);
      } else {
        top.live = false;
        live.delete(top.id);
        if (top.ref) refCount--;
      }
      try {
        top.callback(...top.args);
      } catch (error) {
        if (error instanceof ExitSignal) return -1;
        throw portable(error);
      }
      return 0;
    }
  }
  return {
    schedule,
    tick,
    setTimeout: (callback: unknown, delay?: unknown, ...args: unknown[]) => schedule(callback, delay, args, false, 1),
    setInterval: (callback: unknown, delay?: unknown, ...args: unknown[]) => schedule(callback, delay, args, true, 1),
    setImmediate: (callback: unknown, ...args: unknown[]) => schedule(callback, 0, args, false, 0),
    clear,
  };
  }
  let timers: ReturnType<typeof createTimers> | undefined;
  const getTimers = () => (timers ??= createTimers());
  const schedule = (callback: unknown, delay: unknown, args: unknown[], repeat: boolean, minimum: number) =>
    getTimers().schedule(callback, delay, args, repeat, minimum);
  lazyGlobal('setTimeout', () => getTimers().setTimeout);
  lazyGlobal('setInterval', () => getTimers().setInterval);
  lazyGlobal('setImmediate', () => getTimers().setImmediate);
  lazyGlobal('clearTimeout', () => getTimers().clear);
  lazyGlobal('clearInterval', () => getTimers().clear);
  lazyGlobal('clearImmediate', () => getTimers().clear);
  const resolved = Promise.resolve();
  const queueMicrotask = (callback: unknown) => {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
    resolved.then(() => callback());
  };
  define(global, 'queueMicrotask', queueMicrotask);
  /** The worker's entry into the timer queue (see the header). */
  function tick(runDue: unknown): number {
    if (stopped || !timers) return -1;
    return timers.tick(runDue);
  }

  // ---------------------------------------------------------------- events, process, stdin
  let stdinConsumed = false;
  function takeStdin(): string {
    stdinConsumed = true;
    return readStdin();
  }

  // Built lazily: most programs never touch stdin, events, assert or readline.
  function createEvents() {
  class EventEmitter {
    on(event: string, listener: Function): this {
      let listeners = (this as any).__listeners as Map<string, Function[]> | undefined;
      if (!listeners) {
        listeners = new Map();
        define(this, '__listeners', listeners);
      }
      const list = listeners.get(event) || [];
      list.push(listener);
      listeners.set(event, list);
      this.listenerAdded(event);
      return this;
    }
    addListener(event: string, listener: Function): this {
      return this.on(event, listener);
    }
    once(event: string, listener: Function): this {
      const wrapper = (...args: unknown[]) => {
        this.off(event, wrapper);
        listener(...args);
      };
      return this.on(event, wrapper);
    }
    off(event: string, listener: Function): this {
      const listeners = (this as any).__listeners as Map<string, Function[]> | undefined;
      const list = listeners && listeners.get(event);
      if (list) {
        const index = list.indexOf(listener);
        if (index >= 0) list.splice(index, 1);
      }
      return this;
    }
    removeListener(event: string, listener: Function): this {
      return this.off(event, listener);
    }
    removeAllListeners(event?: string): this {
      const listeners = (this as any).__listeners as Map<string, Function[]> | undefined;
      if (listeners) {
        if (event === undefined) listeners.clear();
        else listeners.delete(event);
      }
      return this;
    }
    emit(event: string, ...args: unknown[]): boolean {
      const listeners = (this as any).__listeners as Map<string, Function[]> | undefined;
      const list = listeners && listeners.get(event);
      if (!list || list.length === 0) return false;
      for (const listener of [...list]) listener.apply(this, args);
      return true;
    }
    listenerAdded(_event: string): void {}
  }

  class Stdin extends EventEmitter {
    fd = 0;
    isTTY = false;
    private scheduled = false;
    private encoding: string | null = null;
    setEncoding(encoding: string): this {
      this.encoding = encoding;
      return this;
    }
    resume(): this {
      this.start();
      return this;
    }
    pause(): this {
      return this;
    }
    read(): string | null {
      if (stdinConsumed) return null;
      return takeStdin();
    }
    override listenerAdded(event: string): void {
      if (event === 'data' || event === 'end' || event === 'readable' || event === 'close') this.start();
    }
    private start(): void {
      if (this.scheduled) return;
      this.scheduled = true;
      schedule(() => {
        if (!stdinConsumed) {
          const text = takeStdin();
          if (text.length > 0) {
            this.emit('readable');
            this.emit('data', text);
          }
        }
        this.emit('end');
        this.emit('close');
      }, 0, [], false, 0);
    }
    async *[Symbol.asyncIterator](): AsyncGenerator<string> {
      if (!stdinConsumed) {
        const text = takeStdin();
        if (text.length > 0) yield text;
      }
    }
  }
  return { EventEmitter, Stdin };
  }
  let events: ReturnType<typeof createEvents> | undefined;
  const getEvents = () => (events ??= createEvents());
  let stdinStream: unknown;
  function createProcess() {
  const makeStream = (stream: number, fd: number) => ({
    fd,
    isTTY: false,
    columns: 80,
    write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      emit(stream, typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? decodeUtf8(chunk) : String(chunk));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(done);
      return true;
    },
    end(chunk?: unknown): void {
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') this.write(chunk);
    },
    on() {
      return this;
    },
    once() {
      return this;
    },
  });

  function decodeUtf8(bytes: Uint8Array): string {
    let out = '';
    for (let index = 0; index < bytes.length; ) {
      const byte = bytes[index] as number;
      let code = 0xfffd;
      let size = 1;
      if (byte < 0x80) code = byte;
      else if (byte >= 0xc2 && byte < 0xe0 && index + 1 < bytes.length) {
        code = ((byte & 0x1f) << 6) | ((bytes[index + 1] as number) & 0x3f);
        size = 2;
      } else if (byte >= 0xe0 && byte < 0xf0 && index + 2 < bytes.length) {
        code = ((byte & 0x0f) << 12) | (((bytes[index + 1] as number) & 0x3f) << 6) | ((bytes[index + 2] as number) & 0x3f);
        size = 3;
      } else if (byte >= 0xf0 && byte < 0xf5 && index + 3 < bytes.length) {
        code = ((byte & 0x07) << 18) | (((bytes[index + 1] as number) & 0x3f) << 12) | (((bytes[index + 2] as number) & 0x3f) << 6) | ((bytes[index + 3] as number) & 0x3f);
        size = 4;
      }
      out += String.fromCodePoint(code);
      index += size;
    }
    return out;
  }

  const hrtime = (previous?: [number, number]): [number, number] => {
    const now = dateNow() - startTime;
    let seconds = Math.floor(now / 1000);
    let nanos = (now % 1000) * 1e6;
    if (previous) {
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds--;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  };
  hrtime.bigint = () => BigInt(dateNow() - startTime) * 1000000n;
  const processObject: Record<string, unknown> = {
    argv: ['node', filename],
    argv0: 'node',
    env: {},
    platform: 'linux',
    pid: 1,
    stdout: makeStream(1, 1),
    stderr: makeStream(2, 2),
    exit(code?: unknown): never {
      const value = code === undefined ? (exitCode ?? 0) : Number(code) | 0;
      stopped = true;
      control(0, value);
      throw new ExitSignal(value);
    },
    nextTick(callback: Function, ...args: unknown[]) {
      queueMicrotask(() => callback(...args));
    },
    hrtime,
    uptime: () => (dateNow() - startTime) / 1000,
    cwd: () => '/',
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
    on() {
      return processObject;
    },
    once() {
      return processObject;
    },
    emitWarning(warning: unknown) {
      emit(2, `Warning: ${warning instanceof Error ? warning.message : String(warning)}\n`);
    },
  };
  Object.defineProperty(processObject, 'stdin', {
    enumerable: true,
    configurable: true,
    get: () => (stdinStream ??= new (getEvents().Stdin)()),
  });
  Object.defineProperty(processObject, 'exitCode', {
    enumerable: true,
    get: () => exitCode,
    set: (value: unknown) => {
      exitCode = value === undefined ? undefined : Number(value) | 0;
      control(1, exitCode ?? 0);
    },
  });
  return processObject;
  }
  let exitCode: number | undefined;
  let startTime = dateNow();
  // Preinstalled in the worker's snapshot: the run's clock starts when the worker binds it.
  if (hooks) hooks.rebase = () => {
    startTime = dateNow();
  };
  lazyGlobal('process', createProcess);
  lazyGlobal('performance', () => ({ now: () => dateNow() - startTime, timeOrigin: startTime }));

  // ---------------------------------------------------------------- assert
  function createAssert() {
  class AssertionError extends Error {
    actual: unknown;
    expected: unknown;
    operator: string;
    generatedMessage: boolean;
    code = 'ERR_ASSERTION';
    constructor(options: { message?: string; actual?: unknown; expected?: unknown; operator?: string; generated?: boolean }) {
      super(options.message);
      this.actual = options.actual;
      this.expected = options.expected;
      this.operator = options.operator ?? 'fail';
      this.generatedMessage = Boolean(options.generated);
    }
  }
  Object.defineProperty(AssertionError.prototype, 'name', { value: 'AssertionError', writable: true, configurable: true });

  function fail(message: unknown, generated: string, actual: unknown, expected: unknown, operator: string): never {
    if (message instanceof Error) throw message;
    throw new AssertionError({
      message: message === undefined ? generated : String(message),
      actual,
      expected,
      operator,
      generated: message === undefined,
    });
  }

  function isDeepEqual(a: unknown, b: unknown, strict: boolean, memo: Array<[unknown, unknown]>): boolean {
    if (strict ? Object.is(a, b) : a == b || (a !== a && b !== b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
      if (!strict && (typeof a !== 'object' || a === null) && (typeof b !== 'object' || b === null)) return a == b;
      return false;
    }
    if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    const tagA = objectToString.call(a);
    if (tagA !== objectToString.call(b)) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    for (const [x, y] of memo) if (x === a && y === b) return true;
    memo.push([a, b]);
    try {
      if (tagA === '[object Date]') {
        if (Date.prototype.getTime.call(a) !== Date.prototype.getTime.call(b)) return false;
      } else if (tagA === '[object RegExp]') {
        const ra = a as RegExp;
        const rb = b as RegExp;
        if (ra.source !== rb.source || ra.flags !== rb.flags || ra.lastIndex !== rb.lastIndex) return false;
      } else if (a instanceof Error) {
        const eb = b as Error;
        if (a.message !== eb.message || a.name !== eb.name) return false;
      } else if (tagA === '[object Number]' || tagA === '[object String]' || tagA === '[object Boolean]' || tagA === '[object BigInt]') {
        if (!Object.is((a as any).valueOf(), (b as any).valueOf())) return false;
      } else if (ArrayBuffer.isView(a)) {
        const va = a as unknown as ArrayLike<unknown>;
        const vb = b as unknown as ArrayLike<unknown>;
        if (va.length !== vb.length) return false;
        for (let index = 0; index < va.length; index++) {
          if (!isDeepEqual(va[index], vb[index], strict, memo)) return false;
        }
      } else if (a instanceof Map) {
        const mb = b as Map<unknown, unknown>;
        if (a.size !== mb.size) return false;
        for (const [key, value] of a) {
          if (mb.has(key)) {
            if (!isDeepEqual(value, mb.get(key), strict, memo)) return false;
          } else {
            let found = false;
            for (const [otherKey, otherValue] of mb) {
              if (isDeepEqual(key, otherKey, strict, memo) && isDeepEqual(value, otherValue, strict, memo)) {
                found = true;
                break;
              }
            }
            if (!found) return false;
          }
        }
      } else if (a instanceof Set) {
        const sb = b as Set<unknown>;
        if (a.size !== sb.size) return false;
        for (const value of a) {
          if (sb.has(value)) continue;
          let found = false;
          for (const other of sb) {
            if (isDeepEqual(value, other, strict, memo)) {
              found = true;
              break;
            }
          }
          if (!found) return false;
        }
      }
      const keysA = Object.keys(a);
      const keysB = Object.keys(b);
      if (keysA.length !== keysB.length) return false;
      for (const key of keysA) {
        if (!hasOwn.call(b, key)) return false;
        if (!isDeepEqual((a as any)[key], (b as any)[key], strict, memo)) return false;
      }
      if (strict) {
        const symbolsA = Object.getOwnPropertySymbols(a).filter((s) => Object.prototype.propertyIsEnumerable.call(a, s));
        const symbolsB = Object.getOwnPropertySymbols(b).filter((s) => Object.prototype.propertyIsEnumerable.call(b, s));
        if (symbolsA.length !== symbolsB.length) return false;
        for (const symbol of symbolsA) {
          if (!isDeepEqual((a as any)[symbol], (b as any)[symbol], strict, memo)) return false;
        }
      }
      return true;
    } finally {
      memo.pop();
    }
  }

  const pair = (actual: unknown, expected: unknown, sign: string) => `${inspect(actual)} ${sign} ${inspect(expected)}`;
  const diff = (heading: string, actual: unknown, expected: unknown) =>
    `${heading}\n+ actual - expected\n\n${inspect(actual).split('\n').map((l) => `+ ${l}`).join('\n')}\n${inspect(expected)
      .split('\n')
      .map((l) => `- ${l}`)
      .join('\n')}`;

  function checkThrown(error: unknown, expected: unknown, message: unknown, operator: string): void {
    if (expected === undefined) return;
    if (typeof expected === 'function') {
      if (expected.prototype !== undefined && error instanceof (expected as any)) return;
      if (Error.isPrototypeOf(expected) || expected === Error) {
        fail(message, `The error is expected to be an instance of "${(expected as Function).name}". Received "${error instanceof Error ? error.name : inspect(error)}"`, error, expected, operator);
      }
      if ((expected as Function).call({}, error) === true) return;
      fail(message, `The ${(expected as Function).name ? `"${(expected as Function).name}" ` : ''}validation function is expected to return "true". Received ${inspect(error)}`, error, expected, operator);
    }
    if (expected instanceof RegExp) {
      if (expected.test(String(error))) return;
      fail(message, `The input did not match the regular expression ${String(expected)}. Input:\n\n${inspect(String(error))}\n`, error, expected, operator);
    }
    if (typeof expected === 'object' && expected !== null) {
      for (const key of Object.keys(expected)) {
        const want = (expected as any)[key];
        const got = error !== null && typeof error === 'object' ? (error as any)[key] : undefined;
        if (want instanceof RegExp && typeof got === 'string' ? want.test(got) : isDeepEqual(got, want, true, [])) continue;
        fail(message, diff(`Expected values to be strictly deep-equal:`, { [key]: got }, { [key]: want }), error, expected, operator);
      }
    }
  }

  function makeAssert(strict: boolean) {
    const ok = (value: unknown, message?: unknown) => {
      if (!value) fail(message, value === undefined && message === undefined ? 'No value argument passed to `assert.ok()`' : `The expression evaluated to a falsy value:\n\n  assert.ok(${inspect(value)})\n`, value, true, '==');
    };
    const strictEqual = (actual: unknown, expected: unknown, message?: unknown) => {
      if (!Object.is(actual, expected)) {
        fail(message, typeof actual === 'object' && actual !== null && typeof expected === 'object' && expected !== null
          ? diff('Expected "actual" to be reference-equal to "expected":', actual, expected)
          : `Expected values to be strictly equal:\n\n${pair(actual, expected, '!==')}\n`, actual, expected, 'strictEqual');
      }
    };
    const notStrictEqual = (actual: unknown, expected: unknown, message?: unknown) => {
      if (Object.is(actual, expected)) fail(message, `Expected "actual" to be strictly unequal to: ${inspect(expected)}`, actual, expected, 'notStrictEqual');
    };
    const looseEqual = (actual: unknown, expected: unknown, message?: unknown) => {
      if (!(actual == expected || (actual !== actual && expected !== expected))) fail(message, pair(actual, expected, '=='), actual, expected, '==');
    };
    const looseNotEqual = (actual: unknown, expected: unknown, message?: unknown) => {
      if (actual == expected || (actual !== actual && expected !== expected)) fail(message, pair(actual, expected, '!='), actual, expected, '!=');
    };
    const deepStrictEqual = (actual: unknown, expected: unknown, message?: unknown) => {
      if (!isDeepEqual(actual, expected, true, [])) fail(message, diff('Expected values to be strictly deep-equal:', actual, expected), actual, expected, 'deepStrictEqual');
    };
    const notDeepStrictEqual = (actual: unknown, expected: unknown, message?: unknown) => {
      if (isDeepEqual(actual, expected, true, [])) fail(message, `Expected "actual" not to be strictly deep-equal to: ${inspect(expected)}`, actual, expected, 'notDeepStrictEqual');
    };
    const looseDeepEqual = (actual: unknown, expected: unknown, message?: unknown) => {
      if (!isDeepEqual(actual, expected, false, [])) fail(message, diff('Expected values to be loosely deep-equal:', actual, expected), actual, expected, 'deepEqual');
    };
    const looseNotDeepEqual = (actual: unknown, expected: unknown, message?: unknown) => {
      if (isDeepEqual(actual, expected, false, [])) fail(message, `Expected "actual" not to be loosely deep-equal to: ${inspect(expected)}`, actual, expected, 'notDeepEqual');
    };
    const throws = (fn: unknown, expected?: unknown, message?: unknown) => {
      if (typeof fn !== 'function') throw new TypeError('The "fn" argument must be of type function');
      if (typeof expected === 'string') {
        message = expected;
        expected = undefined;
      }
      let threw = false;
      let caught: unknown;
      try {
        fn();
      } catch (error) {
        threw = true;
        caught = error;
      }
      if (!threw) fail(message, `Missing expected exception${message === undefined ? '.' : ': ' + String(message)}`, undefined, expected, 'throws');
      checkThrown(caught, expected, message, 'throws');
    };
    const doesNotThrow = (fn: unknown, expected?: unknown, message?: unknown) => {
      if (typeof fn !== 'function') throw new TypeError('The "fn" argument must be of type function');
      if (typeof expected === 'string') message = expected;
      try {
        fn();
      } catch (error) {
        fail(message, `Got unwanted exception.\nActual message: "${error instanceof Error ? error.message : String(error)}"`, error, expected, 'doesNotThrow');
      }
    };
    const rejects = async (promiseOrFn: unknown, expected?: unknown, message?: unknown) => {
      if (typeof expected === 'string') {
        message = expected;
        expected = undefined;
      }
      const promise = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn;
      let threw = false;
      let caught: unknown;
      try {
        await promise;
      } catch (error) {
        threw = true;
        caught = error;
      }
      if (!threw) fail(message, `Missing expected rejection${message === undefined ? '.' : ': ' + String(message)}`, undefined, expected, 'rejects');
      checkThrown(caught, expected, message, 'rejects');
    };
    const doesNotReject = async (promiseOrFn: unknown, expected?: unknown, message?: unknown) => {
      if (typeof expected === 'string') message = expected;
      try {
        await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
      } catch (error) {
        fail(message, `Got unwanted rejection.\nActual message: "${error instanceof Error ? error.message : String(error)}"`, error, expected, 'doesNotReject');
      }
    };
    const match = (text: unknown, pattern: RegExp, message?: unknown) => {
      if (typeof text !== 'string' || !pattern.test(text)) fail(message, `The input did not match the regular expression ${String(pattern)}. Input:\n\n${inspect(text)}\n`, text, pattern, 'match');
    };
    const doesNotMatch = (text: unknown, pattern: RegExp, message?: unknown) => {
      if (typeof text === 'string' && pattern.test(text)) fail(message, `The input was expected to not match the regular expression ${String(pattern)}. Input:\n\n${inspect(text)}\n`, text, pattern, 'doesNotMatch');
    };
    const assert: any = (value: unknown, message?: unknown) => ok(value, message);
    Object.assign(assert, {
      ok,
      equal: strict ? strictEqual : looseEqual,
      notEqual: strict ? notStrictEqual : looseNotEqual,
      strictEqual,
      notStrictEqual,
      deepEqual: strict ? deepStrictEqual : looseDeepEqual,
      notDeepEqual: strict ? notDeepStrictEqual : looseNotDeepEqual,
      deepStrictEqual,
      notDeepStrictEqual,
      throws,
      doesNotThrow,
      rejects,
      doesNotReject,
      match,
      doesNotMatch,
      ifError: (value: unknown) => {
        if (value !== null && value !== undefined) {
          if (value instanceof Error) throw value;
          fail(undefined, `ifError got unwanted exception: ${inspect(value)}`, value, null, 'ifError');
        }
      },
      fail: (message?: unknown) => fail(message, 'Failed', undefined, undefined, 'fail'),
      AssertionError,
    });
    return assert;
  }
  const assertModule = makeAssert(false);
  const strictAssert = makeAssert(true);
  assertModule.strict = strictAssert;
  strictAssert.strict = strictAssert;
  return { assertModule, strictAssert, isDeepEqual };
  }
  let asserts: ReturnType<typeof createAssert> | undefined;
  const getAssert = () => (asserts ??= createAssert());

  // ---------------------------------------------------------------- fs, readline, util
  function isStdin(path: unknown): boolean {
    return path === 0 || path === '/dev/stdin' || path === '/proc/self/fd/0';
  }
  function noEntry(syscall: string, path: unknown): never {
    const error: any = new Error(`ENOENT: no such file or directory, ${syscall} '${String(path)}'`);
    error.code = 'ENOENT';
    error.errno = -2;
    error.syscall = syscall;
    error.path = String(path);
    throw error;
  }
  function writeTarget(target: unknown): number {
    if (target === 1 || target === '/dev/stdout') return 1;
    if (target === 2 || target === '/dev/stderr') return 2;
    return 0;
  }
  const createFs = () => ({
    readFileSync(path: unknown): string {
      if (!isStdin(path)) noEntry('open', path);
      // Node hands back a Buffer without an encoding; a string serves the usual
      // `.toString()`, `+ ''` and `.split()` uses.
      return takeStdin();
    },
    existsSync: (path: unknown) => isStdin(path),
    writeSync(fd: unknown, data: unknown): number {
      const stream = writeTarget(fd);
      if (!stream) throw new Error('EBADF: bad file descriptor, write');
      const text = String(data);
      emit(stream, text);
      return text.length;
    },
    writeFileSync(path: unknown, data: unknown): void {
      const stream = writeTarget(path);
      if (!stream) {
        const error: any = new Error(`EROFS: read-only file system, open '${String(path)}'`);
        error.code = 'EROFS';
        throw error;
      }
      emit(stream, String(data));
    },
  });

  function stdinLines(): string[] {
    const text = takeStdin();
    if (text === '') return [];
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  }
  function createReadline() {
  class Interface extends getEvents().EventEmitter {
    private closed = false;
    private started = false;
    override listenerAdded(event: string): void {
      if (event === 'line' || event === 'close') this.start();
    }
    private start(): void {
      if (this.started) return;
      this.started = true;
      schedule(() => {
        for (const text of stdinConsumed ? [] : stdinLines()) {
          if (this.closed) return;
          this.emit('line', text);
        }
        this.close();
      }, 0, [], false, 0);
    }
    close(): void {
      if (this.closed) return;
      this.closed = true;
      this.emit('close');
    }
    setPrompt(): void {}
    prompt(): void {}
    question(_query: string, callback: Function): void {
      const lines = stdinConsumed ? [] : stdinLines();
      queueMicrotask(() => callback(lines[0] ?? ''));
    }
    async *[Symbol.asyncIterator](): AsyncGenerator<string> {
      this.started = true;
      for (const text of stdinConsumed ? [] : stdinLines()) yield text;
      this.close();
    }
  }
  return { createInterface: () => new Interface(), Interface };
  }
  const createUtil = () => ({
    inspect,
    format,
    isDeepStrictEqual: (a: unknown, b: unknown) => getAssert().isDeepEqual(a, b, true, []),
    promisify: (fn: Function) => (...args: unknown[]) =>
      new Promise((resolve, reject) => fn(...args, (error: unknown, value: unknown) => (error ? reject(error) : resolve(value)))),
  });
  const loaders: Record<string, () => unknown> = {
    assert: () => getAssert().assertModule,
    'assert/strict': () => getAssert().strictAssert,
    fs: createFs,
    readline: createReadline,
    util: createUtil,
    events: () => {
      const { EventEmitter } = getEvents();
      (EventEmitter as any).EventEmitter = EventEmitter;
      return EventEmitter;
    },
  };
  const builtins: Record<string, unknown> = {};
  function guestRequire(specifier: unknown): unknown {
    const name = String(specifier);
    const bare = name.startsWith('node:') ? name.slice(5) : name;
    if (hasOwn.call(builtins, bare)) return builtins[bare];
    if (hasOwn.call(loaders, bare)) return (builtins[bare] = (loaders[bare] as () => unknown)());
    const error: any = new Error(`Cannot find module '${name}'`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }

  // The worker wraps a CommonJS program as `__sandbenchRun(function (exports, require, module,
  // __filename, __dirname) { … })`; ES modules import built-ins through `__sandbenchBuiltin`.
  define(global, '__sandbenchRun', (body: Function) => {
    delete global.__sandbenchRun;
    // CommonJS programs reach built-ins through require only.
    delete global.__sandbenchBuiltin;
    const module = { exports: {}, id: '.', filename, loaded: false, children: [], paths: [] };
    const require: any = guestRequire;
    require.main = module;
    require.resolve = (name: string) => {
      guestRequire(name);
      return name;
    };
    try {
      body.call(module.exports, module.exports, require, module, filename, '/');
    } catch (error) {
      if (error instanceof ExitSignal) return;
      throw portable(error);
    }
  });
  define(global, '__sandbenchBuiltin', guestRequire);
  return tick;
}
