/**
 * Hostile programs: each replaces built-ins the prelude relies on (`Object.is = () => true` made
 * `assert.strictEqual(1, 2)` pass), then runs failing and passing assertions, prints values, and
 * uses events and timers. What the prelude computes must not change: every failing assertion
 * still throws AssertionError, every passing one passes, and what is printed is what a clean
 * program prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeParity } from './node-parity.ts';

/** Test data, made before the hostile code runs (constructing Maps uses `Map.prototype.set`). */
const DATA = `
const mapA = new Map([[1, 'a']]);
const mapB = new Map([[1, 'b']]);
const mapA2 = new Map([[1, 'a']]);
const setA = new Set([1, { k: 2 }]);
const setB = new Set([1, { k: 3 }]);
const setA2 = new Set([1, { k: 2 }]);
const dateA = new Date(1);
const dateB = new Date(2);
const dateA2 = new Date(1);
const nested = { a: [1, { b: 2 }], s: 'text' };
const nestedSame = { a: [1, { b: 2 }], s: 'text' };
const nestedOther = { a: [1, { b: 3 }], s: 'text' };
`;

/** Runs after the hostile code; uses nothing a hostile snippet replaces but syntax and the prelude. */
const CHECKS = `
const assert = require('assert');
const strict = require('assert/strict');
const util = require('util');
const EventEmitter = require('events');
let out = '';
function mustThrow(label, fn) {
  try { fn(); out += label + ':PASSED '; }
  catch (e) { out += label + ':' + (e.name === 'AssertionError' && e.code === 'ERR_ASSERTION' ? 'ok' : 'WRONG-ERROR') + ' '; }
}
function mustPass(label, fn) {
  try { fn(); out += label + ':ok '; }
  catch (e) { out += label + ':THREW '; }
}
mustThrow('strictEqual', () => assert.strictEqual(1, 2));
mustThrow('strictEqual-objects', () => assert.strictEqual(nested, nestedSame));
mustThrow('notStrictEqual', () => assert.notStrictEqual(1, 1));
mustThrow('deepStrictEqual', () => assert.deepStrictEqual(nested, nestedOther));
mustThrow('deepStrictEqual-types', () => assert.deepStrictEqual([1], ['1']));
mustThrow('deepStrictEqual-map', () => assert.deepStrictEqual(mapA, mapB));
mustThrow('deepStrictEqual-set', () => assert.deepStrictEqual(setA, setB));
mustThrow('deepStrictEqual-date', () => assert.deepStrictEqual(dateA, dateB));
mustThrow('deepEqual', () => assert.deepEqual([1, 2, 3], [1, 2, 4]));
mustThrow('notDeepStrictEqual', () => assert.notDeepStrictEqual(nested, nestedSame));
mustThrow('equal', () => assert.equal(1, 2));
mustThrow('strict.equal', () => strict.equal(1, '1'));
mustThrow('ok', () => assert.ok(0));
mustThrow('assert', () => assert(false));
mustThrow('fail', () => assert.fail('boom'));
mustThrow('throws-nothing', () => assert.throws(() => {}));
mustThrow('throws-class', () => assert.throws(() => { throw new TypeError('x'); }, RangeError));
mustThrow('throws-regexp', () => assert.throws(() => { throw new Error('abc'); }, /xyz/));
mustThrow('throws-object', () => assert.throws(() => { throw new Error('abc'); }, { message: 'xyz' }));
mustThrow('doesNotThrow', () => assert.doesNotThrow(() => { throw new Error('x'); }));
mustThrow('match', () => assert.match('abc', /x/));
mustPass('strictEqual', () => assert.strictEqual(1, 1));
mustPass('deepStrictEqual', () => assert.deepStrictEqual(nested, nestedSame));
mustPass('deepStrictEqual-map', () => assert.deepStrictEqual(mapA, mapA2));
mustPass('deepStrictEqual-set', () => assert.deepStrictEqual(setA, setA2));
mustPass('deepStrictEqual-date', () => assert.deepStrictEqual(dateA, dateA2));
mustPass('deepEqual', () => assert.deepEqual({ a: 1 }, { a: '1' }));
mustPass('notDeepStrictEqual', () => assert.notDeepStrictEqual(nested, nestedOther));
mustPass('throws', () => assert.throws(() => { throw new TypeError('x'); }, TypeError));
mustPass('throws-regexp', () => assert.throws(() => { throw new Error('abc'); }, /b/));
mustPass('ok', () => assert.ok(1));
mustPass('isDeepStrictEqual', () => { if (!util.isDeepStrictEqual(nested, nestedSame)) throw 0; });
console.log(out);
console.log(nested, mapA, setA, dateA, 'and %s %d', 'format', 42);
console.error(util.inspect({ deep: { deeper: { deepest: { gone: 1 } } } }));
const emitter = new EventEmitter();
let heard = '';
emitter.on('x', (value) => { heard += 'first:' + value + ' '; });
emitter.once('x', (value) => { heard += 'once:' + value + ' '; });
emitter.emit('x', 1);
emitter.emit('x', 2);
console.log(heard);
setTimeout(() => {
  console.log('timer 1');
  setTimeout(() => console.log('timer 2'), 1);
}, 1);
queueMicrotask(() => console.log('microtask'));
`;

