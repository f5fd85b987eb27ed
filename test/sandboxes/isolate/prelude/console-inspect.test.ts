/**
 * The prelude's console, `util.inspect` and `util.format` against Node's own: each program runs
 * in an isolate and in a `node` child; what they print must be the same.
 */
import { describeParity } from './node-parity.ts';

describeParity('console.log of values, like Node', {
  primitives: "console.log('a', 1, 'b', -0, 0, 1e21, 1e-7, NaN, Infinity, -Infinity, 123n, true, null, undefined)",
  'nested arrays and objects past the default depth': "console.log([1, 'two', [3, [4, [5, [6]]]]], { a: { b: { c: { d: { e: 1 } } } } })",
  symbols: "console.log(Symbol('x'), Symbol(), Symbol.iterator, Symbol.for('k'), [Symbol('in array')], { [Symbol('a\\nb')]: 1 })",
  'functions and classes':
    'console.log(function () {}, function named() {}, () => {}, async function af() {}, function* gen() {}, async function* ag() {}, class A {}, class extends Array {}, class B extends Map {}, Math.max)',
  'functions with properties': 'const f = function withProps() {}; f.x = 1; console.log(f, [f], Object.assign(() => {}, { a: 1 }))',
  'maps, sets and weak collections':
    "console.log([new Map([[{ a: 1 }, [1, 2]], ['k', new Set(['v'])]])], new Map(), new Set(), new WeakMap(), new WeakSet(), new Map([[NaN, 1]]))",
  'dates and regular expressions': 'console.log(new Date(0), new Date(NaN), [new Date(86400000)], /x+/gi, [/a/], /[/]\\//y)',
  'boxed primitives': "console.log(new Number(3), new String('str'), new Boolean(false), Object(1n), Object(Symbol('boxed')), [new String('ab')], new (class N extends Number {})(2))",
  'typed arrays and buffers':
    'console.log(new Uint8Array([1, 2, 3]), new Float64Array(2), new BigInt64Array(2), new Uint8Array(200), new ArrayBuffer(4), new DataView(new ArrayBuffer(2), 1))',
  'null prototypes': "console.log(Object.create(null), Object.assign(Object.create(null), { a: 1 }), { __proto__: { inherited: 1 }, own: 2 }, Object.create(Object.create(null)))",
  'class instances': 'class Point { constructor() { this.x = 1; this.y = 2; } } console.log(new Point(), [new Point()], { p: new Point() })',
  'empty class instances': 'class Empty {} console.log(new Empty(), Object.create(Empty.prototype), Object.create(Array.prototype), Object.create(Map.prototype))',
  'circular references': 'const o = { a: 1 }; o.self = o; console.log(o); const arr = [1]; arr.push(arr); console.log(arr)',
  'mutual references': "const a = { name: 'a' }; const b = { name: 'b', a }; a.b = b; console.log([a, b])",
  'getters and setters': 'console.log({ get g() { return 1; }, set s(v) {}, get gs() { return 1; }, set gs(v) {} })',
  'string quoting': "console.log(['a'.repeat(100)], ['a\\nb', 'it\\'s', 'say \"hi\"', `both ' and \"`, 'all \\' \" `', 'tab\\there', '\\x00\\x7f\\u009f', 'back\\\\slash'])",
  'lone surrogates in strings': "console.log(['\\ud800', 'a\\udc00b', '\\ud83d\\ude00'])",
  'long arrays': 'console.log(Array.from({ length: 101 }, (_, i) => i))',
  'grouped arrays': "console.log(Array.from({ length: 7 }, (_, i) => 'word' + i), Array.from({ length: 27 }, (_, i) => i * 1000))",
  'arrays of different widths': "console.log(Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat(i % 5 + 1)), Array.from({ length: 12 }, (_, i) => 'x'.repeat(i)))",
  'wide characters in grouped arrays': "console.log(Array.from({ length: 10 }, (_, i) => '字'.repeat(i % 3 + 1)))",
  'sparse arrays': 'console.log([1, , 3, , , 6], new Array(5), [undefined, , null], Object.assign([], { 3: 1 }))',
  'arrays with extra keys': "const a = [1, 2]; a.extra = 'x'; console.log(a, Object.assign([], { '-1': 1 }))",
  'object keys that need quotes': "console.log({ 'a-b': 1, valid: 2, 3: 'num', '04': 'str', [Symbol('s')]: 5, 'ünïcode': 6, $d: 7, _u: 8, '': 9 })",
  '__proto__ as a key': 'console.log(JSON.parse(\'{"__proto__": 1}\'))',
  'deep nesting of arrays of objects': 'console.log({ a: [{ b: [{ c: [{ d: 1 }] }] }] })',
  'arrays of many objects': 'console.log(Array.from({ length: 30 }, (_, i) => ({ id: i })))',
  'line breaking at 80 columns': "console.log({ longKeyNumberOne: 'a value that is long', longKeyNumberTwo: 'another long value', three: [1, 2, 3] })",
  'line breaking counts every entry twice': 'console.log({ f() {}, g: () => 1, h: async () => {}, k: class {} })',
  'nested maps and sets': 'console.log(new Map([[1, { a: [1, { b: 2 }] }]]), new Set([[1, [2, [3, [4]]]]]))',
  'non-enumerable properties are hidden': "console.log(Object.defineProperty({}, 'hidden', { value: 1, enumerable: false }), Object.defineProperty([], 'h', { value: 1 }))",
  'subclasses of built-ins': 'class Foo extends Map {} console.log(new Foo([[1, 2]])); class Bar extends Set {} console.log(new Bar([1])); class Baz extends Array {} console.log(Baz.from([1, 2]))',
  'Symbol.toStringTag': "console.log({ [Symbol.toStringTag]: 'Tagged', a: 1 }); class T { get [Symbol.toStringTag]() { return 'TT'; } } console.log(new T()); class Q { get [Symbol.toStringTag]() { return 'Q'; } } console.log(new Q())",
  'numbers in arrays': 'console.log(-0, [-0], 0.1 + 0.2, 2 ** 53, -1e-7, 5e-324, [1.5, -2, 3], [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n])',
  'empty containers': 'console.log([[]], [{}], {}, [], [[[]]], { a: {} }, new Map([[{}, []]]))',
  'booleans and nulls in long arrays': 'console.log([true, false, true, false, true, false, true, false], [null, undefined, null, undefined, null, undefined, null])',
  'the same object twice is not circular': 'const shared = { deep: { deeper: { deepest: {} } } }; console.log(new Array(3).fill(shared))',
  'deeply nested empty arrays': 'const nested = []; let cur = nested; for (let i = 0; i < 6; i++) { const next = []; cur.push(next); cur = next; } console.log(nested)',
  'frozen and sealed': 'console.log(Object.freeze({ a: 1 }), Object.seal([1]))',
  'constructor functions': 'function Legacy() { this.v = 1; } console.log(new Legacy()); Legacy.prototype.m = function () {}; console.log(new Legacy())',
  'arguments objects': 'function f() { return arguments; } console.log(f(1, "a"), f())',
  'errors with own properties':
    "const e = new Error('x'); e.stack = 'Error: x\\n    at fake (file.js:1:1)'; console.log(e); e.code = 'E'; console.log(e); console.log({ e })",
  'errors without a stack frame': "const e = new TypeError('t'); e.stack = 'no header'; console.log(e); const r = new RangeError('r'); Object.defineProperty(r, 'stack', { value: undefined }); console.log(r)",
  'error subclasses name their class':
    "class MyError extends Error {} const e = new MyError('m'); e.stack = 'Error: m\\n    at x'; console.log(e); const n = new Error('m'); n.name = 'Custom'; n.stack = 'Error: m\\n    at x'; console.log(n)",
  'errors with a cause':
    "const e = new Error('outer', { cause: new Error('inner') }); e.stack = 'Error: outer\\n    at here'; e.cause.stack = 'Error: inner\\n    at there'; console.log(e); const s = new Error('x', { cause: 'str' }); s.stack = 'Error: x\\n    at a'; console.log(s)",
  'long strings in objects break at newlines':
    "console.log({ s: 'line one is here\\nline two is here and it is long enough to wrap around the limit of eighty' }); console.log(['short\\nstring'])",
  'iterators': "console.log(['x', 'y'].entries(), 'ab'[Symbol.iterator]())",
  'custom inspect': "const util = require('util'); class C { [util.inspect.custom]() { return 'custom!'; } } console.log(new C(), [new C()], { c: new C() })",
  'custom inspect returning an object': "class D { [Symbol.for('nodejs.util.inspect.custom')](depth, options) { return { depth, shown: true }; } } console.log(new D())",
  'self references in class instances': 'class A { constructor() { this.self = this; this.list = [this]; } } console.log(new A())',
  'entries and fills': "console.log([['a', 1], ['b', 2]], Object.entries({ x: 1, y: [2] })); console.log(new Array(200).fill('ab'))",
  'special numbers in objects': 'console.log({ und: undefined, nul: null, nan: NaN, neg: -0, big: 10n ** 20n }, [1.5, 22.25, 333.125, 4, 55, 666, 7777, 88888, 999999])',
  'inherited properties are not shown': 'console.log(Object.assign(Object.create({ inherited: 1 }), { own: 2 }))',
  'globals of the guest': "console.log(typeof globalThis, typeof queueMicrotask, typeof setImmediate, typeof TextEncoder, typeof TextDecoder)",
});

