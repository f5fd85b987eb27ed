import type { Primordials } from './capture-primordials.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): Node's coded errors (`TypeError
 * [ERR_INVALID_ARG_TYPE]: The "callback" argument must be of type function. Received …`), with
 * Node's wording for what was received and the prelude's own frames left out of the stack.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestErrors(p: Primordials, inspect: (value: unknown, options?: object) => string) {
  const { JSONStringify, ObjectDefineProperty, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const StringPrototypeIndexOf = uncurry(p.StringPrototypeIndexOf);
  const StringPrototypeSlice = uncurry(p.StringPrototypeSlice);
  const SymbolPrototypeToString = uncurry(p.SymbolPrototypeToString);

  /** An error of `Kind` with Node's `code`, its stack starting at the caller of `from`. */
  function coded<T extends Error>(Kind: new (message: string) => T, code: string, message: string, from?: Function): T {
    const error = new Kind(message);
    const name = (error as { name: string }).name;
    // The stack's first line shows the code, as Node's does; `name` itself stays plain.
    ObjectDefineProperty(error, 'name', { value: `${name} [${code}]`, writable: true, enumerable: false, configurable: true });
    if (from !== undefined) p.ErrorCaptureStackTrace(error, from);
    void (error as { stack?: string }).stack;
    delete (error as { name?: string }).name;
    ObjectDefineProperty(error, 'code', { value: code, writable: true, enumerable: true, configurable: true });
    ObjectDefineProperty(error, 'toString', {
      value() {
        return `${name} [${code}]: ${message}`;
      },
      writable: true,
      enumerable: false,
      configurable: true,
    });
    return error;
  }

  /** Node's "Received …" for a value of the wrong type. */
  function received(value: unknown): string {
    if (value === null) return 'null';
    if (value === undefined) return 'undefined';
    switch (typeof value) {
      case 'bigint':
        return `type bigint (${value}n)`;
      case 'number':
        if (value === 0) return 1 / value === -Infinity ? 'type number (-0)' : 'type number (0)';
        return `type number (${value})`;
      case 'boolean':
        return `type boolean (${value})`;
      case 'symbol':
        return `type symbol (${SymbolPrototypeToString(value)})`;
      case 'function':
        return `function ${(value as Function).name}`;
      case 'object': {
        const constructor = (value as { constructor?: { name?: unknown } }).constructor;
        if (constructor && 'name' in constructor) return `an instance of ${constructor.name as string}`;
        return inspect(value, { depth: -1 });
      }
      case 'string': {
        const text = value.length > 28 ? `${StringPrototypeSlice(value, 0, 25)}...` : value;
        return StringPrototypeIndexOf(text, "'") === -1 ? `type string ('${text}')` : `type string (${JSONStringify(text) as string})`;
      }
    }
    return inspect(value);
  }

  /** `The "name" argument must be <expected>. Received …` (ERR_INVALID_ARG_TYPE). */
  function invalidArgType(name: string, expected: string, value: unknown, from?: Function): TypeError {
    const kind = StringPrototypeIndexOf(name, '.') === -1 ? 'argument' : 'property';
    return coded(p.TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" ${kind} must be ${expected}. Received ${received(value)}`, from);
  }

  return { coded, received, invalidArgType };
}

/** What `guestErrors` gives the other prelude modules. */
export type GuestErrors = ReturnType<typeof guestErrors>;