const EXPECTED_STDOUT = [
  'strictEqual:ok strictEqual-objects:ok notStrictEqual:ok deepStrictEqual:ok deepStrictEqual-types:ok deepStrictEqual-map:ok deepStrictEqual-set:ok ' +
    'deepStrictEqual-date:ok deepEqual:ok notDeepStrictEqual:ok equal:ok strict.equal:ok ok:ok assert:ok fail:ok throws-nothing:ok throws-class:ok ' +
    'throws-regexp:ok throws-object:ok doesNotThrow:ok match:ok strictEqual:ok deepStrictEqual:ok deepStrictEqual-map:ok deepStrictEqual-set:ok ' +
    'deepStrictEqual-date:ok deepEqual:ok notDeepStrictEqual:ok throws:ok throws-regexp:ok ok:ok isDeepStrictEqual:ok ',
  "{ a: [ 1, { b: 2 } ], s: 'text' } Map(1) { 1 => 'a' } Set(2) { 1, { k: 2 } } 1970-01-01T00:00:00.001Z and %s %d format 42",
  'first:1 once:1 first:2 ',
  'microtask',
  'timer 1',
  'timer 2',
  '',
].join('\n');
const EXPECTED_STDERR = '{ deep: { deeper: { deepest: [Object] } } }\n';

