/**
 * The prelude's `assert` against Node's own: which calls throw, and the thrown error's name,
 * code, message, operator, generatedMessage, own keys and toString(), printed by each program.
 */
import { describeParity } from './node-parity.ts';

/** A program that runs each call and prints what it threw (or that it passed). */
function report(calls: string[], module = 'assert'): string {
  return `const assert = require('${module}');
const calls = [${calls.map((call) => `() => { ${call}; }`).join(',\n')}];
for (const call of calls) {
  try {
    call();
    console.log('passed');
  } catch (e) {
    console.log(JSON.stringify([e.name, e.code, e.message, e.operator, e.generatedMessage, e instanceof assert.AssertionError]));
  }
}`;
}

describeParity('assert: equality checks and their messages, like Node', {
  strictEqual: report([
    'assert.strictEqual(1, 2)',
    "assert.strictEqual('a', 'b')",
    "assert.strictEqual(1, '1')",
    'assert.strictEqual(NaN, 0)',
    'assert.strictEqual(null, undefined)',
    'assert.strictEqual(0, -0)',
    'assert.strictEqual(NaN, NaN)',
    "assert.strictEqual('a'.repeat(10) + '\\n' + 'b', 'a'.repeat(10) + '\\n' + 'c')",
    "assert.strictEqual('hello world', 'hello there')",
    "assert.strictEqual('x'.repeat(50), 'x'.repeat(49) + 'y')",
    "assert.strictEqual(1, 2, 'my message')",
    'assert.strictEqual(1, 2, new RangeError("mine"))',
    'assert.strictEqual(1)',
  ]),
  'strictEqual of objects': report([
    'assert.strictEqual({ a: 1 }, { a: 1 })',
    'assert.strictEqual([1, 2, 3], [1, 2, 4])',
    'assert.strictEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 11])',
    'assert.strictEqual(() => 1, () => 1)',
    'const o = {}; assert.strictEqual(o, o)',
  ]),
  deepStrictEqual: report([
    'assert.deepStrictEqual([1, 2], [1, 3])',
    'assert.deepStrictEqual({ a: 1, b: 2 }, { a: 1, b: 3 })',
    'assert.deepStrictEqual({ a: [1, 2, 3] }, { a: [1, 2, 3, 4] })',
    "assert.deepStrictEqual('x', 'y')",
    'assert.deepStrictEqual(1, 2)',
    "assert.deepStrictEqual([1], ['1'])",
    'assert.deepStrictEqual({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3] })',
    'assert.deepStrictEqual(Array.from({ length: 20 }, (_, i) => i), Array.from({ length: 20 }, (_, i) => (i === 15 ? -1 : i)))',
    'assert.deepStrictEqual({ z: 1, a: { y: [1, { x: 2 }] } }, { a: { y: [1, { x: 3 }] }, z: 1 })',
    'assert.deepStrictEqual(new Map([[1, "a"]]), new Map([[1, "b"]]))',
    'assert.deepStrictEqual(new Set([1, 2]), new Set([1, 3]))',
    'assert.deepStrictEqual([{ a: 1 }], [{ a: 1 }])',
    "assert.deepStrictEqual({ a: 1 }, { a: 2 }, 'custom deep message')",
  ]),
  'loose checks': report([
    'assert.deepEqual([1, 2], [1, 3])',
    'assert.deepEqual({ a: 1 }, { a: 2 })',
    "assert.deepEqual({ a: 1 }, { a: '1' })",
    'assert.equal(1, 2)',
    "assert.equal('a', 'b')",
    'assert.equal({ a: 1 }, { a: 1 })',
    "assert.equal(1, '1')",
    'assert.equal(NaN, NaN)',
    'assert.notEqual(1, 1)',
    'assert.notStrictEqual(1, 1)',
    'const o = { a: 1 }; assert.notStrictEqual(o, o)',
    'assert.notDeepStrictEqual([1], [1])',
    'assert.notDeepEqual({}, {})',
    'assert.notDeepEqual({ a: [1, 2, 3, 4] }, { a: [1, 2, 3, 4] })',
  ]),
  'strict module': report(["assert.equal(1, '1')", "assert.deepEqual([1], ['1'])", 'assert.notEqual(1, 1)', 'assert.notDeepEqual([1], [1])', 'assert(0)'], 'assert/strict'),
});

