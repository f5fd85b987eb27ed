import type { capturePrimordials } from './capture-primordials.ts';
import type { guestAssert } from './guest-assert.ts';
import type { guestAssertionError } from './guest-assertion-error.ts';
import type { guestConsole } from './guest-console.ts';
import type { guestDeepEqual } from './guest-deep-equal.ts';
import type { guestErrors } from './guest-errors.ts';
import type { guestEvents } from './guest-events.ts';
import type { guestFormat } from './guest-format.ts';
import type { guestFs } from './guest-fs.ts';
import type { guestInspect } from './guest-inspect.ts';
import type { guestOutput } from './guest-output.ts';
import type { guestProcess } from './guest-process.ts';
import type { guestReadline } from './guest-readline.ts';
import type { guestStdin } from './guest-stdin.ts';
import type { guestTextCodec } from './guest-text-codec.ts';
import type { guestTimers } from './guest-timers.ts';
import type { guestTypes } from './guest-types.ts';
import type { guestUtf8 } from './guest-utf8.ts';
import type { guestUtil } from './guest-util.ts';

/** The prelude's modules, joined into the one prelude script by `guest-prelude.ts`. */
export interface GuestModules {
  capturePrimordials: typeof capturePrimordials;
  guestAssert: typeof guestAssert;
  guestAssertionError: typeof guestAssertionError;
  guestConsole: typeof guestConsole;
  guestDeepEqual: typeof guestDeepEqual;
  guestErrors: typeof guestErrors;
  guestEvents: typeof guestEvents;
  guestFormat: typeof guestFormat;
  guestFs: typeof guestFs;
  guestInspect: typeof guestInspect;
  guestOutput: typeof guestOutput;
  guestProcess: typeof guestProcess;
  guestReadline: typeof guestReadline;
  guestStdin: typeof guestStdin;
  guestTextCodec: typeof guestTextCodec;
  guestTimers: typeof guestTimers;
  guestTypes: typeof guestTypes;
  guestUtf8: typeof guestUtf8;
  guestUtil: typeof guestUtil;
}

