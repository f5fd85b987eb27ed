import type { Primordials } from './capture-primordials.ts';
import type { GuestTypes } from './guest-types.ts';

/** Options of `util.inspect` the guest prelude honours (Node's names and defaults). */
export interface InspectOptions {
  depth?: number | null;
  compact?: number | boolean;
  breakLength?: number;
  sorted?: boolean | ((a: string, b: string) => number);
  getters?: boolean | 'get' | 'set';
  maxArrayLength?: number | null;
  maxStringLength?: number | null;
  customInspect?: boolean;
  showHidden?: boolean;
}

/**
 * Guest prelude module (see `guest-prelude.ts`): `util.inspect` and `util.format` as Node 24
 * prints them without colours — line breaking at 80 columns with `compact: 3`, grouping of long
 * arrays, `<ref *1>` / `[Circular *1]`, class and constructor prefixes, errors with their own
 * properties. What V8 does not show a script (promise states, proxy targets, iterator previews,
 * the source text of `assert.ok` calls) cannot be printed like Node and is printed as
 * `Promise { <unknown> }`, the proxy's target through its traps, and an empty iterator.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestInspect(p: Primordials, types: GuestTypes) {
  const {
    ArrayBufferIsView,
    ArrayIsArray,
    MathFloor,
    MathMax,
    MathMin,
    MathRound,
    MathSqrt,
    NumberIsNaN,
    ObjectGetOwnPropertyDescriptor,
    ObjectGetOwnPropertyNames,
    ObjectGetOwnPropertySymbols,
    ObjectGetPrototypeOf,
    ObjectIs,
    ObjectKeys,
    ReflectApply,
    SymbolToStringTag,
    uncurry,
  } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayBufferPrototypeGetByteLength = uncurry(p.ArrayBufferPrototypeGetByteLength);
  const ArrayPrototypeIncludes = uncurry(p.ArrayPrototypeIncludes);
  const ArrayPrototypeIndexOf = uncurry(p.ArrayPrototypeIndexOf);
  const ArrayPrototypeJoin = uncurry(p.ArrayPrototypeJoin);
  const ArrayPrototypePop = uncurry(p.ArrayPrototypePop);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const ArrayPrototypeSort = uncurry(p.ArrayPrototypeSort);
  const DataViewPrototypeGetBuffer = uncurry(p.DataViewPrototypeGetBuffer);
  const DataViewPrototypeGetByteLength = uncurry(p.DataViewPrototypeGetByteLength);
  const DataViewPrototypeGetByteOffset = uncurry(p.DataViewPrototypeGetByteOffset);
  const DatePrototypeGetTime = uncurry(p.DatePrototypeGetTime);
  const DatePrototypeToISOString = uncurry(p.DatePrototypeToISOString);
  const DatePrototypeToString = uncurry(p.DatePrototypeToString);
  const ErrorPrototypeToString = uncurry(p.ErrorPrototypeToString);
  const FunctionPrototypeSymbolHasInstance = uncurry(p.FunctionPrototypeSymbolHasInstance);
  const FunctionPrototypeToString = uncurry(p.FunctionPrototypeToString);
  const MapPrototypeGet = uncurry(p.MapPrototypeGet);
  const MapPrototypeGetSize = uncurry(p.MapPrototypeGetSize);
  const MapPrototypeSet = uncurry(p.MapPrototypeSet);
  const NumberPrototypeToString = uncurry(p.NumberPrototypeToString);
  const ObjectPrototypeHasOwnProperty = uncurry(p.ObjectPrototypeHasOwnProperty);
  const ObjectPrototypePropertyIsEnumerable = uncurry(p.ObjectPrototypePropertyIsEnumerable);
  const ObjectPrototypeToString = uncurry(p.ObjectPrototypeToString);
  const RegExpPrototypeExec = uncurry(p.RegExpPrototypeExec);
  const RegExpPrototypeGetSource = uncurry(p.RegExpPrototypeGetSource);
  const SetPrototypeGetSize = uncurry(p.SetPrototypeGetSize);
  const StringPrototypeCharCodeAt = uncurry(p.StringPrototypeCharCodeAt);
  const StringPrototypeCodePointAt = uncurry(p.StringPrototypeCodePointAt);
  const StringPrototypeEndsWith = uncurry(p.StringPrototypeEndsWith);
  const StringPrototypeIncludes = uncurry(p.StringPrototypeIncludes);
  const StringPrototypeIndexOf = uncurry(p.StringPrototypeIndexOf);
  const StringPrototypePadEnd = uncurry(p.StringPrototypePadEnd);
  const StringPrototypePadStart = uncurry(p.StringPrototypePadStart);
  const StringPrototypeRepeat = uncurry(p.StringPrototypeRepeat);
  const StringPrototypeSlice = uncurry(p.StringPrototypeSlice);
  const StringPrototypeStartsWith = uncurry(p.StringPrototypeStartsWith);
  const StringPrototypeToLowerCase = uncurry(p.StringPrototypeToLowerCase);
  const SymbolPrototypeToString = uncurry(p.SymbolPrototypeToString);
  const TypedArrayPrototypeGetLength = uncurry(p.TypedArrayPrototypeGetLength);
  const TypedArrayPrototypeGetSymbolToStringTag = uncurry(p.TypedArrayPrototypeGetSymbolToStringTag);
  const StringConstructor = p.String;
  const NumberConstructor = p.Number;

  const OBJECT_TYPE = 0;
  const ARRAY_TYPE = 1;
  const ARRAY_EXTRAS_TYPE = 2;
  const MIN_LINE_LENGTH = 16;
  const customInspectSymbol = p.SymbolFor('nodejs.util.inspect.custom');
  const KEY_PATTERN = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const CLASS_PATTERN = /^(\s+[^(]*?)\s*{/;
  const ERROR_NAME_PATTERN = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n {4}at)/;
  const ERROR_ONLY_NAME_PATTERN = /^([a-z_A-Z0-9-]*Error)$/;

  interface Context {
    depth: number;
    compact: number | boolean;
    breakLength: number;
    sorted: boolean | ((a: string, b: string) => number);
    getters: boolean | 'get' | 'set';
    maxArrayLength: number;
    maxStringLength: number;
    customInspect: boolean;
    showHidden: boolean;
    seen: object[];
    circular: Map<object, number> | undefined;
    indentationLvl: number;
    currentDepth: number;
  }

  /** A property as the prelude sees it: own fields only, never a guest's `Object.prototype.get`. */
  interface Property {
    accessor: boolean;
    value: unknown;
    get: Function | undefined;
    set: Function | undefined;
    enumerable: boolean;
  }

  const own = (object: object, key: PropertyKey) => ObjectPrototypeHasOwnProperty(object, key);

  function describeProperty(object: object, key: PropertyKey): Property | undefined {
    const descriptor = ObjectGetOwnPropertyDescriptor(object, key);
    if (descriptor === undefined) return undefined;
    const accessor = own(descriptor, 'get') || own(descriptor, 'set');
    return {
      accessor,
      value: accessor ? undefined : descriptor.value,
      get: accessor ? descriptor.get : undefined,
      set: accessor ? descriptor.set : undefined,
      enumerable: descriptor.enumerable === true,
    };
  }

  /** `list.slice(start)` without the species lookup a guest could redirect. */
  function sliceList<T>(list: readonly T[], start: number, end = list.length): T[] {
    const result: T[] = [];
    for (let index = start; index < end; index++) ArrayPrototypePush(result, list[index] as T);
    return result;
  }

  /** `text.split(separator)` for a plain string separator, without `Symbol.split` lookups. */
  function splitText(text: string, separator: string): string[] {
    const parts: string[] = [];
    let start = 0;
    for (;;) {
      const at = StringPrototypeIndexOf(text, separator, start);
      if (at === -1) break;
      ArrayPrototypePush(parts, StringPrototypeSlice(text, start, at));
      start = at + separator.length;
    }
    ArrayPrototypePush(parts, StringPrototypeSlice(text, start));
    return parts;
  }

  /** Every occurrence of `search` in `text` replaced, without `Symbol.replace` lookups. */
  function replaceAll(text: string, search: string, replacement: string): string {
    if (StringPrototypeIndexOf(text, search) === -1) return text;
    return ArrayPrototypeJoin(splitText(text, search), replacement);
  }

  const matches = (pattern: RegExp, text: string) => RegExpPrototypeExec(pattern, text) !== null;

  // ------------------------------------------------------------------ strings and keys

  function escapeCode(code: number): string {
    if (code === 8) return '\\b';
    if (code === 9) return '\\t';
    if (code === 10) return '\\n';
    if (code === 12) return '\\f';
    if (code === 13) return '\\r';
    return '\\x' + StringPrototypePadStart(toUpperHex(code), 2, '0');
  }

  function toUpperHex(code: number): string {
    const hex = NumberPrototypeToString(code, 16);
    let upper = '';
    for (let index = 0; index < hex.length; index++) {
      const digit = StringPrototypeCharCodeAt(hex, index);
      upper += digit >= 97 ? p.StringFromCharCode(digit - 32) : hex[index];
    }
    return upper;
  }

  /**
   * Control characters, the backslash, the quote in use (when `quote` is 39) and lone surrogates
   * escaped, as Node shows strings.
   */
  function escapeText(text: string, quote: number): string {
    let result = '';
    let last = 0;
    for (let index = 0; index < text.length; index++) {
      const code = StringPrototypeCharCodeAt(text, index);
      let escaped: string | undefined;
      if (code === quote) escaped = "\\'";
      else if (code === 92) escaped = '\\\\';
      else if (code < 32 || (code > 126 && code < 160)) escaped = escapeCode(code);
      else if (code >= 0xd800 && code <= 0xdfff) {
        if (code <= 0xdbff && index + 1 < text.length) {
          const next = StringPrototypeCharCodeAt(text, index + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            index++;
            continue;
          }
        }
        escaped = '\\u' + NumberPrototypeToString(code, 16);
      }
      if (escaped === undefined) continue;
      result += StringPrototypeSlice(text, last, index) + escaped;
      last = index + 1;
    }
    return last === 0 ? text : result + StringPrototypeSlice(text, last);
  }

  /** A string literal as Node prints it: single quotes unless the text holds some. */
  function quote(text: string): string {
    let quoteCode = 39;
    let mark = "'";
    if (StringPrototypeIncludes(text, "'")) {
      if (!StringPrototypeIncludes(text, '"')) {
        quoteCode = -1;
        mark = '"';
      } else if (!StringPrototypeIncludes(text, '`') && !StringPrototypeIncludes(text, '${')) {
        quoteCode = -2;
        mark = '`';
      }
    }
    return mark + escapeText(text, quoteCode) + mark;
  }

  function formatNumber(value: number): string {
    return ObjectIs(value, -0) ? '-0' : `${value}`;
  }

  function formatPrimitive(value: unknown, ctx: Context): string {
    switch (typeof value) {
      case 'string': {
        let text = value;
        let trailer = '';
        if (text.length > ctx.maxStringLength) {
          const remaining = text.length - ctx.maxStringLength;
          text = StringPrototypeSlice(text, 0, ctx.maxStringLength);
          trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
        }
        if (ctx.compact !== true && text.length > MIN_LINE_LENGTH && text.length > ctx.breakLength - ctx.indentationLvl - 4) {
          // Long strings break after each newline, one quoted piece per line.
          const pieces: string[] = [];
          let start = 0;
          for (;;) {
            const newline = StringPrototypeIndexOf(text, '\n', start);
            if (newline === -1 || newline === text.length - 1) break;
            ArrayPrototypePush(pieces, quote(StringPrototypeSlice(text, start, newline + 1)));
            start = newline + 1;
          }
          ArrayPrototypePush(pieces, quote(StringPrototypeSlice(text, start)));
          return ArrayPrototypeJoin(pieces, ` +\n${StringPrototypeRepeat(' ', ctx.indentationLvl + 2)}`) + trailer;
        }
        return quote(text) + trailer;
      }
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
    return StringConstructor(value);
  }

  /** Columns a string takes in a terminal (East Asian wide characters count twice). */
  function stringWidth(text: string): number {
    let width = 0;
    for (let index = 0; index < text.length; index++) {
      const code = StringPrototypeCodePointAt(text, index) as number;
      if (code > 0xffff) index++;
      if (code < 32 || (code >= 0x7f && code <= 0x9f)) continue;
      if (code < 0x300) {
        width++;
        continue;
      }
      if (isZeroWidth(code)) continue;
      width += isFullWidth(code) ? 2 : 1;
    }
    return width;
  }

  function isZeroWidth(code: number): boolean {
    return (
      (code >= 0x300 && code <= 0x36f) ||
      (code >= 0x200b && code <= 0x200f) ||
      (code >= 0x20d0 && code <= 0x20ff) ||
      (code >= 0xfe00 && code <= 0xfe0f) ||
      (code >= 0xfe20 && code <= 0xfe2f) ||
      (code >= 0xe0100 && code <= 0xe01ef)
    );
  }

  function isFullWidth(code: number): boolean {
    return (
      code >= 0x1100 &&
      (code <= 0x115f ||
        code === 0x2329 ||
        code === 0x232a ||
        (code >= 0x2e80 && code <= 0x3247 && code !== 0x303f) ||
        (code >= 0x3250 && code <= 0x4dbf) ||
        (code >= 0x4e00 && code <= 0xa4c6) ||
        (code >= 0xa960 && code <= 0xa97c) ||
        (code >= 0xac00 && code <= 0xd7a3) ||
        (code >= 0xf900 && code <= 0xfaff) ||
        (code >= 0xfe10 && code <= 0xfe19) ||
        (code >= 0xfe30 && code <= 0xfe6b) ||
        (code >= 0xff01 && code <= 0xff60) ||
        (code >= 0xffe0 && code <= 0xffe6) ||
        (code >= 0x1b000 && code <= 0x1b001) ||
        (code >= 0x1f200 && code <= 0x1f251) ||
        (code >= 0x1f300 && code <= 0x1f64f) ||
        (code >= 0x20000 && code <= 0x3fffd))
    );
  }

  function isArrayIndex(key: string): boolean {
    if (key.length === 0 || key.length > 10) return false;
    const first = StringPrototypeCharCodeAt(key, 0);
    if (first === 48) return key.length === 1;
    for (let index = 0; index < key.length; index++) {
      const code = StringPrototypeCharCodeAt(key, index);
      if (code < 48 || code > 57) return false;
    }
    return NumberConstructor(key) < 4294967295;
  }

  function formatKey(key: string | symbol, enumerable: boolean): string {
    let name: string;
    if (typeof key === 'symbol') name = escapeText(SymbolPrototypeToString(key), 39);
    else if (key === '__proto__') name = "['__proto__']";
    else if (matches(KEY_PATTERN, key)) name = key;
    else name = quote(key);
    return enumerable ? name : `[${name}]`;
  }

  // ------------------------------------------------------------------ what an object is

  function constructorNameOf(object: object, ctx: Context, recurseTimes: number): string | null {
    let current: object | null = object;
    let firstProto: object | null | undefined;
    while (current !== null) {
      const known = types.intrinsicFor(current);
      if (known !== undefined && FunctionPrototypeSymbolHasInstance(known.constructor, object)) return known.kind;
      const descriptor = describeProperty(current, 'constructor');
      if (descriptor !== undefined && !descriptor.accessor && typeof descriptor.value === 'function') {
        const name = (descriptor.value as Function).name;
        if (name !== '' && isInstance(object, descriptor.value as Function)) return StringConstructor(name);
      }
      current = ObjectGetPrototypeOf(current);
      if (firstProto === undefined) firstProto = current;
    }
    if (firstProto === null || firstProto === undefined) return null;
    if (recurseTimes > ctx.depth) return 'Object <Complex prototype>';
    const protoName = constructorNameOf(firstProto, ctx, recurseTimes + 1);
    if (protoName === null) {
      return `Object <${inspect(firstProto, { ...contextOptions(ctx), customInspect: false, depth: -1 })}>`;
    }
    return `Object <${protoName}>`;
  }

  function isInstance(object: object, constructor: Function): boolean {
    try {
      return FunctionPrototypeSymbolHasInstance(constructor, object);
    } catch {
      return false;
    }
  }

  /** `Constructor(size) [tag] `, `[fallback: null prototype] ` … as Node prefixes objects. */
  function prefixOf(constructor: string | null, tag: string, fallback: string, size = ''): string {
    if (constructor === null) {
      if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
      return `[${fallback}${size}: null prototype] `;
    }
    let result = `${constructor}${size} `;
    if (tag !== '') {
      const position = StringPrototypeIndexOf(constructor, tag);
      if (position === -1) result += `[${tag}] `;
      else {
        const end = position + tag.length;
        if (end !== constructor.length) {
          const next = constructor[end] as string;
          if (next === StringPrototypeToLowerCase(next)) result += `[${tag}] `;
        }
      }
    }
    return result;
  }

  /** V8's name for an object whose chain has no named constructor: its own string tag, or Object. */
  function internalName(value: object): string {
    const property = describeProperty(value, SymbolToStringTag);
    if (property !== undefined && !property.accessor && typeof property.value === 'string' && property.value !== '') return property.value;
    return 'Object';
  }

  function stylePrefix(value: object, constructor: string | null, tag: string): string {
    let fallback = '';
    if (constructor === null) {
      fallback = internalName(value);
      if (fallback === tag) fallback = 'Object';
    }
    return prefixOf(constructor, tag, fallback);
  }

  /** Own enumerable keys (all own keys with `showHidden`), symbols last. */
  function keysOf(value: object, showHidden: boolean): Array<string | symbol> {
    const keys: Array<string | symbol> = showHidden ? ObjectGetOwnPropertyNames(value) : ObjectKeys(value);
    const symbols = ObjectGetOwnPropertySymbols(value);
    for (let index = 0; index < symbols.length; index++) {
      const symbol = symbols[index] as symbol;
      if (showHidden || ObjectPrototypePropertyIsEnumerable(value, symbol)) ArrayPrototypePush(keys, symbol);
    }
    return keys;
  }

  function nonIndexKeys(value: object, showHidden: boolean): Array<string | symbol> {
    const all = keysOf(value, showHidden);
    const keys: Array<string | symbol> = [];
    for (let index = 0; index < all.length; index++) {
      const key = all[index] as string | symbol;
      if (typeof key === 'symbol' || !isArrayIndex(key)) ArrayPrototypePush(keys, key);
    }
    return keys;
  }

  function removeKey(keys: Array<string | symbol>, key: string | symbol): boolean {
    const index = ArrayPrototypeIndexOf(keys, key);
    if (index === -1) return false;
    for (let at = index; at < keys.length - 1; at++) keys[at] = keys[at + 1] as string | symbol;
    ArrayPrototypePop(keys);
    return true;
  }

  // ------------------------------------------------------------------ formatting values

  function formatValue(ctx: Context, value: unknown, recurseTimes: number): string {
    if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(value, ctx);
    if (value === null) return 'null';
    const object = value as object;
    if (ctx.customInspect) {
      const custom = (object as Record<symbol, unknown>)[customInspectSymbol];
      if (typeof custom === 'function' && custom !== inspect) {
        const constructorDescriptor = describeProperty(object, 'constructor');
        const isPrototypeObject =
          constructorDescriptor !== undefined &&
          typeof constructorDescriptor.value === 'function' &&
          (constructorDescriptor.value as { prototype?: unknown }).prototype === object;
        if (!isPrototypeObject) {
          const depth = ctx.depth - recurseTimes;
          const result = ReflectApply(custom, object, [depth, { ...contextOptions(ctx), depth, stylize: (text: unknown) => text }, inspect]);
          if (result !== object) {
            if (typeof result !== 'string') return formatValue(ctx, result, recurseTimes);
            return replaceAll(result, '\n', `\n${StringPrototypeRepeat(' ', ctx.indentationLvl)}`);
          }
        }
      }
    }
    if (ArrayPrototypeIncludes(ctx.seen, object)) {
      let index = 1;
      if (ctx.circular === undefined) {
        ctx.circular = new p.Map();
        MapPrototypeSet(ctx.circular, object, index);
      } else {
        const known = MapPrototypeGet(ctx.circular, object) as number | undefined;
        if (known === undefined) {
          index = MapPrototypeGetSize(ctx.circular) + 1;
          MapPrototypeSet(ctx.circular, object, index);
        } else index = known;
      }
      return `[Circular *${index}]`;
    }
    return formatRaw(ctx, object, recurseTimes);
  }

  type Formatter = (ctx: Context, value: any, recurseTimes: number) => string[];
  const noEntries: Formatter = () => [];

  function formatRaw(ctx: Context, value: object, recurseTimes: number): string {
    const constructor = constructorNameOf(value, ctx, recurseTimes);
    let tag: unknown = '';
    try {
      tag = (value as Record<symbol, unknown>)[SymbolToStringTag];
    } catch {
      tag = '';
    }
    // The tag is listed only when it is not an own enumerable property (that one shows anyway).
    if (
      typeof tag !== 'string' ||
      (tag !== '' && (ctx.showHidden ? own(value, SymbolToStringTag) : ObjectPrototypePropertyIsEnumerable(value, SymbolToStringTag)))
    ) {
      tag = '';
    }
    const tagText = tag as string;
    let base = '';
    let formatter: Formatter = noEntries;
    let braces: [string, string] = ['{', '}'];
    let keys: Array<string | symbol> = [];
    let extrasType = OBJECT_TYPE;
    let extraKeys: Array<'byteLength' | 'byteOffset' | 'buffer'> | undefined;
    const kind = types.kindOf(value);

    if (kind === 'Array') {
      const length = (value as unknown[]).length;
      const prefix = constructor !== 'Array' || tagText !== '' ? prefixOf(constructor, tagText, 'Array', `(${length})`) : '';
      keys = nonIndexKeys(value, ctx.showHidden);
      braces = [`${prefix}[`, ']'];
      if (length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = ARRAY_EXTRAS_TYPE;
      formatter = formatArray;
    } else if (kind === 'Set') {
      const size = SetPrototypeGetSize(value);
      const prefix = prefixOf(constructor, tagText, 'Set', `(${size})`);
      keys = keysOf(value, ctx.showHidden);
      formatter = formatSet;
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (kind === 'Map') {
      const size = MapPrototypeGetSize(value);
      const prefix = prefixOf(constructor, tagText, 'Map', `(${size})`);
      keys = keysOf(value, ctx.showHidden);
      formatter = formatMap;
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (kind === 'TypedArray') {
      keys = nonIndexKeys(value, ctx.showHidden);
      const size = TypedArrayPrototypeGetLength(value);
      const fallback = constructor === null ? (TypedArrayPrototypeGetSymbolToStringTag(value) as string) : '';
      const prefix = prefixOf(constructor, tagText, fallback, `(${size})`);
      braces = [`${prefix}[`, ']'];
      if (size === 0 && keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`;
      formatter = formatTypedArray;
      extrasType = ARRAY_EXTRAS_TYPE;
    } else {
      keys = keysOf(value, ctx.showHidden);
      if (typeof value === 'function') {
        base = functionBase(ctx, value as Function, constructor, tagText);
        if (keys.length === 0) return base;
      } else if (constructor === 'Object') {
        if (ObjectPrototypeToString(value) === '[object Arguments]') braces[0] = '[Arguments] {';
        else if (tagText !== '') braces[0] = `${prefixOf(constructor, tagText, 'Object')}{`;
        if (keys.length === 0) return `${braces[0]}}`;
      } else if (kind === 'RegExp') {
        base = regExpText(value);
        const prefix = prefixOf(constructor, tagText, 'RegExp');
        if (prefix !== 'RegExp ') base = `${prefix}${base}`;
        if (keys.length === 0 || recurseTimes > ctx.depth) return base;
      } else if (kind === 'Date') {
        const time = DatePrototypeGetTime(value);
        base = NumberIsNaN(time) ? DatePrototypeToString(value) : DatePrototypeToISOString(value);
        const prefix = prefixOf(constructor, tagText, 'Date');
        if (prefix !== 'Date ') base = `${prefix}${base}`;
        if (keys.length === 0) return base;
      } else if (kind === 'Error') {
        base = formatError(value as Error, constructor, tagText, ctx, keys);
        if (keys.length === 0) return base;
      } else if (kind === 'ArrayBuffer' || kind === 'SharedArrayBuffer') {
        const prefix = prefixOf(constructor, tagText, kind);
        formatter = formatArrayBuffer;
        braces[0] = `${prefix}{`;
        extraKeys = ['byteLength'];
      } else if (kind === 'DataView') {
        braces[0] = `${prefixOf(constructor, tagText, 'DataView')}{`;
        extraKeys = ['byteLength', 'byteOffset', 'buffer'];
      } else if (kind === 'Promise') {
        braces[0] = `${prefixOf(constructor, tagText, 'Promise')}{`;
        formatter = () => ['<unknown>'];
      } else if (kind === 'WeakSet' || kind === 'WeakMap') {
        braces[0] = `${prefixOf(constructor, tagText, kind)}{`;
        formatter = () => ['<items unknown>'];
      } else if (types.isBoxedKind(kind)) {
        base = boxedBase(value, kind, ctx, keys, constructor, tagText);
        if (keys.length === 0) return base;
      } else {
        if (keys.length === 0) return `${stylePrefix(value, constructor, tagText)}{}`;
        braces[0] = `${stylePrefix(value, constructor, tagText)}{`;
      }
    }

    if (recurseTimes > ctx.depth) {
      const name = StringPrototypeSlice(stylePrefix(value, constructor, tagText), 0, -1);
      return constructor !== null ? `[${name}]` : name;
    }
    recurseTimes += 1;
    ArrayPrototypePush(ctx.seen, value);
    ctx.currentDepth = recurseTimes;
    const output = formatter(ctx, value, recurseTimes);
    if (extraKeys !== undefined) {
      for (let index = 0; index < extraKeys.length; index++) {
        const key = extraKeys[index] as 'byteLength' | 'byteOffset' | 'buffer';
        ctx.indentationLvl += 2;
        const text = formatValue(ctx, viewField(value, key), recurseTimes);
        ctx.indentationLvl -= 2;
        ArrayPrototypePush(output, `[${key}]: ${text}`);
      }
    }
    for (let index = 0; index < keys.length; index++) {
      ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, keys[index] as string | symbol, extrasType));
    }
    if (ctx.circular !== undefined) {
      const index = MapPrototypeGet(ctx.circular, value) as number | undefined;
      if (index !== undefined) base = base === '' ? `<ref *${index}>` : `<ref *${index}> ${base}`;
    }
    ArrayPrototypePop(ctx.seen);
    if (ctx.sorted) {
      const comparator = ctx.sorted === true ? undefined : ctx.sorted;
      if (extrasType === OBJECT_TYPE) ArrayPrototypeSort(output, comparator);
      else if (keys.length > 1) {
        const start = output.length - keys.length;
        const tail = sliceList(output, start);
        ArrayPrototypeSort(tail, comparator);
        for (let index = 0; index < tail.length; index++) output[start + index] = tail[index] as string;
      }
    }
    return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  }

  /** `byteLength`, `byteOffset`, `buffer` of a DataView or buffer, through captured getters. */
  function viewField(value: object, key: 'byteLength' | 'byteOffset' | 'buffer'): unknown {
    if (ArrayBufferIsView(value)) {
      if (key === 'byteLength') return DataViewPrototypeGetByteLength(value);
      if (key === 'byteOffset') return DataViewPrototypeGetByteOffset(value);
      return DataViewPrototypeGetBuffer(value);
    }
    try {
      return ArrayBufferPrototypeGetByteLength(value);
    } catch {
      return p.SharedArrayBufferPrototypeGetByteLength === undefined ? 0 : uncurry(p.SharedArrayBufferPrototypeGetByteLength)(value);
    }
  }

  function regExpText(value: object): string {
    return `/${RegExpPrototypeGetSource(value)}/${types.regExpFlags(value)}`;
  }

  function functionBase(ctx: Context, value: Function, constructor: string | null, tag: string): string {
    const source = FunctionPrototypeToString(value);
    if (StringPrototypeStartsWith(source, 'class') && StringPrototypeEndsWith(source, '}')) {
      const body = StringPrototypeSlice(source, 5, -1);
      const brace = StringPrototypeIndexOf(body, '{');
      if (brace !== -1 && (!StringPrototypeIncludes(StringPrototypeSlice(body, 0, brace), '(') || matches(CLASS_PATTERN, body))) {
        return classBase(value, constructor, tag);
      }
    }
    const kind = ObjectPrototypeToString(value);
    let type = 'Function';
    if (kind === '[object GeneratorFunction]') type = 'GeneratorFunction';
    else if (kind === '[object AsyncFunction]') type = 'AsyncFunction';
    else if (kind === '[object AsyncGeneratorFunction]') type = 'AsyncGeneratorFunction';
    let base = `[${type}`;
    if (constructor === null) base += ' (null prototype)';
    const name = value.name;
    if (name === '') base += ' (anonymous)';
    else base += `: ${typeof name === 'string' ? name : formatValue(ctx, name, 0)}`;
    base += ']';
    if (constructor !== type && constructor !== null) base += ` ${constructor}`;
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
    return base;
  }

  function classBase(value: Function, constructor: string | null, tag: string): string {
    const name = (own(value, 'name') && value.name) || '(anonymous)';
    let base = `class ${name}`;
    if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
    if (constructor !== null) {
      const parent = ObjectGetPrototypeOf(value) as { name?: unknown } | null;
      const superName = parent === null ? undefined : parent.name;
      if (superName) base += ` extends ${superName}`;
    } else {
      base += ' extends [null prototype]';
    }
    return `[${base}]`;
  }

  function boxedBase(value: object, kind: string, ctx: Context, keys: Array<string | symbol>, constructor: string | null, tag: string): string {
    const primitive = types.boxedValue(value, kind);
    if (kind === 'String') {
      // The indexed characters of a String object are noise next to the string itself.
      const length = (primitive as string).length;
      for (let index = 0; index < length; index++) removeKey(keys, `${index}`);
    }
    let base = `[${kind}`;
    if (kind !== constructor) base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
    base += `: ${formatPrimitive(primitive, { ...ctx, compact: true })}]`;
    if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
    return base;
  }

  function formatError(error: Error, constructor: string | null, tag: string, ctx: Context, keys: Array<string | symbol>): string {
    let stack: string;
    try {
      stack = stackOf(ctx, error);
    } catch {
      return ObjectPrototypeToString(error);
    }
    let message: unknown;
    let messageThrows = false;
    try {
      message = error.message;
    } catch {
      messageThrows = true;
    }
    let name: unknown;
    let nameThrows = false;
    try {
      name = error.name;
    } catch {
      nameThrows = true;
    }
    if (!ctx.showHidden && keys.length !== 0) {
      removeKey(keys, 'stack');
      if (!messageThrows && ArrayPrototypeIncludes(keys, 'message') && (typeof message !== 'string' || StringPrototypeIncludes(stack, message))) {
        removeKey(keys, 'message');
      }
      if (!nameThrows && ArrayPrototypeIncludes(keys, 'name') && (typeof name !== 'string' || StringPrototypeIncludes(stack, name))) {
        removeKey(keys, 'name');
      }
    }
    if (name === undefined || name === null) name = 'Error';
    if (own(error, 'cause') && !ArrayPrototypeIncludes(keys, 'cause')) ArrayPrototypePush(keys, 'cause');
    try {
      const errors = (error as { errors?: unknown }).errors;
      if (ArrayIsArray(errors) && own(error, 'errors') && !ArrayPrototypeIncludes(keys, 'errors')) ArrayPrototypePush(keys, 'errors');
    } catch {
      // An `errors` getter that throws is left out.
    }
    stack = improveStack(stack, constructor, name, tag);
    let position = (typeof message === 'string' && message !== '' && StringPrototypeIndexOf(stack, message)) || -1;
    if (position !== -1) position += (message as string).length;
    const stackStart = StringPrototypeIndexOf(stack, '\n    at', position);
    if (stackStart === -1) stack = `[${stack}]`;
    if (ctx.indentationLvl !== 0) stack = replaceAll(stack, '\n', `\n${StringPrototypeRepeat(' ', ctx.indentationLvl)}`);
    return stack;
  }

  function stackOf(ctx: Context, error: Error): string {
    let stack: unknown;
    try {
      stack = error.stack;
    } catch {
      stack = undefined;
    }
    if (stack) {
      if (typeof stack === 'string') return stack;
      ArrayPrototypePush(ctx.seen, error);
      ctx.indentationLvl += 4;
      const shown = formatValue(ctx, stack, 0);
      ctx.indentationLvl -= 4;
      ArrayPrototypePop(ctx.seen);
      return `${ErrorPrototypeToString(error)}\n    ${shown}`;
    }
    return ErrorPrototypeToString(error);
  }

  /** The first line names the error's class the way Node corrects it (`MyError: …`). */
  function improveStack(stack: string, constructor: string | null, name: unknown, tag: string): string {
    let length = (name as string).length;
    if (typeof name !== 'string') {
      const text = `${name as string}`;
      const at = StringPrototypeIndexOf(stack, text);
      if (at !== -1) {
        stack =
          StringPrototypeSlice(stack, 0, at) +
          `${text} [${StringPrototypeSlice(prefixOf(constructor, tag, 'Error'), 0, -1)}]` +
          StringPrototypeSlice(stack, at + text.length);
      }
    }
    if (
      constructor === null ||
      (typeof name === 'string' &&
        StringPrototypeEndsWith(name, 'Error') &&
        StringPrototypeStartsWith(stack, name) &&
        (stack.length === length || stack[length] === ':' || stack[length] === '\n'))
    ) {
      let fallback = 'Error';
      if (constructor === null) {
        const start = RegExpPrototypeExec(ERROR_NAME_PATTERN, stack) || RegExpPrototypeExec(ERROR_ONLY_NAME_PATTERN, stack);
        fallback = (start !== null && start[1]) || '';
        length = fallback.length;
        if (fallback === '') fallback = 'Error';
      }
      const prefix = StringPrototypeSlice(prefixOf(constructor, tag, fallback), 0, -1);
      if (name !== prefix) {
        if (StringPrototypeIncludes(prefix, name as string)) {
          stack = length === 0 ? `${prefix}: ${stack}` : `${prefix}${StringPrototypeSlice(stack, length)}`;
        } else {
          stack = `${prefix} [${name as string}]${StringPrototypeSlice(stack, length)}`;
        }
      }
    }
    return stack;
  }

  function remainingText(remaining: number): string {
    return `... ${remaining} more item${remaining > 1 ? 's' : ''}`;
  }

  function formatArray(ctx: Context, value: unknown[], recurseTimes: number): string[] {
    const length = value.length;
    const shown = MathMin(MathMax(0, ctx.maxArrayLength), length);
    const output: string[] = [];
    for (let index = 0; index < shown; index++) {
      if (!own(value, index)) return formatSparseArray(ctx, value, recurseTimes, shown, output, index);
      ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, index, ARRAY_TYPE));
    }
    if (length > shown) ArrayPrototypePush(output, remainingText(length - shown));
    return output;
  }

  /** Arrays with holes: `<2 empty items>` for each run of missing indices. */
  function formatSparseArray(ctx: Context, value: unknown[], recurseTimes: number, maxLength: number, output: string[], start: number): string[] {
    const keys = ObjectKeys(value);
    let expected = start;
    for (let position = start; position < keys.length && output.length < maxLength; position++) {
      const key = keys[position] as string;
      if (!isArrayIndex(key)) break;
      const index = NumberConstructor(key);
      if (index !== expected) {
        const empty = index - expected;
        ArrayPrototypePush(output, `<${empty} empty item${empty > 1 ? 's' : ''}>`);
        expected = index;
        if (output.length === maxLength) break;
      }
      ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, key, ARRAY_TYPE));
      expected++;
    }
    const remaining = value.length - expected;
    if (output.length !== maxLength) {
      if (remaining > 0) ArrayPrototypePush(output, `<${remaining} empty item${remaining > 1 ? 's' : ''}>`);
    } else if (remaining > 0) {
      ArrayPrototypePush(output, remainingText(remaining));
    }
    return output;
  }

  function formatTypedArray(ctx: Context, value: ArrayLike<number | bigint>): string[] {
    const length = TypedArrayPrototypeGetLength(value);
    const shown = MathMin(MathMax(0, ctx.maxArrayLength), length);
    const output: string[] = [];
    for (let index = 0; index < shown; index++) {
      const item = value[index] as number | bigint;
      ArrayPrototypePush(output, typeof item === 'bigint' ? `${item}n` : formatNumber(item));
    }
    if (length > shown) ArrayPrototypePush(output, remainingText(length - shown));
    return output;
  }

  function formatArrayBuffer(ctx: Context, value: ArrayBuffer): string[] {
    let bytes: Uint8Array;
    try {
      bytes = new p.Uint8Array(value);
    } catch {
      return ['(detached)'];
    }
    const length = TypedArrayPrototypeGetLength(bytes);
    const shown = MathMin(MathMax(0, ctx.maxArrayLength), length);
    let text = '';
    for (let index = 0; index < shown; index++) {
      if (index > 0) text += ' ';
      text += StringPrototypePadStart(NumberPrototypeToString(bytes[index] as number, 16), 2, '0');
    }
    const remaining = length - shown;
    if (remaining > 0) text += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
    return [`[Uint8Contents]: <${text}>`];
  }

  function formatSet(ctx: Context, value: Set<unknown>, recurseTimes: number): string[] {
    const items = types.setValues(value);
    const shown = MathMin(MathMax(0, ctx.maxArrayLength), items.length);
    const output: string[] = [];
    ctx.indentationLvl += 2;
    for (let index = 0; index < shown; index++) ArrayPrototypePush(output, formatValue(ctx, items[index], recurseTimes));
    if (items.length > shown) ArrayPrototypePush(output, remainingText(items.length - shown));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatMap(ctx: Context, value: Map<unknown, unknown>, recurseTimes: number): string[] {
    const entries = types.mapEntries(value);
    const count = entries.length / 2;
    const shown = MathMin(MathMax(0, ctx.maxArrayLength), count);
    const output: string[] = [];
    ctx.indentationLvl += 2;
    for (let index = 0; index < shown; index++) {
      const key = formatValue(ctx, entries[index * 2], recurseTimes);
      ArrayPrototypePush(output, `${key} => ${formatValue(ctx, entries[index * 2 + 1], recurseTimes)}`);
    }
    if (count > shown) ArrayPrototypePush(output, remainingText(count - shown));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatProperty(ctx: Context, value: object, recurseTimes: number, key: string | symbol | number, type: number): string {
    const property = describeProperty(value, key);
    let text: string;
    if (property === undefined) {
      text = 'undefined';
    } else if (!property.accessor) {
      ctx.indentationLvl += 2;
      text = formatValue(ctx, property.value, recurseTimes);
      ctx.indentationLvl -= 2;
    } else if (property.get !== undefined) {
      const label = property.set !== undefined ? 'Getter/Setter' : 'Getter';
      const getters = ctx.getters;
      if (getters && (getters === true || (getters === 'get' && property.set === undefined) || (getters === 'set' && property.set !== undefined))) {
        ctx.indentationLvl += 2;
        try {
          const got = ReflectApply(property.get, value, []);
          if (got === null) text = `[${label}: null]`;
          else if (typeof got === 'object' || typeof got === 'function') text = `[${label}] ${formatValue(ctx, got, recurseTimes)}`;
          else text = `[${label}: ${formatPrimitive(got, ctx)}]`;
        } catch (error) {
          text = `[${label}: <Inspection threw (${formatValue(ctx, error, recurseTimes)})>]`;
        }
        ctx.indentationLvl -= 2;
      } else {
        text = `[${label}]`;
      }
    } else if (property.set !== undefined) {
      text = '[Setter]';
    } else {
      text = 'undefined';
    }
    if (type === ARRAY_TYPE) return text;
    const enumerable = property === undefined || property.enumerable;
    return `${formatKey(typeof key === 'number' ? `${key}` : key, enumerable)}: ${text}`;
  }

  // ------------------------------------------------------------------ line breaking

  function groupArrayElements(ctx: Context, output: string[], value: unknown): string[] {
    let totalLength = 0;
    let maxLength = 0;
    let outputLength = output.length;
    // A trailing "... more items" entry is not part of the grid.
    if (ctx.maxArrayLength < output.length) outputLength--;
    const separatorSpace = 2;
    const widths: number[] = [];
    for (let index = 0; index < outputLength; index++) {
      const width = stringWidth(output[index] as string);
      widths[index] = width;
      totalLength += width + separatorSpace;
      if (maxLength < width) maxLength = width;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
      const averageBias = MathSqrt(actualMax - totalLength / output.length);
      const biasedMax = MathMax(actualMax - 3 - averageBias, 1);
      const columns = MathMin(
        MathRound(MathSqrt(2.5 * biasedMax * outputLength) / biasedMax),
        MathFloor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        (ctx.compact as number) * 4,
        15,
      );
      if (columns <= 1) return output;
      const maxLineLength: number[] = [];
      for (let column = 0; column < columns; column++) {
        let lineMaxLength = 0;
        for (let index = column; index < output.length; index += columns) {
          if ((widths[index] as number) > lineMaxLength) lineMaxLength = widths[index] as number;
        }
        maxLineLength[column] = lineMaxLength + separatorSpace;
      }
      let padStart = true;
      if (value !== undefined) {
        for (let index = 0; index < output.length; index++) {
          const item = (value as Record<number, unknown>)[index];
          if (typeof item !== 'number' && typeof item !== 'bigint') {
            padStart = false;
            break;
          }
        }
      }
      const grouped: string[] = [];
      for (let start = 0; start < outputLength; start += columns) {
        const end = MathMin(start + columns, outputLength);
        let line = '';
        let index = start;
        for (; index < end - 1; index++) {
          const padding = (maxLineLength[index - start] as number) + (output[index] as string).length - (widths[index] as number);
          line += padStart ? StringPrototypePadStart(`${output[index]}, `, padding, ' ') : StringPrototypePadEnd(`${output[index]}, `, padding, ' ');
        }
        if (padStart) {
          const padding = (maxLineLength[index - start] as number) + (output[index] as string).length - (widths[index] as number) - separatorSpace;
          line += StringPrototypePadStart(output[index] as string, padding, ' ');
        } else {
          line += output[index] as string;
        }
        ArrayPrototypePush(grouped, line);
      }
      if (ctx.maxArrayLength < output.length) ArrayPrototypePush(grouped, output[outputLength] as string);
      return grouped;
    }
    return output;
  }

  function isBelowBreakLength(ctx: Context, output: string[], start: number, base: string): boolean {
    let totalLength = output.length + start;
    if (totalLength + output.length > ctx.breakLength) return false;
    for (let index = 0; index < output.length; index++) {
      totalLength += (output[index] as string).length;
      if (totalLength > ctx.breakLength) return false;
    }
    return base === '' || !StringPrototypeIncludes(base, '\n');
  }

  function reduceToSingleString(
    ctx: Context,
    output: string[],
    base: string,
    braces: [string, string],
    extrasType: number,
    recurseTimes: number,
    value: unknown,
  ): string {
    if (ctx.compact !== true) {
      if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
        const entries = output.length;
        if (extrasType === ARRAY_EXTRAS_TYPE && entries > 6) output = groupArrayElements(ctx, output, value);
        // Objects whose nesting below is shallower than `compact` go on one line when they fit.
        if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
          const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
          if (isBelowBreakLength(ctx, output, start, base)) {
            const joined = ArrayPrototypeJoin(output, ', ');
            if (!StringPrototypeIncludes(joined, '\n')) return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
          }
        }
      }
      const indentation = `\n${StringPrototypeRepeat(' ', ctx.indentationLvl)}`;
      return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${ArrayPrototypeJoin(output, `,${indentation}  `)}${indentation}${braces[1]}`;
    }
    if (isBelowBreakLength(ctx, output, 0, base)) {
      return `${braces[0]}${base ? ` ${base}` : ''} ${ArrayPrototypeJoin(output, ', ')} ${braces[1]}`;
    }
    const indentation = StringPrototypeRepeat(' ', ctx.indentationLvl);
    const lead = base === '' && braces[0].length === 1 ? ' ' : `${base ? ` ${base}` : ''}\n${indentation}  `;
    return `${braces[0]}${lead}${ArrayPrototypeJoin(output, `,\n${indentation}  `)} ${braces[1]}`;
  }

  // ------------------------------------------------------------------ entry points

  function contextOptions(ctx: Context): InspectOptions {
    return {
      depth: ctx.depth,
      compact: ctx.compact,
      breakLength: ctx.breakLength,
      sorted: ctx.sorted,
      getters: ctx.getters,
      maxArrayLength: ctx.maxArrayLength,
      maxStringLength: ctx.maxStringLength,
      customInspect: ctx.customInspect,
      showHidden: ctx.showHidden,
    };
  }

  function inspect(value: unknown, options?: InspectOptions | boolean, legacyDepth?: number): string {
    const ctx: Context = {
      depth: 2,
      compact: 3,
      breakLength: 80,
      sorted: false,
      getters: false,
      maxArrayLength: 100,
      maxStringLength: 10000,
      customInspect: true,
      showHidden: false,
      seen: [],
      circular: undefined,
      indentationLvl: 0,
      currentDepth: 0,
    };
    if (typeof options === 'boolean') {
      ctx.showHidden = options;
    } else if (options !== null && typeof options === 'object') {
      const names = ObjectKeys(options);
      for (let index = 0; index < names.length; index++) {
        const name = names[index] as string;
        if (own(ctx, name) && name !== 'seen' && name !== 'circular' && name !== 'indentationLvl' && name !== 'currentDepth') {
          (ctx as unknown as Record<string, unknown>)[name] = (options as Record<string, unknown>)[name];
        }
      }
    }
    if (legacyDepth !== undefined) ctx.depth = legacyDepth;
    if ((ctx.depth as number | null) === null) ctx.depth = Infinity;
    if ((ctx.maxArrayLength as number | null) === null) ctx.maxArrayLength = Infinity;
    if ((ctx.maxStringLength as number | null) === null) ctx.maxStringLength = Infinity;
    return formatValue(ctx, value, 0);
  }
  (inspect as unknown as { custom: symbol }).custom = customInspectSymbol;

  return { inspect, quote, splitText, replaceAll, sliceList, stringWidth };
}

/** What `guestInspect` gives the other prelude modules. */
export type GuestInspect = ReturnType<typeof guestInspect>;
