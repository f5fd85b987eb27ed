import type { Primordials } from './capture-primordials.ts';
import type { GuestAssertionError } from './guest-assertion-error.ts';
import type { GuestDeepEqual } from './guest-deep-equal.ts';
import type { GuestErrors } from './guest-errors.ts';
import type { GuestTypes } from './guest-types.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): `require('assert')` and `require('assert/strict')`
 * with Node 24's checks, messages and error fields. Every comparison and every message goes
 * through captured built-ins and the prelude's own deep equality, so a guest that replaces
 * `Object.is`, array methods or `JSON` cannot make a failing assertion pass. One difference is
 * unavoidable: Node quotes the source text of a falsy `assert.ok(…)` call, which a script cannot
 * read; the message shows the value instead (`assert.ok(0)`).
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestAssert(
  p: Primordials,
  inspect: (value: unknown, options?: object) => string,
  types: GuestTypes,
  deep: GuestDeepEqual,
  assertion: GuestAssertionError,
  errors: GuestErrors,
  warn: (message: string, type: string, code: string) => void,
) {
  const { ObjectDefineProperty, ObjectIs, ObjectKeys, ReflectApply, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const FunctionPrototypeSymbolHasInstance = uncurry(p.FunctionPrototypeSymbolHasInstance);
  const ObjectPrototypeHasOwnProperty = uncurry(p.ObjectPrototypeHasOwnProperty);
  const ObjectPrototypeIsPrototypeOf = uncurry(p.ObjectPrototypeIsPrototypeOf);
  const RegExpPrototypeExec = uncurry(p.RegExpPrototypeExec);
  const { AssertionError, Comparison } = assertion;
  const { isDeepStrictEqual, isDeepLooseEqual } = deep;
  const NO_EXCEPTION = {};

  const isError = (value: unknown) => types.kindOf(value) === 'Error' || FunctionPrototypeSymbolHasInstance(p.Error, value);

  /**
   * `value instanceof constructor`, except that a `Symbol.hasInstance` a guest put on a built-in
   * constructor (which every error class would inherit) is ignored; a guest class's own is used.
   */
  function isInstance(value: unknown, constructor: Function): boolean {
    let owner: unknown = constructor;
    while (owner !== null && (typeof owner === 'function' || typeof owner === 'object')) {
      if (ObjectPrototypeHasOwnProperty(owner, p.SymbolHasInstance)) break;
      owner = p.ObjectGetPrototypeOf(owner);
    }
    if (owner === null || owner === p.FunctionPrototype) return FunctionPrototypeSymbolHasInstance(constructor, value);
    if (typeof owner === 'function') {
      const intrinsic = types.intrinsicFor((owner as { prototype: object }).prototype);
      if (intrinsic !== undefined && intrinsic.constructor === owner) return FunctionPrototypeSymbolHasInstance(constructor, value);
    }
    return value instanceof constructor;
  }
  const isRegExp = (value: unknown) => types.kindOf(value) === 'RegExp';

  function setOwn(target: object, key: string, value: unknown): void {
    ObjectDefineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  }

  function innerFail(options: { actual: unknown; expected: unknown; message: unknown; operator: string; stackStartFn: Function }): never {
    if (FunctionPrototypeSymbolHasInstance(p.Error, options.message)) throw options.message;
    throw new AssertionError(options);
  }

  function requireTwo(count: number, from: Function): void {
    if (count < 2) throw errors.coded(p.TypeError, 'ERR_MISSING_ARGS', 'The "actual" and "expected" arguments must be specified', from);
  }

  function innerOk(from: Function, callee: string, count: number, value: unknown, message: unknown): void {
    if (value) return;
    let generated = false;
    if (count === 0) {
      generated = true;
      message = 'No value argument passed to `assert.ok()`';
    } else if (message === undefined || message === null) {
      generated = true;
      // Node quotes the call's source text here; the value is the closest a script can show.
      message = `The expression evaluated to a falsy value:\n\n  ${callee}(${inspect(value)})\n`;
    } else if (isError(message)) {
      throw message;
    }
    const error = new AssertionError({ actual: value, expected: true, message, operator: '==', stackStartFn: from });
    setOwn(error, 'generatedMessage', generated);
    throw error;
  }

  // Node's `assert.ok` is `assert` itself; two functions let the message name the call used.
  const assertCall = function ok(...args: unknown[]): void {
    innerOk(assertCall, 'assert', args.length, args[0], args[1]);
  };
  const ok = function ok(...args: unknown[]): void {
    innerOk(ok, 'assert.ok', args.length, args[0], args[1]);
  };
  const strictCall = function strict(...args: unknown[]): void {
    innerOk(strictCall, 'assert', args.length, args[0], args[1]);
  };

  function equal(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, equal);
    // eslint-disable-next-line eqeqeq
    if (actual != expected && (!(actual !== actual) || !(expected !== expected))) {
      innerFail({ actual, expected, message, operator: '==', stackStartFn: equal });
    }
  }
  function notEqual(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, notEqual);
    // eslint-disable-next-line eqeqeq
    if (actual == expected || (actual !== actual && expected !== expected)) {
      innerFail({ actual, expected, message, operator: '!=', stackStartFn: notEqual });
    }
  }
  function deepEqual(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, deepEqual);
    if (!isDeepLooseEqual(actual, expected)) innerFail({ actual, expected, message, operator: 'deepEqual', stackStartFn: deepEqual });
  }
  function notDeepEqual(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, notDeepEqual);
    if (isDeepLooseEqual(actual, expected)) innerFail({ actual, expected, message, operator: 'notDeepEqual', stackStartFn: notDeepEqual });
  }
  function deepStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, deepStrictEqual);
    if (!isDeepStrictEqual(actual, expected)) innerFail({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: deepStrictEqual });
  }
  function notDeepStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, notDeepStrictEqual);
    if (isDeepStrictEqual(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'notDeepStrictEqual', stackStartFn: notDeepStrictEqual });
    }
  }
  function strictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, strictEqual);
    if (!ObjectIs(actual, expected)) innerFail({ actual, expected, message, operator: 'strictEqual', stackStartFn: strictEqual });
  }
  function notStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, notStrictEqual);
    if (ObjectIs(actual, expected)) innerFail({ actual, expected, message, operator: 'notStrictEqual', stackStartFn: notStrictEqual });
  }

  let warnedFail = false;
  function fail(actual?: unknown, expected?: unknown, message?: unknown, operator?: unknown, stackStartFn?: unknown): never {
    const count = arguments.length;
    let internal = false;
    if ((actual === undefined || actual === null) && count <= 1) {
      internal = true;
      message = 'Failed';
    } else if (count === 1) {
      message = actual;
      actual = undefined;
    } else {
      if (!warnedFail) {
        warnedFail = true;
        warn(
          'assert.fail() with more than one argument is deprecated. Please use assert.strictEqual() instead or only pass a message.',
          'DeprecationWarning',
          'DEP0094',
        );
      }
      if (count === 2) operator = '!=';
    }
    if (FunctionPrototypeSymbolHasInstance(p.Error, message)) throw message;
    const error = new AssertionError({
      actual,
      expected,
      operator: operator === undefined ? 'fail' : (operator as string),
      stackStartFn: typeof stackStartFn === 'function' ? stackStartFn : fail,
      message,
    });
    if (internal) setOwn(error, 'generatedMessage', true);
    throw error;
  }

  /** Node's `expectedException`: does the thrown value satisfy `expected`? Throws when not. */
  function checkException(actual: unknown, expected: unknown, message: unknown, from: Function): void {
    let generated = false;
    if (typeof expected !== 'function') {
      if (isRegExp(expected)) {
        const text = `${actual as string}`;
        if (RegExpPrototypeExec(expected, text) !== null) return;
        if (!message) {
          generated = true;
          message = `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(text)}\n`;
        }
      } else if (typeof actual !== 'object' || actual === null) {
        const error = new AssertionError({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: from });
        setOwn(error, 'operator', from.name);
        throw error;
      } else {
        const keys: string[] = ObjectKeys(expected as object);
        if (FunctionPrototypeSymbolHasInstance(p.Error, expected)) ArrayPrototypePush(keys, 'name', 'message');
        else if (keys.length === 0) {
          throw errors.coded(p.TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'error' may not be an empty object. Received ${inspect(expected)}`, from);
        }
        for (let index = 0; index < keys.length; index++) {
          const key = keys[index] as string;
          const got = (actual as Record<string, unknown>)[key];
          const wanted = (expected as Record<string, unknown>)[key];
          if (typeof got === 'string' && isRegExp(wanted) && RegExpPrototypeExec(wanted, got) !== null) continue;
          if (key in (actual as object) && isDeepStrictEqual(got, wanted)) continue;
          if (!message) {
            const error = new AssertionError({
              actual: new Comparison(actual as object, keys),
              expected: new Comparison(expected as object, keys, actual as object),
              operator: 'deepStrictEqual',
              stackStartFn: from,
            });
            setOwn(error, 'actual', actual);
            setOwn(error, 'expected', expected);
            setOwn(error, 'operator', from.name);
            throw error;
          }
          innerFail({ actual, expected, message, operator: from.name, stackStartFn: from });
        }
        return;
      }
    } else if ((expected as { prototype?: unknown }).prototype !== undefined && isInstance(actual, expected as Function)) {
      return;
    } else if (ObjectPrototypeIsPrototypeOf(p.Error, expected)) {
      if (!message) {
        generated = true;
        message = `The error is expected to be an instance of "${(expected as Function).name}". Received `;
        if (isError(actual)) {
          const constructor = (actual as { constructor?: { name?: string } }).constructor;
          const name = (constructor && constructor.name) || (actual as Error).name;
          if ((expected as Function).name === name) message += 'an error with identical name but a different prototype.';
          else message += `"${name}"`;
          if ((actual as Error).message) message += `\n\nError message:\n\n${(actual as Error).message}`;
        } else {
          message += `"${inspect(actual, { depth: -1 })}"`;
        }
      }
    } else {
      const result = ReflectApply(expected as Function, {}, [actual]);
      if (result === true) return;
      if (!message) {
        generated = true;
        const name = (expected as Function).name ? `"${(expected as Function).name}" ` : '';
        message = `The ${name}validation function is expected to return "true". Received ${inspect(result)}`;
        if (isError(actual)) message += `\n\nCaught error:\n\n${actual as string}`;
      }
    }
    const error = new AssertionError({ actual, expected, message, operator: from.name, stackStartFn: from });
    setOwn(error, 'generatedMessage', generated);
    throw error;
  }

  function expectsError(from: Function, actual: unknown, args: unknown[]): void {
    let expected = args[0];
    let message = args[1];
    if (typeof expected === 'string') {
      if (args.length === 2) {
        throw errors.invalidArgType('error', 'of type function or an instance of Error, RegExp, or Object', expected, from);
      }
      if (typeof actual === 'object' && actual !== null) {
        if ((actual as { message?: unknown }).message === expected) {
          throw errors.coded(
            p.TypeError,
            'ERR_AMBIGUOUS_ARGUMENT',
            `The "error/message" argument is ambiguous. The error message "${(actual as Error).message}" is identical to the message.`,
            from,
          );
        }
      } else if (actual === expected) {
        throw errors.coded(p.TypeError, 'ERR_AMBIGUOUS_ARGUMENT', `The "error/message" argument is ambiguous. The error "${actual as string}" is identical to the message.`, from);
      }
      message = expected;
      expected = undefined;
    } else if (expected !== undefined && expected !== null && typeof expected !== 'object' && typeof expected !== 'function') {
      throw errors.invalidArgType('error', 'of type function or an instance of Error, RegExp, or Object', expected, from);
    }
    if (actual === NO_EXCEPTION) {
      let details = '';
      const name = expected !== undefined && expected !== null ? (expected as { name?: unknown }).name : undefined;
      if (name) details += ` (${name as string})`;
      details += message ? `: ${message as string}` : '.';
      innerFail({
        actual: undefined,
        expected,
        operator: from.name,
        message: `Missing expected ${from === rejects ? 'rejection' : 'exception'}${details}`,
        stackStartFn: from,
      });
    }
    if (!expected) return;
    checkException(actual, expected, message, from);
  }

  function matchesError(actual: unknown, expected: unknown, from: Function): boolean {
    if (typeof expected !== 'function') {
      if (isRegExp(expected)) return RegExpPrototypeExec(expected, `${actual as string}`) !== null;
      throw errors.invalidArgType('expected', 'of type function or an instance of RegExp', expected, from);
    }
    if ((expected as { prototype?: unknown }).prototype !== undefined && isInstance(actual, expected as Function)) return true;
    if (ObjectPrototypeIsPrototypeOf(p.Error, expected)) return false;
    return ReflectApply(expected as Function, {}, [actual]) === true;
  }

  function expectsNoError(from: Function, actual: unknown, args: unknown[]): void {
    if (actual === NO_EXCEPTION) return;
    let expected = args[0];
    let message = args[1];
    if (typeof expected === 'string') {
      message = expected;
      expected = undefined;
    }
    if (!expected || matchesError(actual, expected, from)) {
      const details = message ? `: ${message as string}` : '.';
      const shown = actual === undefined || actual === null ? undefined : (actual as { message?: unknown }).message;
      innerFail({
        actual,
        expected,
        operator: from.name,
        message: `Got unwanted ${from === doesNotReject ? 'rejection' : 'exception'}${details}\nActual message: "${shown as string}"`,
        stackStartFn: from,
      });
    }
    throw actual;
  }

  function callFor(fn: unknown, from: Function): unknown {
    if (typeof fn !== 'function') throw errors.invalidArgType('fn', 'of type function', fn, from);
    try {
      ReflectApply(fn, undefined, []);
    } catch (error) {
      return error;
    }
    return NO_EXCEPTION;
  }

  function isPromiseLike(value: unknown): boolean {
    return (
      types.kindOf(value) === 'Promise' ||
      (value !== null &&
        typeof value === 'object' &&
        typeof (value as { then?: unknown }).then === 'function' &&
        typeof (value as { catch?: unknown }).catch === 'function')
    );
  }

  async function settle(promiseFn: unknown, from: Function): Promise<unknown> {
    let promise: unknown;
    if (typeof promiseFn === 'function') {
      promise = ReflectApply(promiseFn, undefined, []);
      if (!isPromiseLike(promise)) {
        throw errors.coded(
          p.TypeError,
          'ERR_INVALID_RETURN_VALUE',
          `Expected instance of Promise to be returned from the "promiseFn" function but got ${errors.received(promise)}.`,
          from,
        );
      }
    } else if (isPromiseLike(promiseFn)) {
      promise = promiseFn;
    } else {
      throw errors.invalidArgType('promiseFn', 'of type function or an instance of Promise', promiseFn, from);
    }
    try {
      await promise;
    } catch (error) {
      return error;
    }
    return NO_EXCEPTION;
  }

  function throws(fn: unknown, ...args: unknown[]): void {
    expectsError(throws, callFor(fn, throws), args);
  }
  async function rejects(promiseFn: unknown, ...args: unknown[]): Promise<void> {
    expectsError(rejects, await settle(promiseFn, rejects), args);
  }
  function doesNotThrow(fn: unknown, ...args: unknown[]): void {
    expectsNoError(doesNotThrow, callFor(fn, doesNotThrow), args);
  }
  async function doesNotReject(promiseFn: unknown, ...args: unknown[]): Promise<void> {
    expectsNoError(doesNotReject, await settle(promiseFn, doesNotReject), args);
  }

  function ifError(value: unknown): void {
    if (value === null || value === undefined) return;
    let message = 'ifError got unwanted exception: ';
    if (typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
      const text = (value as Error).message;
      const constructor = (value as { constructor?: { name?: string } }).constructor;
      message += text.length === 0 && constructor ? (constructor.name as string) : text;
    } else {
      message += inspect(value);
    }
    throw new AssertionError({ actual: value, expected: null, operator: 'ifError', message, stackStartFn: ifError });
  }

  function internalMatch(text: unknown, regexp: unknown, message: unknown, from: Function, wanted: boolean): void {
    if (!isRegExp(regexp)) throw errors.invalidArgType('regexp', 'an instance of RegExp', regexp, from);
    if (typeof text === 'string' && (RegExpPrototypeExec(regexp, text) !== null) === wanted) return;
    if (FunctionPrototypeSymbolHasInstance(p.Error, message)) throw message;
    const generated = !message;
    if (!message) {
      message =
        typeof text !== 'string'
          ? `The "string" argument must be of type string. Received type ${typeof text} (${inspect(text)})`
          : `${wanted ? 'The input did not match the regular expression ' : 'The input was expected to not match the regular expression '}${inspect(regexp)}. Input:\n\n${inspect(text)}\n`;
    }
    const error = new AssertionError({ actual: text, expected: regexp, message, operator: from.name, stackStartFn: from });
    setOwn(error, 'generatedMessage', generated);
    throw error;
  }
  function match(text: unknown, regexp: unknown, message?: unknown): void {
    internalMatch(text, regexp, message, match, true);
  }
  function doesNotMatch(text: unknown, regexp: unknown, message?: unknown): void {
    internalMatch(text, regexp, message, doesNotMatch, false);
  }

  function partialDeepStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    requireTwo(arguments.length, partialDeepStrictEqual);
    // The prelude has no partial comparison: an exact deep-strict match is the strictest reading.
    if (!isDeepStrictEqual(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'partialDeepStrictEqual', stackStartFn: partialDeepStrictEqual });
    }
  }

  const methods = {
    fail,
    equal,
    notEqual,
    deepEqual,
    notDeepEqual,
    deepStrictEqual,
    notDeepStrictEqual,
    strictEqual,
    notStrictEqual,
    partialDeepStrictEqual,
    match,
    doesNotMatch,
    throws,
    rejects,
    doesNotThrow,
    doesNotReject,
    ifError,
  };

  function install(target: Function, strict: boolean): void {
    setOwn(target, 'AssertionError', AssertionError);
    setOwn(target, 'ok', ok);
    const names = ObjectKeys(methods) as Array<keyof typeof methods>;
    for (let index = 0; index < names.length; index++) {
      const name = names[index] as keyof typeof methods;
      setOwn(target, name, methods[name]);
    }
    if (strict) {
      setOwn(target, 'equal', strictEqual);
      setOwn(target, 'deepEqual', deepStrictEqual);
      setOwn(target, 'notEqual', notStrictEqual);
      setOwn(target, 'notDeepEqual', notDeepStrictEqual);
    }
  }
  install(assertCall, false);
  install(strictCall, true);
  setOwn(assertCall, 'strict', strictCall);
  setOwn(strictCall, 'strict', strictCall);
  return { assert: assertCall, strict: strictCall, AssertionError };
}
