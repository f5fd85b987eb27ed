import type { Primordials } from './capture-primordials.ts';
import type { GuestTypes } from './guest-types.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): Node's deep equality — `isDeepStrictEqual`
 * (same prototypes, `Object.is` for primitives, enumerable symbol keys) and the loose `deepEqual`
 * (`==` for primitives, prototypes ignored) — over arrays (holes count), plain objects, Maps and
 * Sets (unordered, deep keys), Dates, RegExps, errors (name, message, cause), boxed primitives,
 * typed arrays and buffers (bytes); WeakMaps, WeakSets and promises equal only themselves.
 * Cycles compare equal when both sides cycle back to the same pair.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestDeepEqual(p: Primordials, types: GuestTypes) {
  const {
    ObjectGetOwnPropertySymbols,
    ObjectGetPrototypeOf,
    ObjectIs,
    ObjectKeys,
    uncurry,
  } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypePop = uncurry(p.ArrayPrototypePop);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const DataViewPrototypeGetBuffer = uncurry(p.DataViewPrototypeGetBuffer);
  const DataViewPrototypeGetByteLength = uncurry(p.DataViewPrototypeGetByteLength);
  const DataViewPrototypeGetByteOffset = uncurry(p.DataViewPrototypeGetByteOffset);
  const DatePrototypeGetTime = uncurry(p.DatePrototypeGetTime);
  const MapPrototypeGet = uncurry(p.MapPrototypeGet);
  const MapPrototypeGetSize = uncurry(p.MapPrototypeGetSize);
  const MapPrototypeHas = uncurry(p.MapPrototypeHas);
  const ObjectPrototypeHasOwnProperty = uncurry(p.ObjectPrototypeHasOwnProperty);
  const ObjectPrototypePropertyIsEnumerable = uncurry(p.ObjectPrototypePropertyIsEnumerable);
  const ObjectPrototypeToString = uncurry(p.ObjectPrototypeToString);
  const RegExpPrototypeGetSource = uncurry(p.RegExpPrototypeGetSource);
  const SetPrototypeGetSize = uncurry(p.SetPrototypeGetSize);
  const SetPrototypeHas = uncurry(p.SetPrototypeHas);
  const StringPrototypeCharCodeAt = uncurry(p.StringPrototypeCharCodeAt);
  const TypedArrayPrototypeGetBuffer = uncurry(p.TypedArrayPrototypeGetBuffer);
  const TypedArrayPrototypeGetByteLength = uncurry(p.TypedArrayPrototypeGetByteLength);
  const TypedArrayPrototypeGetByteOffset = uncurry(p.TypedArrayPrototypeGetByteOffset);
  const TypedArrayPrototypeGetLength = uncurry(p.TypedArrayPrototypeGetLength);
  const TypedArrayPrototypeGetSymbolToStringTag = uncurry(p.TypedArrayPrototypeGetSymbolToStringTag);
  const own = (object: object, key: PropertyKey) => ObjectPrototypeHasOwnProperty(object, key);

  /** The pairs being compared right now, to end cycles: `left[i]` is being compared with `right[i]`. */
  interface Memo {
    left: object[];
    right: object[];
  }

  function isDeepEqual(a: unknown, b: unknown, strict: boolean): boolean {
    return inner(a, b, strict, { left: [], right: [] });
  }

  function inner(a: unknown, b: unknown, strict: boolean, memo: Memo): boolean {
    if (a === b) return a !== 0 || ObjectIs(a, b) || !strict;
    if (strict) {
      if (typeof a === 'number') return a !== a && b !== b;
      if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    } else {
      if (a === null || typeof a !== 'object') {
        // eslint-disable-next-line eqeqeq
        return (b === null || typeof b !== 'object') && (a == b || (a !== a && b !== b));
      }
      if (b === null || typeof b !== 'object') return false;
    }
    const left = a as object;
    const right = b as object;
    for (let index = 0; index < memo.left.length; index++) {
      if (memo.left[index] === left) return memo.right[index] === right;
      if (memo.right[index] === right) return false;
    }
    ArrayPrototypePush(memo.left, left);
    ArrayPrototypePush(memo.right, right);
    try {
      return compareObjects(left, right, strict, memo);
    } finally {
      ArrayPrototypePop(memo.left);
      ArrayPrototypePop(memo.right);
    }
  }

  function compareObjects(a: object, b: object, strict: boolean, memo: Memo): boolean {
    if (strict && ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false;
    const kind = types.kindOf(a);
    if (kind !== types.kindOf(b)) return false;
    switch (kind) {
      case 'Array':
        return compareArrays(a as unknown[], b as unknown[], strict, memo);
      case 'Set':
        if (SetPrototypeGetSize(a) !== SetPrototypeGetSize(b)) return false;
        return compareKeys(a, b, strict, memo) && compareSets(a, b, strict, memo);
      case 'Map':
        if (MapPrototypeGetSize(a) !== MapPrototypeGetSize(b)) return false;
        return compareKeys(a, b, strict, memo) && compareMaps(a, b, strict, memo);
      case 'TypedArray':
        if (TypedArrayPrototypeGetSymbolToStringTag(a) !== TypedArrayPrototypeGetSymbolToStringTag(b)) return false;
        if (!compareTypedArrays(a as ArrayLike<number>, b as ArrayLike<number>, strict)) return false;
        return compareKeys(a, b, strict, memo, true);
      case 'DataView':
        if (!compareBytes(viewBytes(a), viewBytes(b))) return false;
        return compareKeys(a, b, strict, memo);
      case 'ArrayBuffer':
      case 'SharedArrayBuffer':
        if (!compareBytes(new p.Uint8Array(a as ArrayBuffer), new p.Uint8Array(b as ArrayBuffer))) return false;
        return compareKeys(a, b, strict, memo);
      case 'Date': {
        const first = DatePrototypeGetTime(a);
        const second = DatePrototypeGetTime(b);
        if (first !== second && (first === first || second === second)) return false;
        return compareKeys(a, b, strict, memo);
      }
      case 'RegExp':
        if (
          RegExpPrototypeGetSource(a) !== RegExpPrototypeGetSource(b) ||
          types.regExpFlags(a) !== types.regExpFlags(b) ||
          (a as RegExp).lastIndex !== (b as RegExp).lastIndex
        ) {
          return false;
        }
        return compareKeys(a, b, strict, memo);
      case 'Error':
        // The stack may differ between otherwise identical errors: it is not compared.
        if (
          !sameHiddenOrKeyed(a, b, 'message', strict, memo) ||
          !sameHiddenOrKeyed(a, b, 'name', strict, memo) ||
          !sameHiddenOrKeyed(a, b, 'cause', strict, memo) ||
          !sameHiddenOrKeyed(a, b, 'errors', strict, memo) ||
          own(a, 'cause') !== own(b, 'cause')
        ) {
          return false;
        }
        return compareKeys(a, b, strict, memo);
      case 'Number':
      case 'String':
      case 'Boolean':
      case 'BigInt':
      case 'Symbol':
        if (!ObjectIs(types.boxedValue(a, kind), types.boxedValue(b, kind))) return false;
        return compareKeys(a, b, strict, memo);
      case 'WeakMap':
      case 'WeakSet':
      case 'Promise':
        return false;
      default:
        if (ObjectPrototypeToString(a) !== ObjectPrototypeToString(b)) return false;
        return compareKeys(a, b, strict, memo);
    }
  }

  /** A non-enumerable error field (`message` …) compared on its own, unless keys cover it. */
  function sameHiddenOrKeyed(a: object, b: object, key: string, strict: boolean, memo: Memo): boolean {
    if (ObjectPrototypePropertyIsEnumerable(b, key)) return true;
    return inner((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], strict, memo);
  }

  /** Own enumerable keys (with symbols when strict; indices skipped for arrays) and their values. */
  function compareKeys(a: object, b: object, strict: boolean, memo: Memo, skipIndices = false): boolean {
    const keysA = keysOf(a, strict, skipIndices);
    const keysB = keysOf(b, strict, skipIndices);
    if (keysA.length !== keysB.length) return false;
    for (let index = 0; index < keysB.length; index++) {
      const key = keysB[index] as string | symbol;
      if (!own(a, key) || !ObjectPrototypePropertyIsEnumerable(a, key)) return false;
      if (!inner((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key], strict, memo)) return false;
    }
    return true;
  }

  function keysOf(value: object, strict: boolean, skipIndices: boolean): Array<string | symbol> {
    const names = ObjectKeys(value);
    const keys: Array<string | symbol> = [];
    for (let index = 0; index < names.length; index++) {
      const name = names[index] as string;
      if (!skipIndices || !isIndex(name)) ArrayPrototypePush(keys, name);
    }
    if (strict) {
      const symbols = ObjectGetOwnPropertySymbols(value);
      for (let index = 0; index < symbols.length; index++) {
        const symbol = symbols[index] as symbol;
        if (ObjectPrototypePropertyIsEnumerable(value, symbol)) ArrayPrototypePush(keys, symbol);
      }
    }
    return keys;
  }

  function isIndex(name: string): boolean {
    if (name.length === 0) return false;
    for (let index = 0; index < name.length; index++) {
      const code = StringPrototypeCharCodeAt(name, index);
      if (code < 48 || code > 57) return false;
    }
    return name.length === 1 || StringPrototypeCharCodeAt(name, 0) !== 48;
  }

  function compareArrays(a: unknown[], b: unknown[], strict: boolean, memo: Memo): boolean {
    if (a.length !== b.length) return false;
    if (!compareKeys(a, b, strict, memo, true)) return false;
    for (let index = 0; index < a.length; index++) {
      const hasA = own(a, index);
      if (hasA !== own(b, index)) return false;
      if (hasA && !inner(a[index], b[index], strict, memo)) return false;
    }
    return true;
  }

  function compareTypedArrays(a: ArrayLike<number>, b: ArrayLike<number>, strict: boolean): boolean {
    const kind = TypedArrayPrototypeGetSymbolToStringTag(a) as string;
    if (!strict && (kind === 'Float32Array' || kind === 'Float64Array' || kind === 'Float16Array')) {
      // Loosely, floats compare as numbers (0 equals -0, NaN equals nothing).
      const length = TypedArrayPrototypeGetLength(a);
      if (length !== TypedArrayPrototypeGetLength(b)) return false;
      for (let index = 0; index < length; index++) if (a[index] !== b[index]) return false;
      return true;
    }
    if (TypedArrayPrototypeGetByteLength(a) !== TypedArrayPrototypeGetByteLength(b)) return false;
    return compareBytes(viewBytes(a), viewBytes(b));
  }

  function viewBytes(view: object): Uint8Array {
    if (TypedArrayPrototypeGetSymbolToStringTag(view) !== undefined) {
      return new p.Uint8Array(TypedArrayPrototypeGetBuffer(view), TypedArrayPrototypeGetByteOffset(view), TypedArrayPrototypeGetByteLength(view));
    }
    return new p.Uint8Array(DataViewPrototypeGetBuffer(view), DataViewPrototypeGetByteOffset(view), DataViewPrototypeGetByteLength(view));
  }

  function compareBytes(a: Uint8Array, b: Uint8Array): boolean {
    const length = TypedArrayPrototypeGetLength(a);
    if (length !== TypedArrayPrototypeGetLength(b)) return false;
    for (let index = 0; index < length; index++) if (a[index] !== b[index]) return false;
    return true;
  }

  const isPrimitive = (value: unknown) => value === null || typeof value !== 'object';

  /**
   * Sets of equal size: values of one missing from the other must pair up one to one with
   * deep-equal values (strictly, a missing primitive can never pair up).
   */
  function compareSets(a: object, b: object, strict: boolean, memo: Memo): boolean {
    const pending: unknown[] = [];
    const valuesB = types.setValues(b);
    for (let index = 0; index < valuesB.length; index++) {
      const value = valuesB[index];
      if (SetPrototypeHas(a, value)) continue;
      if (strict && isPrimitive(value)) return false;
      ArrayPrototypePush(pending, value);
    }
    if (pending.length === 0) return true;
    const valuesA = types.setValues(a);
    for (let index = 0; index < valuesA.length; index++) {
      const value = valuesA[index];
      if (SetPrototypeHas(b, value)) continue;
      if (strict && isPrimitive(value)) return false;
      if (!takeMatch(pending, (candidate) => inner(value, candidate, strict, memo))) return false;
    }
    return pending.length === 0;
  }

  function compareMaps(a: object, b: object, strict: boolean, memo: Memo): boolean {
    const pending: unknown[] = [];
    const entriesB = types.mapEntries(b);
    for (let index = 0; index < entriesB.length; index += 2) {
      const key = entriesB[index];
      const value = entriesB[index + 1];
      if (!isPrimitive(key)) {
        ArrayPrototypePush(pending, key);
        continue;
      }
      if (MapPrototypeHas(a, key) && inner(MapPrototypeGet(a, key), value, strict, memo)) continue;
      if (strict) return false;
      ArrayPrototypePush(pending, key);
    }
    if (pending.length === 0) return true;
    const entriesA = types.mapEntries(a);
    for (let index = 0; index < entriesA.length; index += 2) {
      const key = entriesA[index];
      const value = entriesA[index + 1];
      if (isPrimitive(key) && MapPrototypeHas(b, key) && inner(value, MapPrototypeGet(b, key), strict, memo)) continue;
      if (strict && isPrimitive(key)) return false;
      const matched = takeMatch(pending, (candidate) => inner(key, candidate, strict, memo) && inner(value, MapPrototypeGet(b, candidate), strict, memo));
      if (!matched) return false;
    }
    return pending.length === 0;
  }

  /** Remove and report the first pending entry `matches` accepts. */
  function takeMatch(pending: unknown[], matches: (candidate: unknown) => boolean): boolean {
    for (let index = 0; index < pending.length; index++) {
      if (!matches(pending[index])) continue;
      pending[index] = pending[pending.length - 1];
      ArrayPrototypePop(pending);
      return true;
    }
    return false;
  }

  return {
    isDeepStrictEqual: (a: unknown, b: unknown) => isDeepEqual(a, b, true),
    isDeepLooseEqual: (a: unknown, b: unknown) => isDeepEqual(a, b, false),
  };
}

/** What `guestDeepEqual` gives the other prelude modules. */
export type GuestDeepEqual = ReturnType<typeof guestDeepEqual>;