/**
 * Guest prelude module (see `guest-prelude.ts`): installs the guest runtime in the current
 * context and returns the worker's `tick`. The built-ins are captured first, before anything a
 * guest could have touched; every other module is built on first use (the prelude is part of the
 * worker's V8 snapshot: work not done at start is time saved for programs that never need it).
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function installGuestRuntime(
  modules: GuestModules,
  write: (stream: number, text: string) => number,
  control: (kind: number, value: number) => void,
  readStdin: () => string,
  filename: string,
  hooks?: { rebase?: () => void; readPackage?: (name: string) => string },
): (runDue: unknown) => number {
  const p = modules.capturePrimordials();
  // Called once: dropping the reference keeps its compiled code out of the worker's snapshot.
  delete (modules as Partial<GuestModules>).capturePrimordials;
  const uncurry = p.uncurry;
  const FunctionPrototypeSymbolHasInstance = uncurry(p.FunctionPrototypeSymbolHasInstance);
  const ObjectPrototypeHasOwnProperty = uncurry(p.ObjectPrototypeHasOwnProperty);
  const PromisePrototypeThen = uncurry(p.PromisePrototypeThen);
  const StringPrototypeSlice = uncurry(p.StringPrototypeSlice);
  const StringPrototypeStartsWith = uncurry(p.StringPrototypeStartsWith);
  const StringPrototypeToWellFormed = uncurry(p.StringPrototypeToWellFormed);
  const global = p.globalThis as unknown as Record<string, unknown>;
  const THROWN_MARK = 'sandbench:thrown:';
  const define = (target: object, name: string, value: unknown) =>
    p.ObjectDefineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  const lazyGlobal = (name: string, create: () => unknown) =>
    p.ObjectDefineProperty(global, name, {
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

  let startTime = p.DateNow();
  const now = () => p.DateNow();
  const elapsed = () => p.DateNow() - startTime;
  // Preinstalled in the worker's snapshot: the run's clock starts when the worker binds it.
  if (hooks) {
    hooks.rebase = () => {
      startTime = p.DateNow();
    };
  }

  let utf8: ReturnType<GuestModules['guestUtf8']> | undefined;
  const getUtf8 = () => (utf8 ??= modules.guestUtf8(p));
  const output = modules.guestOutput(p, write, getUtf8);
  const isExitSignal = (value: unknown) => FunctionPrototypeSymbolHasInstance(output.ExitSignal, value);

  // A settled promise whose own `constructor` is undefined: `then` on it consults no species.
  const resolved = p.ReflectApply(p.PromiseResolve, p.Promise, []) as Promise<void>;
  p.ObjectDefineProperty(resolved, 'constructor', { value: undefined });
  const queueMicrotask = (callback: unknown) => {
    if (typeof callback !== 'function') throw getErrors().invalidArgType('callback', 'of type function', callback, queueMicrotask);
    PromisePrototypeThen(resolved, () => {
      p.ReflectApply(callback, undefined, []);
    });
  };
  define(global, 'queueMicrotask', queueMicrotask);

  // ------------------------------------------------------------------ modules built on first use
  let types: ReturnType<GuestModules['guestTypes']> | undefined;
  const getTypes = () => (types ??= modules.guestTypes(p));
  let inspector: ReturnType<GuestModules['guestInspect']> | undefined;
  const getInspector = () => (inspector ??= modules.guestInspect(p, getTypes()));
  const inspect = (value: unknown, options?: object) => getInspector().inspect(value, options);
  let formatter: ReturnType<GuestModules['guestFormat']> | undefined;
  const getFormat = () => (formatter ??= modules.guestFormat(p, getInspector));
  let errors: ReturnType<GuestModules['guestErrors']> | undefined;
  const getErrors = () => (errors ??= modules.guestErrors(p, inspect));

  let processObject: Record<string, unknown> | undefined;
  const getProcess = () =>
    (processObject ??= modules.guestProcess(p, output, getUtf8(), getErrors(), {
      control,
      filename,
      elapsed,
      queueMicrotask,
      stdin: getStdinStream,
    }));
  const warn = (message: string, type?: string, code?: string) =>
    (getProcess().emitWarning as (message: string, type?: string, code?: string) => void)(message, type, code);

  let timers: ReturnType<GuestModules['guestTimers']> | undefined;
  const getTimers = () =>
    (timers ??= modules.guestTimers(
      p,
      now,
      (value) => getErrors().invalidArgType('callback', 'of type function', value),
      isExitSignal,
      portable,
      (message, type) => warn(message, type),
    ));
  const scheduleNow = (callback: () => void) => {
    getTimers().schedule(callback, 0, [], false, 0);
  };

  let stdinConsumed = false;
  const stdin = {
    take(): string {
      stdinConsumed = true;
      // What a program reading its stdin pipe as UTF-8 sees: a lone surrogate is U+FFFD.
      return StringPrototypeToWellFormed(readStdin());
    },
    consumed: () => stdinConsumed,
  };
  let events: ReturnType<GuestModules['guestEvents']> | undefined;
  const getEvents = () => (events ??= modules.guestEvents(p, inspect, getErrors(), warn));
  let stdinStream: unknown;
  function getStdinStream(): unknown {
    return (stdinStream ??= modules.guestStdin(p, getEvents(), scheduleNow, stdin));
  }

  let deepEqual: ReturnType<GuestModules['guestDeepEqual']> | undefined;
  const getDeepEqual = () => (deepEqual ??= modules.guestDeepEqual(p, getTypes()));
  let codec: ReturnType<GuestModules['guestTextCodec']> | undefined;
  const getCodec = () => (codec ??= modules.guestTextCodec(p, getUtf8(), getErrors()));
  let asserts: ReturnType<GuestModules['guestAssert']> | undefined;
  const getAsserts = () =>
    (asserts ??= modules.guestAssert(
      p,
      inspect,
      getTypes(),
      getDeepEqual(),
      modules.guestAssertionError(p, getInspector()),
      getErrors(),
      (message, type, code) => warn(message, type, code),
    ));
  let readline: ReturnType<GuestModules['guestReadline']> | undefined;
  const getReadline = () => (readline ??= modules.guestReadline(p, getEvents(), scheduleNow, queueMicrotask, stdin));

  lazyGlobal('console', () =>
    modules.guestConsole(p, output, getFormat, getInspector, getTypes, elapsed, (message) => warn(message)),
  );
  lazyGlobal('setTimeout', () => getTimers().setTimeout);
  lazyGlobal('setInterval', () => getTimers().setInterval);
  lazyGlobal('setImmediate', () => getTimers().setImmediate);
  lazyGlobal('clearTimeout', () => getTimers().clear);
  lazyGlobal('clearInterval', () => getTimers().clear);
  lazyGlobal('clearImmediate', () => getTimers().clear);
  lazyGlobal('process', getProcess);
  lazyGlobal('performance', () => ({ now: elapsed, timeOrigin: startTime }));
  lazyGlobal('TextEncoder', () => getCodec().TextEncoder);
  lazyGlobal('TextDecoder', () => getCodec().TextDecoder);

  /**
   * What leaves the isolate when the guest throws. isolated-vm copies the thrown value out after
   * the guest's entry, outside its timeout, reading `stack`, `name` and `message`; a hostile
   * value (a Proxy, a looping getter, a prepareStackTrace hook) would hang that copy. So the
   * value is described HERE, inside the timed entry, and replaced by a plain Error whose own
   * data properties carry the text (the worker recognises the mark). Primitives copy as they are.
   */
  function portable(thrown: unknown): unknown {
    try {
      output.finish();
    } catch {
      // The output cap was reached: the worker reports that.
    }
    if (thrown === null || (typeof thrown !== 'object' && typeof thrown !== 'function')) return thrown;
    let text: string;
    try {
      if (FunctionPrototypeSymbolHasInstance(p.Error, thrown)) {
        const error = thrown as Error;
        const stack = error.stack;
        text = typeof stack === 'string' && stack !== '' ? stack : `${p.String(error.name)}: ${p.String(error.message)}`;
      } else {
        text = `Uncaught ${inspect(thrown)}`;
      }
    } catch {
      text = 'Uncaught exception (the thrown value could not be described)';
    }
    const plain = new p.Error();
    const own = (name: string, value: string) => p.ObjectDefineProperty(plain, name, { value, writable: true, configurable: true, enumerable: false });
    own('name', 'Error');
    own('message', THROWN_MARK + text);
    own('stack', THROWN_MARK + text);
    return plain;
  }

  /** The worker's entry into the timer queue (see `guestPrelude`). */
  function tick(runDue: unknown): number {
    if (output.isStopped()) return -1;
    const wait = timers === undefined ? -1 : timers.tick(runDue);
    // The program is over: what a byte write left unfinished is written now.
    if (wait < 0) output.finish();
    return wait;
  }

  // ------------------------------------------------------------------ require
  const loaders: Record<string, () => unknown> = p.ObjectCreate(null);
  loaders.assert = () => getAsserts().assert;
  loaders['assert/strict'] = () => getAsserts().strict;
  loaders.fs = () => modules.guestFs(p, output, getUtf8(), getErrors(), stdin);
  loaders.readline = () => getReadline().readline;
  loaders['readline/promises'] = () => getReadline().promises;
  loaders.util = () =>
    modules.guestUtil(p, getFormat(), getInspector(), getTypes(), getDeepEqual(), getErrors(), getCodec, (message, type, code) => warn(message, type, code));
  loaders.events = () => getEvents().EventEmitter;
  const builtins: Record<string, unknown> = p.ObjectCreate(null);
  // npm packages the host serves (lodash, for MBXP's JavaScript tests): their source, '' for none.
  const readPackage = hooks?.readPackage;
  const packages: Record<string, { exports: unknown }> = p.ObjectCreate(null);
  function guestRequire(specifier: unknown): unknown {
    const name = p.String(specifier);
    const bare = StringPrototypeStartsWith(name, 'node:') ? StringPrototypeSlice(name, 5) : name;
    if (ObjectPrototypeHasOwnProperty(builtins, bare)) return builtins[bare];
    const load = loaders[bare];
    if (load !== undefined) return (builtins[bare] = load());
    // `node:lodash` names no built-in, and a package is never a built-in's name.
    if (bare === name && readPackage !== undefined) {
      if (ObjectPrototypeHasOwnProperty(packages, name)) return packages[name]!.exports;
      const source = readPackage(name);
      if (typeof source === 'string' && source !== '') return loadPackage(name, source);
    }
    const error = new p.Error(`Cannot find module '${name}'`);
    p.ObjectDefineProperty(error, 'code', { value: 'MODULE_NOT_FOUND', writable: true, configurable: true, enumerable: true });
    throw error;
  }

  /**
   * A package's main file run as Node runs a CommonJS module: guest code in the guest's realm,
   * within the run's limits, its `module` registered before it runs (as Node caches it). Node's
   * `global` is a parameter here, not a guest global: packages find the global object by it
   * (lodash would otherwise call the guest's `Function`), as they do in Node.
   */
  function loadPackage(name: string, source: string): unknown {
    const folder = `/node_modules/${name}`;
    const module = { exports: {}, id: `${folder}/index.js`, filename: `${folder}/index.js`, loaded: false, children: [], paths: [] };
    packages[name] = module;
    try {
      const body = new p.Function('exports', 'require', 'module', '__filename', '__dirname', 'global', source);
      p.ReflectApply(body, module.exports, [module.exports, guestRequire, module, module.filename, folder, global]);
    } catch (error) {
      // As Node: a module that threw while loading is not cached; the next require runs it again.
      delete packages[name];
      throw error;
    }
    module.loaded = true;
    return module.exports;
  }

  // The worker wraps a CommonJS program as `__sandbenchRun(function (exports, require, module,
  // __filename, __dirname) { … })`; ES modules import built-ins through `__sandbenchBuiltin`.
  define(global, '__sandbenchRun', (body: Function) => {
    delete global.__sandbenchRun;
    // CommonJS programs reach built-ins through require only.
    delete global.__sandbenchBuiltin;
    const module = { exports: {}, id: '.', filename, loaded: false, children: [], paths: [] };
    const require = guestRequire as typeof guestRequire & Record<string, unknown>;
    require.main = module;
    require.resolve = (name: string) => {
      guestRequire(name);
      return name;
    };
    try {
      p.ReflectApply(body, module.exports, [module.exports, require, module, filename, '/']);
    } catch (error) {
      if (isExitSignal(error)) return;
      throw portable(error);
    }
  });
  define(global, '__sandbenchBuiltin', guestRequire);
  return tick;
}
