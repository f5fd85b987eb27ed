import type { Primordials, Uncurryable } from './capture-primordials.ts';

/** The intrinsic prototype a chain ends in: its kind and constructor. */
export interface Intrinsic {
  kind: string;
  constructor: Function;
}

/**
 * Guest prelude module (see `guest-prelude.ts`): what kind of built-in object a value is, for
 * inspect, deep equality and `util.types`. Node asks V8 natively; a script can only find the
 * first intrinsic prototype on the value's chain (`Map.prototype` …) and confirm the brand with a
 * captured method that throws on anything else (`Map.prototype.size`'s getter). Confirming only
 * what the chain claims keeps genuine objects off the slow throwing path, and nothing here reads
 * `Symbol.toStringTag` or a method a guest could replace.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestTypes(p: Primordials) {
  const { ArrayBufferIsView, ArrayIsArray, isNativeError, ObjectGetPrototypeOf, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayBufferPrototypeGetByteLength = uncurry(p.ArrayBufferPrototypeGetByteLength);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const BigIntPrototypeValueOf = uncurry(p.BigIntPrototypeValueOf);
  const BooleanPrototypeValueOf = uncurry(p.BooleanPrototypeValueOf);
  const DatePrototypeGetTime = uncurry(p.DatePrototypeGetTime);
  const MapIteratorPrototypeNext = uncurry(p.MapIteratorPrototypeNext);
  const MapPrototypeEntries = uncurry(p.MapPrototypeEntries);
  const MapPrototypeGet = uncurry(p.MapPrototypeGet);
  const MapPrototypeGetSize = uncurry(p.MapPrototypeGetSize);
  const MapPrototypeSet = uncurry(p.MapPrototypeSet);
  const NumberPrototypeValueOf = uncurry(p.NumberPrototypeValueOf);
  const RegExpPrototypeGetSource = uncurry(p.RegExpPrototypeGetSource);
  const SetIteratorPrototypeNext = uncurry(p.SetIteratorPrototypeNext);
  const SetPrototypeGetSize = uncurry(p.SetPrototypeGetSize);
  const SetPrototypeValues = uncurry(p.SetPrototypeValues);
  const StringPrototypeValueOf = uncurry(p.StringPrototypeValueOf);
  const SymbolPrototypeValueOf = uncurry(p.SymbolPrototypeValueOf);
  const TypedArrayPrototypeGetSymbolToStringTag = uncurry(p.TypedArrayPrototypeGetSymbolToStringTag);
  const WeakMapPrototypeHas = uncurry(p.WeakMapPrototypeHas);
  const WeakSetPrototypeHas = uncurry(p.WeakSetPrototypeHas);

  const intrinsics: Map<object, Intrinsic> = new p.Map();
  // Index reads, never destructuring or for-of: those would run the (replaceable) array iterator.
  for (let index = 0; index < p.intrinsicPrototypes.length; index += 3) {
    const kind = p.intrinsicPrototypes[index + 1] as string;
    MapPrototypeSet(intrinsics, p.intrinsicPrototypes[index] as object, { kind, constructor: p.intrinsicPrototypes[index + 2] as Function });
  }

  /** The well-known prototype `object` itself is, if any (for constructor names). */
  function intrinsicFor(prototype: object): Intrinsic | undefined {
    return MapPrototypeGet(intrinsics, prototype) as Intrinsic | undefined;
  }

  /** True when `check(value)` accepts `value` (the captured brand checks throw otherwise). */
  function passes(check: (value: unknown) => unknown, value: unknown): boolean {
    try {
      check(value);
      return true;
    } catch {
      return false;
    }
  }

  const confirm: Record<string, (value: unknown) => unknown> = {
    // No prototype: a kind name never reaches a guest's Object.prototype property.
    Map: MapPrototypeGetSize,
    Set: SetPrototypeGetSize,
    WeakMap: (value) => WeakMapPrototypeHas(value, value as object),
    WeakSet: (value) => WeakSetPrototypeHas(value, value as object),
    Date: DatePrototypeGetTime,
    RegExp: (value) => {
      if (value === p.RegExpPrototype) throw new p.TypeError('not a RegExp');
      return RegExpPrototypeGetSource(value);
    },
    ArrayBuffer: ArrayBufferPrototypeGetByteLength,
    SharedArrayBuffer: (value) => {
      if (p.SharedArrayBufferPrototypeGetByteLength === undefined) throw new p.TypeError('no SharedArrayBuffer');
      return uncurry(p.SharedArrayBufferPrototypeGetByteLength)(value);
    },
    Number: NumberPrototypeValueOf,
    String: StringPrototypeValueOf,
    Boolean: BooleanPrototypeValueOf,
    BigInt: BigIntPrototypeValueOf,
    Symbol: SymbolPrototypeValueOf,
  };
  p.ObjectSetPrototypeOf(confirm, null);

  /**
   * One of: `Array`, `Function` (any kind), `TypedArray`, `DataView`, `Error`, `Map`, `Set`,
   * `WeakMap`, `WeakSet`, `Date`, `RegExp`, `ArrayBuffer`, `SharedArrayBuffer`, `Promise`, the
   * boxed `Number` `String` `Boolean` `BigInt` `Symbol`, `MapIterator`, `SetIterator`, or
   * `Object` for everything else; `Primitive` for non-objects.
   */
  function kindOf(value: unknown): string {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return 'Primitive';
    if (typeof value === 'function') return 'Function';
    if (ArrayIsArray(value)) return 'Array';
    if (ArrayBufferIsView(value)) return TypedArrayPrototypeGetSymbolToStringTag(value) === undefined ? 'DataView' : 'TypedArray';
    if (isNativeError(value)) return 'Error';
    let current = ObjectGetPrototypeOf(value) as object | null;
    while (current !== null) {
      const intrinsic = intrinsicFor(current);
      if (intrinsic !== undefined) {
        const kind = intrinsic.kind;
        if (kind === 'Object') return 'Object';
        if (kind === 'Promise' || kind === 'Error' || kind === 'AggregateError' || kind === 'EvalError' || kind === 'RangeError' ||
          kind === 'ReferenceError' || kind === 'SyntaxError' || kind === 'TypeError' || kind === 'URIError') {
          return kind === 'Promise' ? 'Promise' : 'Error';
        }
        const check = confirm[kind];
        if (check !== undefined && passes(check, value)) return kind;
        return 'Object';
      }
      if (current === p.mapIteratorPrototype) return 'MapIterator';
      if (current === p.setIteratorPrototype) return 'SetIterator';
      current = ObjectGetPrototypeOf(current) as object | null;
    }
    return 'Object';
  }

  /** A Map's entries as `[key0, value0, key1, value1, …]`, read through captured iterators. */
  function mapEntries(map: unknown): unknown[] {
    const flat: unknown[] = [];
    const iterator = MapPrototypeEntries(map);
    for (;;) {
      const step = MapIteratorPrototypeNext(iterator);
      if (step.done) break;
      const entry = step.value as unknown as unknown[];
      ArrayPrototypePush(flat, entry[0], entry[1]);
    }
    return flat;
  }

  function setValues(set: unknown): unknown[] {
    const values: unknown[] = [];
    const iterator = SetPrototypeValues(set);
    for (;;) {
      const step = SetIteratorPrototypeNext(iterator);
      if (step.done) break;
      ArrayPrototypePush(values, step.value);
    }
    return values;
  }

  // Each flag's getter (`global` …), bound once: `flags` itself reads them through the regexp.
  const flagGetters: Array<[string, (regexp: unknown) => boolean]> = [];
  for (let index = 0; index < p.regExpFlagGetters.length; index += 2) {
    const read = p.regExpFlagGetters[index + 1] as Uncurryable<(regexp: unknown) => boolean>;
    ArrayPrototypePush(flagGetters, [p.regExpFlagGetters[index] as string, uncurry(read)]);
  }

  function regExpFlags(regexp: unknown): string {
    let flags = '';
    for (let index = 0; index < flagGetters.length; index++) {
      const entry = flagGetters[index] as [string, (regexp: unknown) => boolean];
      if (entry[1](regexp)) flags += entry[0];
    }
    return flags;
  }

  /** The primitive inside a boxed `Number`, `String`, `Boolean`, `BigInt` or `Symbol`. */
  function boxedValue(value: unknown, kind: string): unknown {
    return (confirm[kind] as (value: unknown) => unknown)(value);
  }

  return {
    kindOf,
    intrinsicFor,
    mapEntries,
    setValues,
    regExpFlags,
    boxedValue,
    isBoxedKind: (kind: string) => kind === 'Number' || kind === 'String' || kind === 'Boolean' || kind === 'BigInt' || kind === 'Symbol',
  };
}

/** What `guestTypes` gives the other prelude modules. */
export type GuestTypes = ReturnType<typeof guestTypes>;
