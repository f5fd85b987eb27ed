import type { Primordials } from './capture-primordials.ts';
import type { GuestInspect, InspectOptions } from './guest-inspect.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): `util.format` and `util.formatWithOptions`, what
 * `console.log` prints with: Node's `%s %d %i %f %j %o %O %c %%` and the rest of the arguments
 * joined by spaces. Strings, numbers and the other primitives need nothing more; the inspect
 * module is built only when an object has to be shown (most programs never need it).
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestFormat(p: Primordials, getInspector: () => GuestInspect) {
  const { JSONStringify, NumberParseFloat, NumberParseInt, ObjectGetPrototypeOf, ObjectIs, SymbolToPrimitive, uncurry } = p;
  const ArrayPrototypeIncludes = uncurry(p.ArrayPrototypeIncludes);
  const FunctionPrototypeSymbolHasInstance = uncurry(p.FunctionPrototypeSymbolHasInstance);
  const ObjectPrototypeHasOwnProperty = uncurry(p.ObjectPrototypeHasOwnProperty);
  const StringPrototypeCharCodeAt = uncurry(p.StringPrototypeCharCodeAt);
  const StringPrototypeSlice = uncurry(p.StringPrototypeSlice);
  const StringPrototypeStartsWith = uncurry(p.StringPrototypeStartsWith);
  const SymbolPrototypeToString = uncurry(p.SymbolPrototypeToString);
  const StringConstructor = p.String;
  const NumberConstructor = p.Number;
  const TypeErrorConstructor = p.TypeError;
  const own = (object: object, key: PropertyKey) => ObjectPrototypeHasOwnProperty(object, key);
  const inspect = (value: unknown, options?: InspectOptions) => getInspector().inspect(value, options);

  /** Node's global constructors, whose toString `%s` does not call (it inspects instead). */
  let names: string[] | undefined;
  const builtInNames = () =>
    (names ??= [
      'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'Date', 'Promise', 'RegExp', 'Error', 'AggregateError',
      'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError', 'JSON', 'Math', 'Intl', 'ArrayBuffer',
      'Atomics', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'BigUint64Array', 'BigInt64Array',
      'Uint8ClampedArray', 'Float32Array', 'Float64Array', 'DataView', 'Map', 'BigInt', 'Set', 'Iterator', 'WeakMap', 'WeakSet', 'Proxy',
      'Reflect', 'FinalizationRegistry', 'WeakRef', 'Buffer', 'URL', 'URLSearchParams', 'DOMException', 'AbortController',
      'AbortSignal', 'Event', 'EventTarget', 'TextEncoder', 'TextDecoder', 'Blob', 'File', 'FormData', 'Headers', 'Request',
      'Response', 'SharedArrayBuffer', 'Float16Array',
    ]);

  function formatNumber(value: number): string {
    return ObjectIs(value, -0) ? '-0' : `${value}`;
  }

  /** What inspect prints for a value, building the inspect module only for objects. */
  function show(value: unknown, options?: InspectOptions): string {
    switch (typeof value) {
      case 'number':
        return formatNumber(value);
      case 'bigint':
        return `${value}n`;
      case 'boolean':
        return `${value}`;
      case 'undefined':
        return 'undefined';
      case 'symbol':
        return SymbolPrototypeToString(value);
    }
    if (value === null) return 'null';
    return inspect(value, options);
  }

  /** `%s` prints objects without a toString of their own through inspect. */
  function hasBuiltInToString(value: object): boolean {
    let checkToString = true;
    let checkToPrimitive = true;
    const record = value as Record<PropertyKey, unknown>;
    if (typeof record.toString !== 'function') {
      if (typeof record[SymbolToPrimitive] !== 'function') return true;
      if (own(value, SymbolToPrimitive)) return false;
      checkToString = false;
    } else if (own(value, 'toString')) {
      return false;
    } else if (typeof record[SymbolToPrimitive] !== 'function') {
      checkToPrimitive = false;
    } else if (own(value, SymbolToPrimitive)) {
      return false;
    }
    let pointer: object | null = value;
    do {
      pointer = ObjectGetPrototypeOf(pointer);
      if (pointer === null) return true;
    } while (!(checkToString && own(pointer, 'toString')) && !(checkToPrimitive && own(pointer, SymbolToPrimitive)));
    const descriptor = p.ObjectGetOwnPropertyDescriptor(pointer, 'constructor');
    if (descriptor === undefined || own(descriptor, 'get') || typeof descriptor.value !== 'function') return false;
    return ArrayPrototypeIncludes(builtInNames(), (descriptor.value as Function).name);
  }

  function stringify(value: unknown): string {
    try {
      return JSONStringify(value) as string;
    } catch (error) {
      const text = error !== null && typeof error === 'object' ? (error as { message?: unknown }).message : undefined;
      if (
        FunctionPrototypeSymbolHasInstance(TypeErrorConstructor, error) &&
        typeof text === 'string' &&
        StringPrototypeStartsWith(text, 'Converting circular structure to JSON')
      ) {
        return '[Circular]';
      }
      throw error;
    }
  }

  function formatWithOptions(options: InspectOptions | undefined, args: unknown[]): string {
    const first = args[0];
    let argument = 0;
    let text = '';
    let join = '';
    if (typeof first === 'string') {
      if (args.length === 1) return first;
      let lastPosition = 0;
      for (let index = 0; index < first.length - 1; index++) {
        if (StringPrototypeCharCodeAt(first, index) !== 37) continue;
        const next = StringPrototypeCharCodeAt(first, ++index);
        if (argument + 1 !== args.length) {
          let replacement: string;
          switch (next) {
            case 115: {
              // %s
              const value = args[++argument];
              if (typeof value === 'number') replacement = formatNumber(value);
              else if (typeof value === 'bigint') replacement = `${value}n`;
              else if (typeof value !== 'object' || value === null || !hasBuiltInToString(value)) replacement = StringConstructor(value);
              else replacement = inspect(value, { ...options, compact: 3, depth: 0 });
              break;
            }
            case 106:
              // %j
              replacement = stringify(args[++argument]);
              break;
            case 100: {
              // %d
              const value = args[++argument];
              if (typeof value === 'bigint') replacement = `${value}n`;
              else if (typeof value === 'symbol') replacement = 'NaN';
              else replacement = formatNumber(NumberConstructor(value));
              break;
            }
            case 79:
              // %O
              replacement = inspect(args[++argument], options);
              break;
            case 111:
              // %o
              replacement = inspect(args[++argument], { ...options, showHidden: true, depth: 4 });
              break;
            case 105: {
              // %i
              const value = args[++argument];
              if (typeof value === 'bigint') replacement = `${value}n`;
              else if (typeof value === 'symbol') replacement = 'NaN';
              else replacement = formatNumber(NumberParseInt(value as string));
              break;
            }
            case 102: {
              // %f
              const value = args[++argument];
              replacement = typeof value === 'symbol' ? 'NaN' : formatNumber(NumberParseFloat(value as string));
              break;
            }
            case 99:
              // %c: CSS, meaningless outside a browser
              argument += 1;
              replacement = '';
              break;
            case 37:
              text += StringPrototypeSlice(first, lastPosition, index);
              lastPosition = index + 1;
              continue;
            default:
              continue;
          }
          if (lastPosition !== index - 1) text += StringPrototypeSlice(first, lastPosition, index - 1);
          text += replacement;
          lastPosition = index + 1;
        } else if (next === 37) {
          text += StringPrototypeSlice(first, lastPosition, index);
          lastPosition = index + 1;
        }
      }
      if (lastPosition !== 0) {
        argument++;
        join = ' ';
        if (lastPosition < first.length) text += StringPrototypeSlice(first, lastPosition);
      }
    }
    while (argument < args.length) {
      const value = args[argument];
      text += join;
      text += typeof value !== 'string' ? show(value, options) : value;
      join = ' ';
      argument++;
    }
    return text;
  }

  function format(...args: unknown[]): string {
    return formatWithOptions(undefined, args);
  }

  return { format, formatWithOptions, formatNumber };
}

/** What `guestFormat` gives the other prelude modules. */
export type GuestFormat = ReturnType<typeof guestFormat>;
