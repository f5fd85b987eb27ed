/**
 * Guest prelude module (see `guest-prelude.ts`): every built-in the prelude relies on, captured
 * before any guest code exists. Guest code may replace globals and prototype methods
 * (`Object.is = () => true`, `Array.prototype.push = …`); the prelude only ever calls these
 * captured references — prototype methods through `uncurry` (`ArrayPrototypePush(list, item)`,
 * bound with the captured `bind` and `call` by each module when it is first used) — so what
 * assert, inspect, console, timers and events compute cannot change.
 *
 * Like every prelude module this function is serialized with `.toString()` and joined into one
 * script: it must reference nothing outside itself but ECMAScript globals, read here, once.
 */
export function capturePrimordials() {
  const reflectApply = Reflect.apply;
  const bind = Function.prototype.bind;
  const call = Function.prototype.call;
  // A prototype method, kept as it is: binding ~100 methods here would put as many bound
  // functions in every isolate's snapshot, which costs more per run than binding on first use.
  const method = <T extends (...args: any[]) => any>(fn: T) =>
    fn as unknown as Uncurryable<(receiver: unknown, ...args: Parameters<T>) => ReturnType<T>>;
  const getter = <R>(target: object, key: PropertyKey) =>
    (Object.getOwnPropertyDescriptor(target, key) as PropertyDescriptor).get as unknown as Uncurryable<(receiver: unknown) => R>;
  /** `uncurry(method)(receiver, ...args)` calls `method` on `receiver`, looking nothing up. */
  const uncurry = <F>(fn: Uncurryable<F>): F => reflectApply(bind, call, [fn]) as F;

  const TypedArray = Object.getPrototypeOf(Uint8Array) as typeof Uint8Array;
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as Function;
  const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as Function;
  const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor as Function;
  // Flag letters and their getters, flat (one array is cheaper in the snapshot than eight).
  const regExpFlagGetters: Array<string | Uncurryable<(regexp: unknown) => boolean>> = [];
  for (const [flag, name] of [['d', 'hasIndices'], ['g', 'global'], ['i', 'ignoreCase'], ['m', 'multiline'], ['s', 'dotAll'], ['u', 'unicode'], ['v', 'unicodeSets'], ['y', 'sticky']] as const) {
    if (Object.getOwnPropertyDescriptor(RegExp.prototype, name)) regExpFlagGetters.push(flag, getter<boolean>(RegExp.prototype, name));
  }
  const mapIterator = Object.getPrototypeOf(new Map().entries());
  const setIterator = Object.getPrototypeOf(new Set().values());
  const errorIsError = (Error as unknown as { isError?: (value: unknown) => boolean }).isError;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const ErrorConstructor = Error;

  const primordials = {
    globalThis,
    uncurry,
    regExpFlagGetters,
    // Intrinsic prototypes, by the kind of object whose chain they end: prototype, kind, constructor.
    intrinsicPrototypes: [
      Array.prototype, 'Array', Array,
      ArrayBuffer.prototype, 'ArrayBuffer', ArrayBuffer,
      Function.prototype, 'Function', Function,
      AsyncFunction.prototype, 'AsyncFunction', AsyncFunction,
      GeneratorFunction.prototype, 'GeneratorFunction', GeneratorFunction,
      AsyncGeneratorFunction.prototype, 'AsyncGeneratorFunction', AsyncGeneratorFunction,
      Map.prototype, 'Map', Map,
      Set.prototype, 'Set', Set,
      WeakMap.prototype, 'WeakMap', WeakMap,
      WeakSet.prototype, 'WeakSet', WeakSet,
      Object.prototype, 'Object', Object,
      TypedArray.prototype, 'TypedArray', TypedArray,
      RegExp.prototype, 'RegExp', RegExp,
      Date.prototype, 'Date', Date,
      DataView.prototype, 'DataView', DataView,
      Error.prototype, 'Error', Error,
      AggregateError.prototype, 'AggregateError', AggregateError,
      EvalError.prototype, 'EvalError', EvalError,
      RangeError.prototype, 'RangeError', RangeError,
      ReferenceError.prototype, 'ReferenceError', ReferenceError,
      SyntaxError.prototype, 'SyntaxError', SyntaxError,
      TypeError.prototype, 'TypeError', TypeError,
      URIError.prototype, 'URIError', URIError,
      Boolean.prototype, 'Boolean', Boolean,
      Number.prototype, 'Number', Number,
      String.prototype, 'String', String,
      BigInt.prototype, 'BigInt', BigInt,
      Symbol.prototype, 'Symbol', Symbol,
      Promise.prototype, 'Promise', Promise,
      ...(typeof SharedArrayBuffer === 'function' ? [SharedArrayBuffer.prototype, 'SharedArrayBuffer', SharedArrayBuffer] : []),
    ] as ReadonlyArray<object | string | Function>,
    mapIteratorPrototype: mapIterator as object,
    setIteratorPrototype: setIterator as object,
    // Constructors, for `new`, brand checks and OrdinaryHasInstance.
    Array,
    ArrayBuffer,
    BigInt,
    DataView,
    Date,
    Error,
    Function,
    Int32Array,
    Map,
    Number,
    Promise,
    RangeError,
    RegExp,
    Set,
    String,
    Symbol,
    TypeError,
    Uint8Array,
    WeakMap,
    WeakSet,

    ObjectCreate: Object.create,
    ObjectDefineProperty: Object.defineProperty,
    ObjectGetOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
    ObjectGetOwnPropertyNames: Object.getOwnPropertyNames,
    ObjectGetOwnPropertySymbols: Object.getOwnPropertySymbols,
    ObjectGetPrototypeOf: Object.getPrototypeOf,
    ObjectIs: Object.is,
    ObjectKeys: Object.keys,
    ObjectSetPrototypeOf: Object.setPrototypeOf,
    ObjectPrototypeHasOwnProperty: method(Object.prototype.hasOwnProperty),
    ObjectPrototypeIsPrototypeOf: method(Object.prototype.isPrototypeOf),
    ObjectPrototypePropertyIsEnumerable: method(Object.prototype.propertyIsEnumerable),
    ObjectPrototypeToString: method(Object.prototype.toString),

    FunctionPrototype: Function.prototype,
    FunctionPrototypeToString: method(Function.prototype.toString),
    /** `OrdinaryHasInstance`: `instanceof` without a constructor's own `Symbol.hasInstance`. */
    FunctionPrototypeSymbolHasInstance: method(hasInstance as (this: Function, value: unknown) => boolean),

    ReflectApply: Reflect.apply,
    ReflectConstruct: Reflect.construct,
    ReflectOwnKeys: Reflect.ownKeys,

    ArrayIsArray: Array.isArray,
    ArrayPrototypeIncludes: method(Array.prototype.includes),
    ArrayPrototypeIndexOf: method(Array.prototype.indexOf),
    ArrayPrototypeJoin: method(Array.prototype.join),
    ArrayPrototypePop: method(Array.prototype.pop),
    ArrayPrototypePush: method(Array.prototype.push),
    ArrayPrototypeSort: method(Array.prototype.sort),

    StringFromCharCode: String.fromCharCode,
    StringPrototypeCharCodeAt: method(String.prototype.charCodeAt),
    StringPrototypeCodePointAt: method(String.prototype.codePointAt),
    StringPrototypeEndsWith: method(String.prototype.endsWith),
    StringPrototypeIncludes: method(String.prototype.includes),
    StringPrototypeIndexOf: method(String.prototype.indexOf),
    StringPrototypePadEnd: method(String.prototype.padEnd),
    StringPrototypePadStart: method(String.prototype.padStart),
    StringPrototypeRepeat: method(String.prototype.repeat),
    StringPrototypeSlice: method(String.prototype.slice),
    StringPrototypeStartsWith: method(String.prototype.startsWith),
    StringPrototypeToLowerCase: method(String.prototype.toLowerCase),
    StringPrototypeToWellFormed: method(String.prototype.toWellFormed),
    StringPrototypeTrimEnd: method(String.prototype.trimEnd),
    StringPrototypeValueOf: method(String.prototype.valueOf),

    NumberIsNaN: Number.isNaN,
    NumberParseFloat: Number.parseFloat,
    NumberParseInt: Number.parseInt,
    NumberPrototypeToString: method(Number.prototype.toString),
    NumberPrototypeValueOf: method(Number.prototype.valueOf),
    BigIntPrototypeValueOf: method(BigInt.prototype.valueOf),
    BooleanPrototypeValueOf: method(Boolean.prototype.valueOf),
    SymbolPrototypeToString: method(Symbol.prototype.toString),
    SymbolPrototypeValueOf: method(Symbol.prototype.valueOf),
    SymbolFor: Symbol.for,
    SymbolAsyncIterator: Symbol.asyncIterator as typeof Symbol.asyncIterator,
    SymbolHasInstance: Symbol.hasInstance as typeof Symbol.hasInstance,
    SymbolToPrimitive: Symbol.toPrimitive as typeof Symbol.toPrimitive,
    SymbolToStringTag: Symbol.toStringTag as typeof Symbol.toStringTag,

    MathFloor: Math.floor,
    MathMax: Math.max,
    MathMin: Math.min,
    MathRound: Math.round,
    MathSqrt: Math.sqrt,
    MathTrunc: Math.trunc,
    JSONStringify: JSON.stringify,

    MapPrototypeDelete: method(Map.prototype.delete),
    MapPrototypeEntries: method(Map.prototype.entries),
    MapPrototypeGet: method(Map.prototype.get),
    MapPrototypeGetSize: getter<number>(Map.prototype, 'size'),
    MapPrototypeHas: method(Map.prototype.has),
    MapPrototypeSet: method(Map.prototype.set),
    MapIteratorPrototypeNext: mapIterator.next as Uncurryable<(iterator: unknown) => IteratorResult<[unknown, unknown]>>,
    SetPrototypeGetSize: getter<number>(Set.prototype, 'size'),
    SetPrototypeHas: method(Set.prototype.has),
    SetPrototypeValues: method(Set.prototype.values),
    SetIteratorPrototypeNext: setIterator.next as Uncurryable<(iterator: unknown) => IteratorResult<unknown>>,
    WeakMapPrototypeGet: method(WeakMap.prototype.get),
    WeakMapPrototypeHas: method(WeakMap.prototype.has),
    WeakMapPrototypeSet: method(WeakMap.prototype.set),
    WeakSetPrototypeHas: method(WeakSet.prototype.has),

    DateNow: Date.now,
    DatePrototypeGetTime: method(Date.prototype.getTime),
    DatePrototypeToISOString: method(Date.prototype.toISOString),
    DatePrototypeToString: method(Date.prototype.toString),
    RegExpPrototype: RegExp.prototype,
    RegExpPrototypeExec: method(RegExp.prototype.exec),
    RegExpPrototypeGetSource: getter<string>(RegExp.prototype, 'source'),
    ErrorCaptureStackTrace: (Error as unknown as { captureStackTrace: (target: object, start?: Function) => void })
      .captureStackTrace,
    ErrorPrototypeToString: method(Error.prototype.toString),
    /** `Error.isError` where V8 has it; the prototype chain otherwise. */
    isNativeError: (errorIsError ? errorIsError : (value: unknown) => reflectApply(hasInstance, ErrorConstructor, [value]) as boolean) as (value: unknown) => boolean,

    PromisePrototypeThen: method(Promise.prototype.then),
    PromiseResolve: Promise.resolve,

    ArrayBufferIsView: ArrayBuffer.isView,
    ArrayBufferPrototypeGetByteLength: getter<number>(ArrayBuffer.prototype, 'byteLength'),
    DataViewPrototypeGetBuffer: getter<ArrayBuffer>(DataView.prototype, 'buffer'),
    DataViewPrototypeGetByteLength: getter<number>(DataView.prototype, 'byteLength'),
    DataViewPrototypeGetByteOffset: getter<number>(DataView.prototype, 'byteOffset'),
    TypedArrayPrototypeGetBuffer: getter<ArrayBuffer>(TypedArray.prototype, 'buffer'),
    TypedArrayPrototypeGetByteLength: getter<number>(TypedArray.prototype, 'byteLength'),
    TypedArrayPrototypeGetByteOffset: getter<number>(TypedArray.prototype, 'byteOffset'),
    TypedArrayPrototypeGetLength: getter<number>(TypedArray.prototype, 'length'),
    /** The typed array's kind (`'Uint8Array'` …), or undefined for anything else: a brand check. */
    TypedArrayPrototypeGetSymbolToStringTag: getter<string | undefined>(TypedArray.prototype, Symbol.toStringTag),
    SharedArrayBufferPrototypeGetByteLength:
      typeof SharedArrayBuffer === 'function'
        ? getter<number>(SharedArrayBuffer.prototype, 'byteLength')
        : undefined,
  };
  // Handed out as a dictionary-mode copy (what `Object.create(null)` makes), not frozen: an
  // object with this many named properties in fast mode, or frozen, costs every isolate made from
  // the worker's snapshot measurably more to deserialize. Modules read it once, when built.
  const captured = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(primordials)) captured[key] = (primordials as Record<string, unknown>)[key];
  return captured as typeof primordials;
}

/** The captured built-ins, as every other prelude module receives them. */
export type Primordials = ReturnType<typeof capturePrimordials>;

/**
 * A captured prototype method, callable only through `p.uncurry(method)` as `(receiver, ...args)`.
 * A mark for the type checker: the value is the method itself.
 */
export interface Uncurryable<F> {
  readonly uncurried: F;
}
