/**
 * The prelude's `events` and `util` modules against Node's own.
 */
import { describeParity } from './node-parity.ts';

describeParity('events, like Node', {
  'on, emit with arguments and this': "const EventEmitter = require('events'); const e = new EventEmitter(); e.on('x', function (a, b) { console.log(a, b, this === e); }); console.log(e.emit('x', 1, 'two'), e.emit('none'));",
  'listeners run in order; changes apply to the next emit':
    "const { EventEmitter } = require('events'); const e = new EventEmitter(); const second = () => console.log('second'); e.on('x', () => { console.log('first'); e.off('x', second); e.on('x', () => console.log('added')); }); e.on('x', second); e.emit('x'); console.log('--'); e.emit('x');",
  once: "const EventEmitter = require('events'); const e = new EventEmitter(); e.once('x', (v) => console.log('once', v)); e.emit('x', 1); e.emit('x', 2); const f = () => console.log('never'); e.once('y', f); e.removeListener('y', f); console.log(e.emit('y'), e.listenerCount('y'));",
  'prepend and counts':
    "const EventEmitter = require('events'); const e = new EventEmitter(); e.on('x', () => console.log('b')); e.prependListener('x', () => console.log('a')); e.prependOnceListener('x', () => console.log('first once')); e.emit('x'); e.emit('x'); console.log(e.listenerCount('x'), e.eventNames(), e.listeners('x').length, e.rawListeners('x').length);",
  'removing the most recent duplicate':
    "const EventEmitter = require('events'); const e = new EventEmitter(); const f = () => console.log('f'); const g = () => console.log('g'); e.on('x', f); e.on('x', g); e.on('x', f); e.off('x', f); e.emit('x'); e.removeAllListeners('x'); console.log(e.emit('x'));",
  'newListener and removeListener events':
    "const EventEmitter = require('events'); const e = new EventEmitter(); e.on('newListener', (name) => console.log('adding', name)); e.on('removeListener', (name) => console.log('removed', name)); const f = () => {}; e.on('data', f); e.off('data', f);",
  'error without a listener throws': "const EventEmitter = require('events'); const e = new EventEmitter(); try { e.emit('error', new Error('boom')); } catch (err) { console.log('caught', err.message); } try { e.emit('error', 'text'); } catch (err) { console.log(err.name, err.code, err.message); }",
  'error with a listener': "const EventEmitter = require('events'); const e = new EventEmitter(); e.on('error', (err) => console.log('handled', err.message)); e.emit('error', new Error('boom'));",
  subclasses: "const EventEmitter = require('events'); class Job extends EventEmitter { run() { this.emit('done', 42); } } const j = new Job(); j.on('done', (v) => console.log('done', v)); j.run(); console.log(j instanceof EventEmitter);",
  'a non-function listener': "const EventEmitter = require('events'); try { new EventEmitter().on('x', 5); } catch (e) { console.log(e.name, e.code, e.message); }",
  'max listeners warning': "const EventEmitter = require('events'); const e = new EventEmitter(); for (let i = 0; i < 11; i++) e.on('leak', () => {}); console.log(e.getMaxListeners()); e.setMaxListeners(1); console.log(e.getMaxListeners());",
  'EventEmitter.once': "const { EventEmitter, once } = require('events'); const e = new EventEmitter(); EventEmitter.once(e, 'ready').then((args) => console.log('ready', args)); e.emit('ready', 1, 2); console.log(EventEmitter.EventEmitter === EventEmitter, EventEmitter.defaultMaxListeners);",
  'symbol events': "const EventEmitter = require('events'); const e = new EventEmitter(); const s = Symbol('s'); e.on(s, () => console.log('symbol event')); e.emit(s); console.log(e.eventNames());",
});

describeParity('util, like Node', {
  promisify: "const util = require('util'); const f = util.promisify((x, cb) => cb(null, x * 2)); f(21).then((v) => console.log(v)); const g = util.promisify((cb) => cb(new Error('bad'))); g().catch((e) => console.log(e.message));",
  'promisify.custom': "const util = require('util'); function legacy() {} legacy[util.promisify.custom] = () => Promise.resolve('custom'); util.promisify(legacy)().then(console.log); console.log(typeof util.promisify.custom);",
  callbackify: "const util = require('util'); util.callbackify(async (x) => x + 1)(1, (err, v) => console.log(err, v)); util.callbackify(async () => { throw new Error('no'); })((err) => console.log(err.message));",
  inherits: "const util = require('util'); function A() {} function B() {} B.prototype.hi = () => 'hi'; util.inherits(A, B); console.log(Object.getPrototypeOf(A.prototype) === B.prototype, A.super_ === B, new A().hi());",
  deprecate: "const util = require('util'); const d = util.deprecate(() => 1, 'gone', 'DEP0999'); console.log(d(), d());",
  types:
    "const { types } = require('util'); console.log(types.isDate(new Date()), types.isDate({}), types.isRegExp(/a/), types.isMap(new Map()), types.isSet(new Set()), types.isPromise(Promise.resolve()), types.isTypedArray(new Uint8Array()), types.isUint8Array(new Uint8Array()), types.isNativeError(new TypeError()), types.isAsyncFunction(async () => {}), types.isGeneratorFunction(function* () {}), types.isBoxedPrimitive(Object(1)), types.isArrayBuffer(new ArrayBuffer(1)), types.isWeakMap(new WeakMap()))",
  isArray: "const util = require('util'); console.log(util.isArray([]), util.isArray({}))",
  'isDeepStrictEqual': "const util = require('util'); console.log(util.isDeepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), util.isDeepStrictEqual(1, '1'))",
});