/** Replacements of built-ins, each run as its own program. */
const HOSTILE: Record<string, string> = {
  'Object.is always true': 'Object.is = () => true;',
  'Object.is always false': 'Object.is = () => false;',
  'Array every and some': 'Array.prototype.every = () => true; Array.prototype.some = () => true;',
  'Array map, filter, forEach, reduce': 'Array.prototype.map = () => []; Array.prototype.filter = () => []; Array.prototype.forEach = () => {}; Array.prototype.reduce = () => 0;',
  'Array join': "Array.prototype.join = () => '';",
  'Array push and pop': 'Array.prototype.push = function () { return 0; }; Array.prototype.pop = () => undefined; Array.prototype.unshift = () => 0;',
  'Array indexOf and includes': 'Array.prototype.indexOf = () => 0; Array.prototype.includes = () => true; Array.prototype.lastIndexOf = () => 0;',
  'Array slice, splice, concat, sort': 'Array.prototype.slice = () => []; Array.prototype.splice = () => []; Array.prototype.concat = () => []; Array.prototype.sort = function () { return this; };',
  'Array.isArray and Array.from': 'Array.isArray = () => false; Array.from = () => [];',
  'Array species': 'Array.prototype.constructor = function Fake() { return { length: 0 }; }; Array.prototype.constructor[Symbol.species] = Array.prototype.constructor;',
  'Symbol.iterator of arrays': 'Object.getPrototypeOf([][Symbol.iterator]()).next = () => ({ done: true }); Array.prototype[Symbol.iterator] = function* () {};',
  'Symbol.iterator of Map and Set': 'Object.getPrototypeOf(new Map().entries()).next = () => ({ done: true }); Object.getPrototypeOf(new Set().values()).next = () => ({ done: true }); Map.prototype[Symbol.iterator] = function* () {}; Map.prototype.entries = function* () {}; Map.prototype.forEach = () => {}; Set.prototype[Symbol.iterator] = function* () {}; Set.prototype.values = function* () {};',
  'Map get, has, set and size': "Map.prototype.get = () => 'a'; Map.prototype.has = () => true; Map.prototype.set = function () { return this; }; Object.defineProperty(Map.prototype, 'size', { get: () => 1 });",
  'Set has, add and size': "Set.prototype.has = () => true; Set.prototype.add = function () { return this; }; Object.defineProperty(Set.prototype, 'size', { get: () => 2 });",
  'WeakMap methods': 'WeakMap.prototype.get = () => undefined; WeakMap.prototype.set = function () { return this; }; WeakMap.prototype.has = () => false;',
  'Object.keys, entries, values': 'Object.keys = () => []; Object.entries = () => []; Object.values = () => [];',
  'Object reflection': 'Object.getPrototypeOf = () => null; Object.getOwnPropertyNames = () => []; Object.getOwnPropertySymbols = () => []; Object.getOwnPropertyDescriptor = () => undefined;',
  'Object definition': 'Object.defineProperty = (o) => o; Object.defineProperties = (o) => o; Object.create = () => ({}); Object.assign = (o) => o; Object.freeze = (o) => o; Object.setPrototypeOf = (o) => o;',
  'Object.prototype methods': "Object.prototype.hasOwnProperty = () => true; Object.prototype.propertyIsEnumerable = () => false; Object.prototype.toString = () => '[object Object]'; Object.prototype.isPrototypeOf = () => true;",
  'Reflect': 'Reflect.ownKeys = () => []; Reflect.apply = () => undefined; Reflect.construct = () => ({}); Reflect.getPrototypeOf = () => null; Reflect.has = () => true;',
  'JSON': "JSON.stringify = () => '\"same\"'; JSON.parse = () => ({});",
  'String split, replace, slice': "String.prototype.split = () => []; String.prototype.replace = () => ''; String.prototype.replaceAll = () => ''; String.prototype.slice = () => ''; String.prototype.substring = () => '';",
  'String search methods': 'String.prototype.includes = () => true; String.prototype.indexOf = () => 0; String.prototype.startsWith = () => true; String.prototype.endsWith = () => true; String.prototype.lastIndexOf = () => 0;',
  'String building methods': "String.prototype.repeat = () => ''; String.prototype.padStart = function () { return ''; }; String.prototype.padEnd = function () { return ''; }; String.prototype.trim = () => ''; String.prototype.toLowerCase = () => ''; String.prototype.charCodeAt = () => 0; String.prototype.codePointAt = () => 0;",
  'String symbols': "String.prototype[Symbol.split] = () => []; String.prototype[Symbol.replace] = () => ''; RegExp.prototype[Symbol.split] = () => []; RegExp.prototype[Symbol.replace] = () => '';",
  'Function call, apply, bind': 'Function.prototype.call = function () { return true; }; Function.prototype.apply = function () { return true; }; Function.prototype.bind = function () { return () => true; };',
  'Function toString': "Function.prototype.toString = () => 'function () { [native code] }';",
  'Symbol.hasInstance of Error': 'Object.defineProperty(Error, Symbol.hasInstance, { value: () => false }); Object.defineProperty(Function.prototype, Symbol.toStringTag, { value: "X" });',
  'RegExp exec and test': 'RegExp.prototype.exec = () => null; RegExp.prototype.test = () => true; RegExp.prototype.toString = () => "/same/";',
  'RegExp flags and source': "Object.defineProperty(RegExp.prototype, 'source', { get: () => 'same' }); Object.defineProperty(RegExp.prototype, 'flags', { get: () => '' }); Object.defineProperty(RegExp.prototype, 'global', { get: () => false });",
  'Number and Math': 'Number.isNaN = () => true; Number.parseInt = () => 0; Number.parseFloat = () => 0; Math.max = () => 0; Math.min = () => 0; Math.floor = () => 0; Math.sqrt = () => 0; Math.round = () => 0;',
  'Number prototype': "Number.prototype.toString = () => 'N'; Number.prototype.valueOf = () => 0; Number.prototype.toFixed = () => 'N';",
  'Date methods': "Date.prototype.getTime = () => 0; Date.prototype.toISOString = () => 'same'; Date.now = () => 0; Date.prototype.valueOf = () => 0;",
  'Promise then': 'Promise.prototype.then = function () { return this; }; Promise.resolve = () => ({ then() {} }); Promise.prototype.catch = function () { return this; };',
  'Promise species': 'Promise.prototype.constructor = function Fake() {}; Object.defineProperty(Promise, Symbol.species, { get: () => function () {} });',
  'typed array getters': "ArrayBuffer.isView = () => false; const TA = Object.getPrototypeOf(Uint8Array); Object.defineProperty(TA.prototype, 'length', { get: () => 0 }); Object.defineProperty(TA.prototype, Symbol.toStringTag, { get: () => undefined });",
  'globals replaced': "Error = function Error() {}; TypeError = function TypeError() {}; Map = function Map() {}; Set = function Set() {}; WeakMap = function WeakMap() {}; Promise = function Promise() {}; Symbol = function Symbol() {}; String = () => 'S'; Number = () => 0; JSON = {}; Math = {}; Reflect = {}; Object = function Object() {}; Array = function Array() {};",
  'built-in tags removed': 'delete Map.prototype[Symbol.toStringTag]; delete Set.prototype[Symbol.toStringTag];',
  'Error.captureStackTrace and prepareStackTrace': "Error.captureStackTrace = () => {}; Error.prepareStackTrace = () => 'stack';",
};