describeParity('console methods, like Node', {
  'log with no arguments and empty strings': "console.log(); console.log(''); console.log('', ''); console.log('multi\\nline', 'x')",
  'streams of each method': "console.error('to', 'stderr', { a: 1 }); console.warn('warn'); console.info('info'); console.debug('debug'); console.dirxml('dirxml')",
  count: "console.count(); console.count(); console.count('x'); console.countReset(); console.count(); console.count('x')",
  groups: "console.group('G1'); console.log('in 1'); console.group(); console.log('in 2\\nline'); console.groupEnd(); console.log({ a: 1, b: [1, 2] }); console.groupEnd(); console.log('out'); console.groupEnd(); console.log('still out')",
  'groups on stderr': "console.group('g'); console.error('err in group'); console.warn({ w: 1 }); console.groupEnd(); console.groupCollapsed('c'); console.log('x'); console.groupEnd()",
  dir: "console.dir({ a: { b: { c: { d: {} } } } }); console.dir({ a: { b: { c: { d: {} } } } }, { depth: 0 }); console.dir('str'); console.dir({ a: { b: { c: { d: { e: {} } } } } }, { depth: null })",
  'dir ignores custom inspect': "console.dir({ [Symbol.for('nodejs.util.inspect.custom')]() { return 'custom'; }, a: 1 })",
  'assert with a string message': "console.assert(true, 'never'); console.assert(false); console.assert(0, 'msg %s', 'arg'); console.assert(null, 'two', 'parts')",
  'table of objects': 'console.table([{ a: 1, b: 2 }, { a: 3 }, { c: "x" }])',
  'table of primitives and mixed rows': "console.table([1, 'two', { a: 3 }]); console.table({ r1: { c: 1 }, r2: { c: 2 } })",
  'table of a map and a set': "console.table(new Map([['k', 1], ['l', { m: 2 }]])); console.table(new Set(['v', 2]))",
  'table with chosen columns': "console.table([{ a: 1, b: 2 }, { a: 3, b: 4 }], ['b'])",
  'table of a primitive': "console.table('just text'); console.table(5)",
  'table of wide characters': "console.table([{ name: '字字', n: 1 }])",
  'console keys in Node order': 'console.log(Object.keys(console).slice(0, 17).join(" "))',
  'console methods are plain functions': 'const { log } = console; log("detached"); [1, 2].forEach((x) => console.log(x))',
});

