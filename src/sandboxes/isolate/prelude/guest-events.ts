import type { Primordials } from './capture-primordials.ts';
import type { GuestErrors } from './guest-errors.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): `require('events')`, Node's `EventEmitter` —
 * listeners in order (a copy of the list per `emit`, so changes during an emit apply to the next),
 * `once` wrappers that `off(original)` removes, `prependListener`, `newListener` and
 * `removeListener` events, an `error` event without listener thrown, the max-listeners warning,
 * and `EventEmitter.once(emitter, name)`. Listener lists live in a WeakMap the guest cannot reach;
 * `watch` lets the prelude's own streams start work when a listener is added.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestEvents(
  p: Primordials,
  inspect: (value: unknown) => string,
  errors: GuestErrors,
  warn: (message: string, type: string) => void,
) {
  const { ObjectDefineProperty, ReflectApply, ReflectOwnKeys, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypePop = uncurry(p.ArrayPrototypePop);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const FunctionPrototypeSymbolHasInstance = uncurry(p.FunctionPrototypeSymbolHasInstance);
  const SymbolPrototypeToString = uncurry(p.SymbolPrototypeToString);
  const WeakMapPrototypeGet = uncurry(p.WeakMapPrototypeGet);
  const WeakMapPrototypeSet = uncurry(p.WeakMapPrototypeSet);
  // Listener lists, per emitter, out of the guest's reach.

  interface State {
    events: Record<PropertyKey, Function[]>;
    maxListeners: number | undefined;
    warned: Record<PropertyKey, true>;
    watcher: ((event: PropertyKey) => void) | undefined;
  }
  const states: WeakMap<object, State> = new p.WeakMap();
  let defaultMaxListeners = 10;

  function stateOf(emitter: object): State {
    let state = WeakMapPrototypeGet(states, emitter) as State | undefined;
    if (state === undefined) {
      const events: Record<PropertyKey, Function[]> = p.ObjectCreate(null);
      state = { events, maxListeners: undefined, warned: p.ObjectCreate(null), watcher: undefined };
      WeakMapPrototypeSet(states, emitter, state);
    }
    return state;
  }

  function checkListener(listener: unknown, from: Function): void {
    if (typeof listener !== 'function') throw errors.invalidArgType('listener', 'of type function', listener, from);
  }

  /** The function a listener slot calls through to (a `once` wrapper's original). */
  const originalOf = (listener: Function) => ((listener as { listener?: Function }).listener ?? listener);

  function addListener(emitter: object, event: PropertyKey, listener: Function, prepend: boolean): void {
    const state = stateOf(emitter);
    if (state.events.newListener !== undefined) {
      emitEvent(emitter, 'newListener', [event, originalOf(listener)]);
    }
    const list = state.events[event] ?? (state.events[event] = []);
    if (prepend) {
      ArrayPrototypePush(list, listener);
      for (let index = list.length - 1; index > 0; index--) list[index] = list[index - 1] as Function;
      list[0] = listener;
    } else {
      ArrayPrototypePush(list, listener);
    }
    const max = state.maxListeners === undefined ? defaultMaxListeners : state.maxListeners;
    if (max > 0 && list.length > max && state.warned[event] === undefined) {
      state.warned[event] = true;
      const name = typeof event === 'symbol' ? SymbolPrototypeToString(event) : event;
      const constructor = (emitter as { constructor?: { name?: string } }).constructor;
      warn(
        `Possible EventEmitter memory leak detected. ${list.length} ${name as string} listeners added to [${(constructor && constructor.name) || 'EventEmitter'}]. MaxListeners is ${max}. Use emitter.setMaxListeners() to increase limit`,
        'MaxListenersExceededWarning',
      );
    }
    if (state.watcher !== undefined) state.watcher(event);
  }

  function removeListener(emitter: object, event: PropertyKey, listener: Function): void {
    const state = stateOf(emitter);
    const list = state.events[event];
    if (list === undefined) return;
    // Node removes the most recently added match.
    for (let index = list.length - 1; index >= 0; index--) {
      const candidate = list[index] as Function;
      if (candidate !== listener && originalOf(candidate) !== listener) continue;
      for (let at = index; at < list.length - 1; at++) list[at] = list[at + 1] as Function;
      ArrayPrototypePop(list);
      if (list.length === 0) delete state.events[event];
      if (state.events.removeListener !== undefined) emitEvent(emitter, 'removeListener', [event, originalOf(candidate)]);
      return;
    }
  }

  function onceWrapper(emitter: object, event: PropertyKey, listener: Function): Function {
    let fired = false;
    const wrapper = function (this: unknown, ...args: unknown[]) {
      if (fired) return undefined;
      fired = true;
      removeListener(emitter, event, wrapper);
      return ReflectApply(listener, emitter, args);
    };
    ObjectDefineProperty(wrapper, 'listener', { value: listener, writable: true, enumerable: true, configurable: true });
    return wrapper;
  }

  function emitEvent(target: object, event: PropertyKey, args: unknown[]): boolean {
    const state = stateOf(target);
    const list = state.events[event];
    if (list === undefined || list.length === 0) {
      if (event === 'error') {
        const error = args[0];
        if (FunctionPrototypeSymbolHasInstance(p.Error, error)) throw error;
        throw errors.coded(p.Error, 'ERR_UNHANDLED_ERROR', `Unhandled error. (${inspect(error)})`, EventEmitter.prototype.emit);
      }
      return false;
    }
    const snapshot: Function[] = [];
    for (let index = 0; index < list.length; index++) ArrayPrototypePush(snapshot, list[index] as Function);
    for (let index = 0; index < snapshot.length; index++) ReflectApply(snapshot[index] as Function, target, args);
    return true;
  }

  class EventEmitter {
    on(event: PropertyKey, listener: Function): this {
      checkListener(listener, this.on);
      addListener(this, event, listener, false);
      return this;
    }
    addListener(event: PropertyKey, listener: Function): this {
      checkListener(listener, this.addListener);
      addListener(this, event, listener, false);
      return this;
    }
    prependListener(event: PropertyKey, listener: Function): this {
      checkListener(listener, this.prependListener);
      addListener(this, event, listener, true);
      return this;
    }
    once(event: PropertyKey, listener: Function): this {
      checkListener(listener, this.once);
      addListener(this, event, onceWrapper(this, event, listener), false);
      return this;
    }
    prependOnceListener(event: PropertyKey, listener: Function): this {
      checkListener(listener, this.prependOnceListener);
      addListener(this, event, onceWrapper(this, event, listener), true);
      return this;
    }
    off(event: PropertyKey, listener: Function): this {
      checkListener(listener, this.off);
      removeListener(this, event, listener);
      return this;
    }
    removeListener(event: PropertyKey, listener: Function): this {
      checkListener(listener, this.removeListener);
      removeListener(this, event, listener);
      return this;
    }
    removeAllListeners(event?: PropertyKey): this {
      const state = stateOf(this);
      if (event === undefined) state.events = p.ObjectCreate(null);
      else delete state.events[event];
      return this;
    }
    emit(event: PropertyKey, ...args: unknown[]): boolean {
      return emitEvent(this, event, args);
    }
    listeners(event: PropertyKey): Function[] {
      const list = stateOf(this).events[event];
      const result: Function[] = [];
      if (list !== undefined) for (let index = 0; index < list.length; index++) ArrayPrototypePush(result, originalOf(list[index] as Function));
      return result;
    }
    rawListeners(event: PropertyKey): Function[] {
      const list = stateOf(this).events[event];
      const result: Function[] = [];
      if (list !== undefined) for (let index = 0; index < list.length; index++) ArrayPrototypePush(result, list[index] as Function);
      return result;
    }
    listenerCount(event: PropertyKey, listener?: Function): number {
      const list = stateOf(this).events[event];
      if (list === undefined) return 0;
      if (listener === undefined) return list.length;
      let count = 0;
      for (let index = 0; index < list.length; index++) if (originalOf(list[index] as Function) === listener || list[index] === listener) count++;
      return count;
    }
    eventNames(): PropertyKey[] {
      return ReflectOwnKeys(stateOf(this).events);
    }
    setMaxListeners(count: number): this {
      stateOf(this).maxListeners = count;
      return this;
    }
    getMaxListeners(): number {
      const max = stateOf(this).maxListeners;
      return max === undefined ? defaultMaxListeners : max;
    }
    static once(emitter: EventEmitter, event: PropertyKey): Promise<unknown[]> {
      return new p.Promise((resolve, reject) => {
        const onEvent = (...args: unknown[]) => {
          if (event !== 'error') removeListener(emitter, 'error', onError);
          resolve(args);
        };
        const onError = (error: unknown) => {
          removeListener(emitter, event, onEvent);
          reject(error);
        };
        addListener(emitter, event, onceWrapper(emitter, event, onEvent), false);
        if (event !== 'error') addListener(emitter, 'error', onceWrapper(emitter, 'error', onError), false);
      });
    }
    static listenerCount(emitter: EventEmitter, event: PropertyKey): number {
      return emitter.listenerCount(event);
    }
    static get defaultMaxListeners(): number {
      return defaultMaxListeners;
    }
    static set defaultMaxListeners(count: number) {
      defaultMaxListeners = count;
    }
  }
  ObjectDefineProperty(EventEmitter, 'EventEmitter', { value: EventEmitter, writable: true, enumerable: true, configurable: true });
  ObjectDefineProperty(EventEmitter, 'errorMonitor', { value: p.Symbol('events.errorMonitor'), writable: true, enumerable: true, configurable: true });

  /** Call `watcher(event)` whenever a listener is added to `emitter` (the prelude's streams). */
  function watch(emitter: object, watcher: (event: PropertyKey) => void): void {
    stateOf(emitter).watcher = watcher;
  }

  return { EventEmitter, watch };
}

/** What `guestEvents` gives the other prelude modules. */
export type GuestEvents = ReturnType<typeof guestEvents>;