describeParity('assert: ok, fail, throws, match, like Node', {
  ok: report(['assert(true)', "assert(false, 'custom')", 'assert()', 'assert.ok(null, "custom")', 'assert.ok(1)', "assert.ok('', new TypeError('own'))"]),
  fail: report(['assert.fail()', "assert.fail('boom')", "assert.fail(new TypeError('own'))"]),
  throws: report([
    'assert.throws(() => {})',
    "assert.throws(() => {}, 'msg')",
    'assert.throws(() => {}, TypeError)',
    "assert.throws(() => { throw new Error('x'); }, TypeError)",
    "assert.throws(() => { throw new TypeError('x'); }, TypeError)",
    "assert.throws(() => { throw new Error('x'); }, /y/)",
    "assert.throws(() => { throw new Error('x'); }, /x/)",
    "assert.throws(() => { throw new Error('x'); }, { message: 'y' })",
    "assert.throws(() => { throw new Error('x'); }, { message: /x/, name: 'Error' })",
    "assert.throws(() => { throw new Error('x'); }, (e) => e.message === 'x')",
    "assert.throws(() => { throw new Error('x'); }, function check() { return false; })",
    "assert.throws(() => { throw 'str'; }, { message: 'str' })",
    "assert.throws(() => { throw new Error('same'); }, 'same')",
    'assert.throws(1)',
    'assert.throws(() => { throw new Error("x"); }, 5)',
  ]),
  doesNotThrow: report([
    'assert.doesNotThrow(() => 1)',
    "assert.doesNotThrow(() => { throw new Error('boom'); })",
    "assert.doesNotThrow(() => { throw new Error('boom'); }, 'extra')",
    "assert.doesNotThrow(() => { throw new Error('boom'); }, TypeError)",
  ]),
  'match and doesNotMatch': report([
    "assert.match('abc', /b/)",
    "assert.match('abc', /x/)",
    "assert.doesNotMatch('abc', /b/)",
    'assert.match(5, /5/)',
    "assert.match('abc', 'b')",
  ]),
  ifError: report(['assert.ifError(null)', 'assert.ifError(undefined)', "assert.ifError('str')", 'assert.ifError(0)']),
  'error fields': `const assert = require('assert');
try { assert.strictEqual(1, 2); } catch (e) {
  console.log(e instanceof Error, Object.keys(e), e.actual, e.expected, e.diff, String(e).split('\\n')[0], e.name, Object.prototype.hasOwnProperty.call(e, 'name'));
}`,
  'assert.AssertionError made directly': `const assert = require('assert');
const e = new assert.AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' });
console.log(e.message, e.generatedMessage, e.code);
const m = new assert.AssertionError({ message: 'given', actual: [1], expected: [2], operator: 'deepEqual' });
console.log(m.message, m.generatedMessage);`,
  'rejects and doesNotReject': `const assert = require('assert');
(async () => {
  for (const call of [
    () => assert.rejects(Promise.resolve(1)),
    () => assert.rejects(Promise.reject(new Error('x')), TypeError),
    () => assert.rejects(Promise.reject(new Error('x')), /x/),
    () => assert.rejects(async () => { throw new Error('y'); }, { message: 'y' }),
    () => assert.rejects(() => 5),
    () => assert.doesNotReject(Promise.reject(new Error('y'))),
    () => assert.doesNotReject(Promise.resolve(2)),
  ]) {
    try { await call(); console.log('passed'); } catch (e) { console.log(e.name, e.code, JSON.stringify(e.message)); }
  }
})();`,
});

describeParity('assert: which values are deep-equal, like Node', {
  'strict deep equality': `const assert = require('assert');
const cases = [
  [[1], { 0: 1, length: 1 }], [new Date(1), new Date(2)], [new Date(1), new Date(1)], [/a/g, /a/i], [/a/g, /a/g],
  [new Set([1]), new Set(['1'])], [new Set([{ a: 1 }, { b: 2 }]), new Set([{ b: 2 }, { a: 1 }])],
  [new Map([[1, 2]]), new Map([[1, 3]])], [new Map([[{ k: 1 }, 'v']]), new Map([[{ k: 1 }, 'v']])],
  [{ a: undefined }, {}], [[1, , 3], [1, undefined, 3]], [new Number(1), new Number(2)], [new Number(1), new Number(1)],
  [Object.create(null), {}], [-0, 0], [NaN, NaN], [new Error('a'), new Error('b')], [new Error('a'), new Error('a')],
  [new TypeError('a'), new Error('a')], [new Uint8Array([1]), new Int8Array([1])], [new Uint8Array([1, 2]), new Uint8Array([1, 2])],
  [{ [Symbol.for('s')]: 1 }, { [Symbol.for('s')]: 2 }], [[1, 2, 3], [1, 2, 3]], [{ a: { b: { c: [1] } } }, { a: { b: { c: [1] } } }],
  [new WeakMap(), new WeakMap()], [Promise.resolve(1), Promise.resolve(1)], [new Float64Array([0]), new Float64Array([-0])],
  [new ArrayBuffer(2), new ArrayBuffer(2)], [new ArrayBuffer(2), new ArrayBuffer(3)], [() => 1, () => 1],
  [Object.assign([1], { x: 1 }), [1]], [new (class A {})(), new (class B {})()],
];
const cyclicA = { name: 'c' }; cyclicA.self = cyclicA;
const cyclicB = { name: 'c' }; cyclicB.self = cyclicB;
cases.push([cyclicA, cyclicB]);
console.log(cases.map(([a, b]) => { try { assert.deepStrictEqual(a, b); return 'equal'; } catch (e) { return e.name; } }).join(' '));`,
  'loose deep equality': `const assert = require('assert');
const cases = [
  [[1], { 0: 1, length: 1 }], [{ a: 1 }, { a: '1' }], [1, '1'], [null, undefined], [[1, 2], ['1', '2']], [new Set([1]), new Set(['1'])],
  [NaN, NaN], [{ a: NaN }, { a: NaN }], [-0, 0], [new Date(1), new Date(1)], [[], {}], [[null], [undefined]],
  [new Map([[1, 'a']]), new Map([['1', 'a']])], [Object.create(null), {}], [new Float32Array([0]), new Float32Array([-0])],
  [{ a: [1, { b: 2 }] }, { a: ['1', { b: '2' }] }], [true, 1], [new Number(1), 1],
];
console.log(cases.map(([a, b]) => { try { assert.deepEqual(a, b); return 'equal'; } catch (e) { return e.name; } }).join(' '));`,
  'util.isDeepStrictEqual': "const util = require('util'); console.log(util.isDeepStrictEqual({ a: [1] }, { a: [1] }), util.isDeepStrictEqual([1], ['1']), util.isDeepStrictEqual(new Set([[1]]), new Set([[1]])))",
});

describeParity('assert: uncaught failures end the program, like Node', {
  'an uncaught assertion failure exits 1': { program: "require('assert').strictEqual(1, 2); console.log('unreachable');", compareStderr: false },
  'a failure inside a timer exits 1': { program: "setTimeout(() => require('assert').deepEqual([1], [2]), 1); console.log('before');", compareStderr: false },
});
