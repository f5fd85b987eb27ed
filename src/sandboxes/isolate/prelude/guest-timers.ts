import type { Primordials } from './capture-primordials.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): `setTimeout`, `setInterval`, `setImmediate` and
 * their `clear…` on a guest-side queue (a binary heap by due time, then creation order) that the
 * worker drains through `tick`. Timeouts are Node-like handles (`ref`, `unref`, `hasRef`,
 * `refresh`, a number when coerced); callbacks run with the handle as `this`, one per `tick`, so
 * microtasks settle between them as in Node.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestTimers(
  p: Primordials,
  now: () => number,
  invalidCallback: (value: unknown) => Error,
  isExitSignal: (value: unknown) => boolean,
  portable: (thrown: unknown) => unknown,
  warn: (message: string, type: string) => void,
) {
  const { MathTrunc, ReflectApply, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypePop = uncurry(p.ArrayPrototypePop);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const MapPrototypeDelete = uncurry(p.MapPrototypeDelete);
  const MapPrototypeGet = uncurry(p.MapPrototypeGet);
  const MapPrototypeSet = uncurry(p.MapPrototypeSet);
  const WeakMapPrototypeGet = uncurry(p.WeakMapPrototypeGet);
  const WeakMapPrototypeSet = uncurry(p.WeakMapPrototypeSet);

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
    cleared: boolean;
    handle: object;
  }
  const heap: Timer[] = [];
  /** Timers waiting to run, by id (`clearTimeout(+handle)` clears by number). */
  const live: Map<number, Timer> = new p.Map();
  /** Each handle's latest record, also once it ran: `refresh()` re-arms a fired timer, as Node does. */
  const records: WeakMap<object, Timer> = new p.WeakMap();
  const recordOf = (handle: object) => WeakMapPrototypeGet(records, handle) as Timer | undefined;
  let nextId = 1;
  let nextSeq = 0;
  let refCount = 0;
  let warnedNegative = false;
  let warnedNaN = false;

  const before = (a: Timer, b: Timer) => a.due < b.due || (a.due === b.due && a.seq < b.seq);
  function swap(a: number, b: number): void {
    const held = heap[a] as Timer;
    heap[a] = heap[b] as Timer;
    heap[b] = held;
  }
  function heapPush(timer: Timer): void {
    ArrayPrototypePush(heap, timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index] as Timer, heap[parent] as Timer)) break;
      swap(index, parent);
      index = parent;
    }
  }
  function heapPop(): Timer | undefined {
    const top = heap[0];
    const last = ArrayPrototypePop(heap) as Timer | undefined;
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && before(heap[left] as Timer, heap[smallest] as Timer)) smallest = left;
        if (right < heap.length && before(heap[right] as Timer, heap[smallest] as Timer)) smallest = right;
        if (smallest === index) break;
        swap(index, smallest);
        index = smallest;
      }
    }
    return top;
  }

  class Timeout {
    constructor(id: number) {
      p.ObjectDefineProperty(this, '_id', { value: id, writable: false, configurable: true, enumerable: false });
    }
    ref(): this {
      const timer = recordOf(this);
      if (timer !== undefined && !timer.ref) {
        timer.ref = true;
        if (timer.live) refCount++;
      }
      return this;
    }
    unref(): this {
      const timer = recordOf(this);
      if (timer !== undefined && timer.ref) {
        timer.ref = false;
        if (timer.live) refCount--;
      }
      return this;
    }
    hasRef(): boolean {
      const timer = recordOf(this);
      return timer !== undefined && timer.ref;
    }
    refresh(): this {
      const timer = recordOf(this);
      if (timer !== undefined && !timer.cleared) {
        const wasLive = timer.live;
        timer.live = false;
        const fresh: Timer = { ...timer, due: now() + timer.delay, seq: nextSeq++, live: true };
        if (!wasLive && fresh.ref) refCount++;
        MapPrototypeSet(live, timer.id, fresh);
        WeakMapPrototypeSet(records, this, fresh);
        heapPush(fresh);
      }
      return this;
    }
    [p.SymbolToPrimitive](): number {
      return (this as unknown as { _id: number })._id;
    }
  }

  function schedule(callback: unknown, delay: unknown, args: unknown[], repeat: boolean, minimum: number): Timeout {
    if (typeof callback !== 'function') throw invalidCallback(callback);
    let ms = minimum;
    if (minimum > 0 && delay !== undefined) {
      ms = (delay as number) * 1;
      if (!(ms >= 1 && ms <= 2147483647)) {
        // Node's warnings, the negative and NaN ones once per process.
        if (ms > 2147483647) warn(`${ms} does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.`, 'TimeoutOverflowWarning');
        else if (ms < 0 && !warnedNegative) {
          warnedNegative = true;
          warn(`${ms} is a negative number.\nTimeout duration was set to 1.`, 'TimeoutNegativeWarning');
        } else if (ms !== ms && !warnedNaN) {
          warnedNaN = true;
          warn(`${ms} is not a number.\nTimeout duration was set to 1.`, 'TimeoutNaNWarning');
        }
        ms = 1;
      }
      ms = MathTrunc(ms);
    }
    const id = nextId++;
    const handle = new Timeout(id);
    const timer: Timer = { id, callback, args, due: now() + ms, seq: nextSeq++, delay: ms, repeat, live: true, ref: true, cleared: false, handle };
    refCount++;
    MapPrototypeSet(live, id, timer);
    WeakMapPrototypeSet(records, handle, timer);
    heapPush(timer);
    return handle;
  }

  function clear(handle: unknown): void {
    const timer =
      typeof handle === 'object' && handle !== null ? recordOf(handle) : (MapPrototypeGet(live, p.Number(handle)) as Timer | undefined);
    if (timer === undefined || timer.cleared) return;
    timer.cleared = true;
    if (!timer.live) return;
    MapPrototypeDelete(live, timer.id);
    timer.live = false;
    if (timer.ref) refCount--;
  }

  /** See `guestPrelude`: milliseconds to the next due timer, 0 when one ran or is due, -1 when done. */
  function tick(runDue: unknown): number {
    for (;;) {
      const top = heap[0];
      if (top === undefined) return -1;
      if (!top.live) {
        heapPop();
        continue;
      }
      if (refCount <= 0) return -1;
      const time = now();
      if (top.due > time) return top.due - time;
      if (!runDue) return 0;
      heapPop();
      if (top.repeat) {
        const next: Timer = { ...top, due: time + top.delay, seq: nextSeq++ };
        MapPrototypeSet(live, top.id, next);
        WeakMapPrototypeSet(records, top.handle, next);
        top.live = false;
        heapPush(next);
      } else {
        top.live = false;
        MapPrototypeDelete(live, top.id);
        if (top.ref) refCount--;
      }
      try {
        ReflectApply(top.callback, top.handle, top.args);
      } catch (error) {
        if (isExitSignal(error)) return -1;
        throw portable(error);
      }
      return 0;
    }
  }

  return {
    schedule,
    tick,
    clear,
    setTimeout: (callback: unknown, delay?: unknown, ...args: unknown[]) => schedule(callback, delay, args, false, 1),
    setInterval: (callback: unknown, delay?: unknown, ...args: unknown[]) => schedule(callback, delay, args, true, 1),
    setImmediate: (callback: unknown, ...args: unknown[]) => schedule(callback, 0, args, false, 0),
  };
}

/** What `guestTimers` gives the other prelude modules. */
export type GuestTimers = ReturnType<typeof guestTimers>;
