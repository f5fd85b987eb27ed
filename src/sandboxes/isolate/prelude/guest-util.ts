import type { Primordials } from './capture-primordials.ts';
import type { GuestDeepEqual } from './guest-deep-equal.ts';
import type { GuestErrors } from './guest-errors.ts';
import type { GuestFormat } from './guest-format.ts';
import type { GuestInspect } from './guest-inspect.ts';
import type { GuestTypes } from './guest-types.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): `require('util')` — `inspect`, `format`,
 * `formatWithOptions`, `isDeepStrictEqual`, `promisify`/`callbackify`, `inherits`, `deprecate`
 * (one warning per code), `types` (brand checks through the prelude's own kinds), `isArray`, and
 * the text codec classes.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestUtil(
  p: Primordials,
  formatter: GuestFormat,
  inspector: GuestInspect,
  types: GuestTypes,
  deep: GuestDeepEqual,
  errors: GuestErrors,
  codec: () => { TextEncoder: unknown; TextDecoder: unknown },
  warn: (message: string, type: string, code?: string) => void,
) {
  const { ObjectDefineProperty, ReflectApply, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypePop = uncurry(p.ArrayPrototypePop);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const ObjectPrototypeToString = uncurry(p.ObjectPrototypeToString);
  const PromisePrototypeThen = uncurry(p.PromisePrototypeThen);
  const TypedArrayPrototypeGetSymbolToStringTag = uncurry(p.TypedArrayPrototypeGetSymbolToStringTag);
  const customPromisify = p.SymbolFor('nodejs.util.promisify.custom');
  const warnedCodes: Record<string, true> = p.ObjectCreate(null);

  function promisify(original: unknown): Function {
    if (typeof original !== 'function') throw errors.invalidArgType('original', 'of type function', original, promisify);
    const custom = (original as unknown as Record<symbol, unknown>)[customPromisify];
    if (typeof custom === 'function') return custom;
    return function (this: unknown, ...args: unknown[]) {
      return new p.Promise((resolve, reject) => {
        ArrayPrototypePush(args, (error: unknown, value: unknown) => (error ? reject(error) : resolve(value)));
        ReflectApply(original, this, args);
      });
    };
  }
  ObjectDefineProperty(promisify, 'custom', { value: customPromisify, enumerable: true, configurable: true, writable: true });

  function callbackify(original: unknown): Function {
    if (typeof original !== 'function') throw errors.invalidArgType('original', 'of type function', original, callbackify);
    return function (this: unknown, ...args: unknown[]) {
      const callback = ArrayPrototypePop(args);
      if (typeof callback !== 'function') throw errors.invalidArgType('last argument', 'of type function', callback, callbackify);
      const promise = ReflectApply(p.PromiseResolve, p.Promise, [ReflectApply(original, this, args)]) as Promise<unknown>;
      PromisePrototypeThen(
        promise,
        (value: unknown) => ReflectApply(callback, undefined, [null, value]),
        (reason: unknown) => ReflectApply(callback, undefined, [reason || new p.Error(`${reason as string}`)]),
      );
    };
  }

  function inherits(constructor: unknown, superConstructor: unknown): void {
    if (typeof constructor !== 'function') throw errors.invalidArgType('ctor', 'of type function', constructor, inherits);
    if (typeof superConstructor !== 'function') throw errors.invalidArgType('superCtor', 'of type function', superConstructor, inherits);
    const prototype = (superConstructor as { prototype?: unknown }).prototype;
    if (prototype === undefined) throw errors.invalidArgType('superCtor.prototype', 'of type object', prototype, inherits);
    ObjectDefineProperty(constructor, 'super_', { value: superConstructor, writable: true, configurable: true });
    p.ObjectSetPrototypeOf((constructor as { prototype: object }).prototype, prototype as object);
  }

  function deprecate(fn: unknown, message: unknown, code?: unknown): Function {
    if (typeof fn !== 'function') throw errors.invalidArgType('fn', 'of type function', fn, deprecate);
    let warned = false;
    return function (this: unknown, ...args: unknown[]) {
      const key = typeof code === 'string' ? code : undefined;
      if (!warned && (key === undefined || warnedCodes[key] === undefined)) {
        warned = true;
        if (key !== undefined) warnedCodes[key] = true;
        warn(`${message as string}`, 'DeprecationWarning', key);
      }
      return new.target === undefined ? ReflectApply(fn, this, args) : p.ReflectConstruct(fn, args, new.target);
    };
  }

  const kindIs = (kind: string) => (value: unknown) => types.kindOf(value) === kind;
  const typedKind = (name: string) => (value: unknown) => TypedArrayPrototypeGetSymbolToStringTag(value) === name;
  const tagIs = (tag: string) => (value: unknown) => typeof value === 'function' && ObjectPrototypeToString(value) === tag;
  const utilTypes = {
    isAnyArrayBuffer: (value: unknown) => kindIs('ArrayBuffer')(value) || kindIs('SharedArrayBuffer')(value),
    isArrayBuffer: kindIs('ArrayBuffer'),
    isArrayBufferView: (value: unknown) => p.ArrayBufferIsView(value),
    isAsyncFunction: (value: unknown) => tagIs('[object AsyncFunction]')(value) || tagIs('[object AsyncGeneratorFunction]')(value),
    isBigInt64Array: typedKind('BigInt64Array'),
    isBigIntObject: kindIs('BigInt'),
    isBigUint64Array: typedKind('BigUint64Array'),
    isBooleanObject: kindIs('Boolean'),
    isBoxedPrimitive: (value: unknown) => types.isBoxedKind(types.kindOf(value)),
    isDataView: kindIs('DataView'),
    isDate: kindIs('Date'),
    isFloat32Array: typedKind('Float32Array'),
    isFloat64Array: typedKind('Float64Array'),
    isGeneratorFunction: (value: unknown) => tagIs('[object GeneratorFunction]')(value) || tagIs('[object AsyncGeneratorFunction]')(value),
    isInt8Array: typedKind('Int8Array'),
    isInt16Array: typedKind('Int16Array'),
    isInt32Array: typedKind('Int32Array'),
    isMap: kindIs('Map'),
    isMapIterator: kindIs('MapIterator'),
    isNativeError: (value: unknown) => p.isNativeError(value),
    isNumberObject: kindIs('Number'),
    isPromise: kindIs('Promise'),
    isRegExp: kindIs('RegExp'),
    isSet: kindIs('Set'),
    isSetIterator: kindIs('SetIterator'),
    isSharedArrayBuffer: kindIs('SharedArrayBuffer'),
    isStringObject: kindIs('String'),
    isSymbolObject: kindIs('Symbol'),
    isTypedArray: (value: unknown) => TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined,
    isUint8Array: typedKind('Uint8Array'),
    isUint8ClampedArray: typedKind('Uint8ClampedArray'),
    isUint16Array: typedKind('Uint16Array'),
    isUint32Array: typedKind('Uint32Array'),
    isWeakMap: kindIs('WeakMap'),
    isWeakSet: kindIs('WeakSet'),
  };

  const util = {
    format: formatter.format,
    formatWithOptions: (options: unknown, ...args: unknown[]) => {
      if (options === null || typeof options !== 'object') {
        throw errors.invalidArgType('inspectOptions', 'of type object', options, util.formatWithOptions);
      }
      return formatter.formatWithOptions(options, args);
    },
    inherits,
    inspect: inspector.inspect,
    isArray: deprecate((value: unknown) => p.ArrayIsArray(value), 'The `util.isArray` API is deprecated. Please use `Array.isArray()` instead.', 'DEP0044'),
    isDeepStrictEqual: deep.isDeepStrictEqual,
    promisify,
    callbackify,
    deprecate,
    types: utilTypes,
    TextEncoder: undefined as unknown,
    TextDecoder: undefined as unknown,
  };
  const classes = codec();
  util.TextEncoder = classes.TextEncoder;
  util.TextDecoder = classes.TextDecoder;
  return util;
}