describe('captured built-ins: hostile programs cannot change what the prelude computes', () => {
  let parity: NodeParity;
  beforeAll(() => {
    parity = new NodeParity();
  });
  afterAll(async () => {
    await parity.dispose();
  });

  it('a clean program prints the expected text, in the isolate and in Node', async () => {
    const { isolate, node } = await parity.run(DATA + CHECKS);
    expect(node).toEqual({ stdout: EXPECTED_STDOUT, stderr: EXPECTED_STDERR, exitCode: 0 });
    expect(isolate).toEqual({ stdout: EXPECTED_STDOUT, stderr: EXPECTED_STDERR, exitCode: 0 });
  });

  for (const [name, hostile] of Object.entries(HOSTILE)) {
    it(`${name}: asserts, inspect, console, events and timers are unchanged`, async () => {
      const result = await parity.runIsolate(`${DATA}\n${hostile}\n${CHECKS}`);
      expect(result).toEqual({ stdout: EXPECTED_STDOUT, stderr: EXPECTED_STDERR, exitCode: 0 });
    });
  }

  for (const [name, hostile] of Object.entries(HOSTILE)) {
    it(`${name}, after the modules were loaded: just as unchanged`, async () => {
      // The prelude builds its modules on first use: here they exist before the hostile code runs.
      const early = "require('assert'); require('assert/strict'); require('util'); require('events'); console.log; setTimeout; queueMicrotask;";
      const result = await parity.runIsolate(`${DATA}\n${early}\n${hostile}\n${CHECKS}`);
      expect(result).toEqual({ stdout: EXPECTED_STDOUT, stderr: EXPECTED_STDERR, exitCode: 0 });
    });
  }
});