describeParity('util.format and printf-style console.log, like Node', {
  '%s of primitives': "console.log('%s|%s|%s|%s|%s|%s', 'str', 42, 10n, null, undefined, -0)",
  '%s of objects uses depth 0': "console.log('%s %s %s', { a: { b: { c: 1 } } }, [1, [2, [3]]], Symbol('s'))",
  '%s of objects with their own toString': "class W { toString() { return 'W!'; } } console.log('%s %s %s', new W(), { toString() { return 'own'; } }, [1, 2, 3])",
  '%s of dates and errors': "const e = new Error('e'); e.stack = 'Error: e\\n    at x'; console.log('%s', new Date(0)); console.log('%s', e)",
  '%s of functions prints their source': "console.log('%s', class A {}, function f() { return 1; })",
  '%d': "console.log('%d %d %d %d %d %d', '42', 1.5, -0, 10n, {}, Symbol('s'))",
  '%i': "console.log('%i %i %i %i', 1.9, '-2.5', 10n, '0x10')",
  '%f': "console.log('%f %f %f', '1.5abc', 'x', -0)",
  '%j': "console.log('%j %j', { a: [1] }, 'str'); const c = {}; c.c = c; console.log('%j', c)",
  '%O': "console.log('%O', { a: { b: { c: { d: 1 } } } })",
  '%o shows hidden properties': "console.log('%o', { a: [1, 2, { b: 3 }], f() {} }); console.log('%o', [1, 2]); console.log('%o', 'str', 42)",
  '%c is dropped': "console.log('%c styled', 'color: red', 'after')",
  '%% and missing arguments': "console.log('%% %s %%', 'x', 'extra', 1); console.log('100%', 5, '%'); console.log('%s'); console.log('%x %s', 'a'); console.log('a%sb%sc', 1)",
  'format string not first': "console.log(1, '%s', 'x')",
  'util.format': "const util = require('util'); console.log(util.format('%s=%d', 'x', 5, 'rest')); console.log(util.format()); console.log(util.format(1, 2)); console.log(util.formatWithOptions({ depth: 0 }, '%O', { a: { b: 1 } }))",
});

