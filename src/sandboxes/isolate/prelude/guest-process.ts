import type { Primordials } from './capture-primordials.ts';
import type { GuestErrors } from './guest-errors.ts';
import type { GuestOutput } from './guest-output.ts';
import type { GuestUtf8 } from './guest-utf8.ts';

/** What the process shim needs from the rest of the prelude and from the host. */
export interface ProcessHost {
  /** `control(kind, value)` of the host: 0 = exit, 1 = exit code. */
  control(kind: number, value: number): void;
  filename: string;
  /** Milliseconds since the run's clock started. */
  elapsed(): number;
  queueMicrotask(callback: () => void): void;
  /** `process.stdin`, built on first use. */
  stdin(): unknown;
}

/**
 * Guest prelude module (see `guest-prelude.ts`): the `process` shim — `stdout`/`stderr` streams
 * that take strings, typed arrays and DataViews like Node's, `exit`/`exitCode`, `nextTick`,
 * `hrtime`, `uptime`, `argv`, `env`, `emitWarning` (Node's `(node:pid) Warning: …` lines, pid 1),
 * and `stdin`. Process events (`on('exit')` …) are accepted and never fire.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestProcess(p: Primordials, output: GuestOutput, utf8: GuestUtf8, errors: GuestErrors, host: ProcessHost) {
  const { MathFloor, ObjectDefineProperty, ReflectApply, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const FunctionPrototypeSymbolHasInstance = uncurry(p.FunctionPrototypeSymbolHasInstance);
  let exitCode: number | undefined;
  let warnedOnce = false;
  const FunctionPrototypeIsError = (value: unknown) => FunctionPrototypeSymbolHasInstance(p.Error, value);

  function makeStream(stream: number, fd: number) {
    const writable = {
      fd,
      write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
        if (typeof chunk === 'string') output.emit(stream, chunk);
        else if (chunk === null) throw errors.coded(p.TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream', writable.write);
        else {
          const bytes = utf8.bytesOf(chunk);
          if (bytes === undefined) {
            throw errors.invalidArgType('chunk', 'of type string or an instance of Buffer, TypedArray, or DataView', chunk, writable.write);
          }
          output.emitBytes(stream, bytes);
        }
        const done = typeof encoding === 'function' ? encoding : callback;
        if (typeof done === 'function') host.queueMicrotask(() => ReflectApply(done, undefined, []));
        return true;
      },
      end(chunk?: unknown, encoding?: unknown, callback?: unknown): void {
        if (typeof chunk === 'function') {
          host.queueMicrotask(() => ReflectApply(chunk, undefined, []));
          return;
        }
        if (chunk !== undefined && chunk !== null) writable.write(chunk, encoding, callback);
      },
      on() {
        return writable;
      },
      once() {
        return writable;
      },
      off() {
        return writable;
      },
      removeListener() {
        return writable;
      },
      emit() {
        return false;
      },
    };
    return writable;
  }

  function hrtime(previous?: [number, number]): [number, number] {
    const now = host.elapsed();
    let seconds = MathFloor(now / 1000);
    let nanos = (now % 1000) * 1e6;
    if (previous !== undefined) {
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds--;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  }
  hrtime.bigint = () => p.BigInt(MathFloor(host.elapsed())) * 1000000n;

  function emitWarning(warning: unknown, type?: unknown, code?: unknown): void {
    let name = 'Warning';
    let message: string;
    if (FunctionPrototypeIsError(warning)) {
      name = `${(warning as Error).name}`;
      message = `${(warning as Error).message}`;
    } else {
      message = `${warning as string}`;
    }
    if (typeof type === 'string') name = type;
    else if (type !== null && typeof type === 'object') {
      const options = type as { type?: unknown; code?: unknown };
      if (typeof options.type === 'string') name = options.type;
      if (typeof options.code === 'string') code = options.code;
    }
    let text = `(node:1) ${typeof code === 'string' ? `[${code}] ` : ''}${name}: ${message}\n`;
    if (!warnedOnce) {
      warnedOnce = true;
      text += `(Use \`node --trace-${name === 'DeprecationWarning' ? 'deprecation' : 'warnings'} ...\` to show where the warning was created)\n`;
    }
    // Node prints warnings on a later tick, after what the current code writes.
    host.queueMicrotask(() => output.emit(2, text));
  }
  const processObject: Record<string, unknown> = {
    title: 'node',
    argv: ['node', host.filename],
    argv0: 'node',
    execArgv: [],
    env: {},
    platform: 'linux',
    arch: 'x64',
    pid: 1,
    ppid: 0,
    exitCode: undefined,
    stdout: makeStream(1, 1),
    stderr: makeStream(2, 2),
    stdin: undefined,
    exit(code?: unknown): never {
      const value = code === undefined || code === null ? (exitCode ?? 0) : p.Number(code) | 0;
      // Bytes a write left unfinished are written before the end, as a pipe would deliver them.
      output.finish();
      output.stop();
      host.control(0, value);
      throw new output.ExitSignal(value);
    },
    nextTick(callback: unknown, ...args: unknown[]): void {
      if (typeof callback !== 'function') throw errors.invalidArgType('callback', 'of type function', callback, processObject.nextTick as Function);
      host.queueMicrotask(() => ReflectApply(callback, undefined, args));
    },
    hrtime,
    uptime: () => host.elapsed() / 1000,
    cwd: () => '/',
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
    emitWarning,
    on: () => processObject,
    once: () => processObject,
    off: () => processObject,
    addListener: () => processObject,
    removeListener: () => processObject,
    removeAllListeners: () => processObject,
    emit: () => false,
    listenerCount: () => 0,
  };
  ObjectDefineProperty(processObject, 'stdin', { enumerable: true, configurable: true, get: () => host.stdin() });
  ObjectDefineProperty(processObject, 'exitCode', {
    enumerable: true,
    configurable: true,
    get: () => exitCode,
    set: (value: unknown) => {
      exitCode = value === undefined || value === null ? undefined : p.Number(value) | 0;
      host.control(1, exitCode ?? 0);
    },
  });
  return processObject;
}
