import type { Primordials } from './capture-primordials.ts';
import type { GuestEvents } from './guest-events.ts';
import type { StdinSource } from './guest-stdin.ts';

/** A writable the interface prompts on (the guest's `process.stdout`). */
interface Writable {
  write(text: string): unknown;
}

/**
 * Guest prelude module (see `guest-prelude.ts`): `require('readline')` and `readline/promises`
 * over stdin. Lines end at `\n`, `\r\n` or a lone `\r`, like Node's; a listener for `line` (or
 * `close`) schedules every line in one task, then `close` (lines still buffered after a `close()`
 * are delivered, as Node does); `question` writes its query to the output and answers with the
 * next line; `for await` yields the lines.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestReadline(
  p: Primordials,
  events: GuestEvents,
  schedule: (callback: () => void) => void,
  queueMicrotask: (callback: () => void) => void,
  stdin: StdinSource,
) {
  const { ReflectApply, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const StringPrototypeCharCodeAt = uncurry(p.StringPrototypeCharCodeAt);
  const StringPrototypeSlice = uncurry(p.StringPrototypeSlice);
  const WeakMapPrototypeGet = uncurry(p.WeakMapPrototypeGet);
  const WeakMapPrototypeSet = uncurry(p.WeakMapPrototypeSet);

  /** Lines of the rest of stdin, shared by every interface (stdin is read once). */
  let lines: string[] | undefined;
  let nextLine = 0;
  function pendingLines(): string[] {
    if (lines === undefined) {
      lines = [];
      const text = stdin.consumed() ? '' : stdin.take();
      let start = 0;
      for (let index = 0; index < text.length; index++) {
        const code = StringPrototypeCharCodeAt(text, index);
        if (code !== 10 && code !== 13) continue;
        ArrayPrototypePush(lines, StringPrototypeSlice(text, start, index));
        if (code === 13 && StringPrototypeCharCodeAt(text, index + 1) === 10) index++;
        start = index + 1;
      }
      if (start < text.length) ArrayPrototypePush(lines, StringPrototypeSlice(text, start));
    }
    return lines;
  }
  function takeLine(): string | undefined {
    const all = pendingLines();
    return nextLine < all.length ? all[nextLine++] : undefined;
  }

  function createInterfaceClass(promises: boolean) {
    class Interface extends events.EventEmitter {
      declare terminal: boolean;
      declare line: string;
      constructor(input?: unknown, output?: unknown) {
        super();
        let writable = output;
        if (input !== null && typeof input === 'object' && (input as { input?: unknown }).input !== undefined) {
          writable = (input as { output?: unknown }).output;
        }
        state(this).output = writable !== null && typeof writable === 'object' && typeof (writable as Writable).write === 'function' ? (writable as Writable) : undefined;
        p.ObjectDefineProperty(this, 'terminal', { value: false, writable: true, enumerable: true, configurable: true });
        p.ObjectDefineProperty(this, 'line', { value: '', writable: true, enumerable: true, configurable: true });
        events.watch(this, (event) => {
          if (event === 'line' || event === 'close') start(this);
        });
      }
      close(): void {
        const own = state(this);
        if (own.closed) return;
        own.closed = true;
        this.emit('close');
      }
      pause(): this {
        return this;
      }
      resume(): this {
        return this;
      }
      setPrompt(prompt: unknown): void {
        state(this).prompt = `${prompt as string}`;
      }
      getPrompt(): string {
        return state(this).prompt;
      }
      prompt(): void {
        write(this, state(this).prompt);
      }
      write(data: unknown): void {
        write(this, `${data as string}`);
      }
      question(query: unknown, options?: unknown, callback?: unknown): unknown {
        const answer = typeof options === 'function' ? options : callback;
        write(this, `${query as string}`);
        const line = takeLine();
        if (promises) {
          return new p.Promise((resolve) => {
            queueMicrotask(() => resolve(line ?? ''));
          });
        }
        if (typeof answer === 'function' && line !== undefined) schedule(() => ReflectApply(answer, undefined, [line]));
        return undefined;
      }
      async *[p.SymbolAsyncIterator](): AsyncGenerator<string> {
        state(this).started = true;
        for (;;) {
          const line = takeLine();
          if (line === undefined) break;
          yield line;
        }
        this.close();
      }
    }
    return Interface;
  }

  interface State {
    closed: boolean;
    started: boolean;
    prompt: string;
    output: Writable | undefined;
  }
  const states: WeakMap<object, State> = new p.WeakMap();
  function state(rl: object): State {
    let own = WeakMapPrototypeGet(states, rl) as State | undefined;
    if (own === undefined) {
      own = { closed: false, started: false, prompt: '> ', output: undefined };
      WeakMapPrototypeSet(states, rl, own);
    }
    return own;
  }
  function write(rl: object, text: string): void {
    const output = state(rl).output;
    if (output !== undefined && text !== '') output.write(text);
  }
  function start(rl: object & { emit(event: string, ...args: unknown[]): boolean; close(): void }): void {
    const own = state(rl);
    if (own.started) return;
    own.started = true;
    schedule(() => {
      for (;;) {
        const line = takeLine();
        if (line === undefined) break;
        rl.emit('line', line);
      }
      rl.close();
    });
  }

  const Interface = createInterfaceClass(false);
  const PromisesInterface = createInterfaceClass(true);
  const promises = { createInterface: (input?: unknown, output?: unknown) => new PromisesInterface(input, output), Interface: PromisesInterface };
  const readline = { createInterface: (input?: unknown, output?: unknown) => new Interface(input, output), Interface, promises };
  return { readline, promises };
}