describeParity('util.inspect options, like Node', {
  depth: "const util = require('util'); console.log(util.inspect([[[[1]]]], { depth: 0 }), util.inspect({ a: { b: { c: { d: {} } } } }, { depth: Infinity }), util.inspect({ a: { b: { c: { d: 1 } } } }, { depth: 5 }))",
  'depth null and compact levels': "const util = require('util'); console.log(util.inspect({ a: { b: { c: { d: { e: { f: 1 } } } } } }, { depth: null }))",
  'compact false': "const util = require('util'); console.log(util.inspect({ a: [1, 2], b: { c: 'd' } }, { compact: false }))",
  'compact true': "const util = require('util'); console.log(util.inspect({ a: [1, 2], b: { c: 'd' }, e: 'x'.repeat(70) }, { compact: true }))",
  breakLength: "const util = require('util'); console.log(util.inspect({ a: 1, b: 2, c: [1, 2, 3] }, { breakLength: 10 })); console.log(util.inspect(Array.from({ length: 30 }, (_, i) => i), { breakLength: Infinity }))",
  sorted: "const util = require('util'); console.log(util.inspect({ c: 1, a: 2, b: { z: 1, y: 2 } }, { sorted: true }))",
  getters: "const util = require('util'); console.log(util.inspect({ get a() { return 1; }, get b() { return { x: 1 }; }, get c() { throw 'no'; }, set d(v) {} }, { getters: true }))",
  maxArrayLength: "const util = require('util'); console.log(util.inspect([1, 2, 3, 4, 5], { maxArrayLength: 2 }), util.inspect(new Set([1, 2, 3]), { maxArrayLength: 1 }), util.inspect(new Map([[1, 2], [3, 4]]), { maxArrayLength: 0 }))",
  maxStringLength: "const util = require('util'); console.log(util.inspect('abcdefghij', { maxStringLength: 4 }), util.inspect(['x'.repeat(20)], { maxStringLength: 5 }))",
  'legacy arguments': "const util = require('util'); console.log(util.inspect({ a: { b: { c: {} } } }, false, 0))",
  'inspect of strings and numbers': "const util = require('util'); console.log(util.inspect('str'), util.inspect(\"it's\"), util.inspect(-0), util.inspect(1n), util.inspect(undefined))",
});
