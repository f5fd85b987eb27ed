/**
 * The prelude's timers and `process` shim against Node's own: the order callbacks run in, what
 * the process streams accept and write, exit codes, and warnings. Timers of different delays are
 * tens of milliseconds apart: on a loaded machine a pause between two statements must not be able
 * to reorder them (in Node or in the isolate), or the programs would not print one order.
 */
import { describeParity } from './node-parity.ts';

describeParity('timers, like Node', {
  'timeouts by delay, then by creation':
    "const order = []; setTimeout(() => order.push('t100'), 100); setTimeout(() => order.push('t0a'), 0); setTimeout(() => order.push('t1'), 1); setTimeout(() => order.push('t0b'), 0); setTimeout(() => order.push('t50'), 50); setTimeout(() => console.log(order.join(' ')), 200);",
  'microtasks run after each timer':
    "const order = []; setTimeout(() => { order.push('a'); Promise.resolve().then(() => order.push('a-micro')); queueMicrotask(() => order.push('a-queued')); }, 1); setTimeout(() => { order.push('b'); }, 1); setTimeout(() => console.log(order.join(' ')), 100);",
  'microtasks before timers': "const order = []; setTimeout(() => order.push('timeout'), 0); Promise.resolve().then(() => order.push('promise')); queueMicrotask(() => order.push('queued')); order.push('sync'); setTimeout(() => console.log(order.join(' ')), 100);",
  'immediates in order': "const order = []; setImmediate(() => order.push(1)); setImmediate(() => { order.push(2); setImmediate(() => { order.push(4); console.log(order.join(' ')); }); }); setImmediate(() => order.push(3));",
  intervals: "let n = 0; const id = setInterval(() => { n++; console.log('tick', n); if (n === 3) clearInterval(id); }, 1);",
  'clearing before due': "const t = setTimeout(() => console.log('cleared'), 5); clearTimeout(t); const i = setImmediate(() => console.log('cleared too')); clearImmediate(i); setTimeout(() => console.log('kept'), 10);",
  'clearing by number and nonsense': "const t = setTimeout(() => console.log('by number'), 5); clearTimeout(+t); clearTimeout(undefined); clearTimeout('x'); clearTimeout({}); console.log(typeof +t, +t > 0)",
  'arguments and this': "const t = setTimeout(function (a, b) { console.log(a, b, typeof this, this === t); setImmediate((c) => console.log('immediate', c), 'arg'); }, 1, 'x', 2);",
  'unref and ref': "const t = setTimeout(() => console.log('never'), 100000); t.unref(); console.log(t.hasRef()); const r = setTimeout(() => console.log('ran'), 5); r.unref(); r.ref(); console.log(r.hasRef());",
  refresh: "const t = setTimeout(() => console.log('refreshed ran'), 5); console.log(t.refresh() === t);",
  'refresh re-arms a timer that already ran': "let n = 0; const t = setTimeout(() => { n++; console.log('ran', n); if (n === 1) setTimeout(() => t.refresh(), 1); }, 1);",
  'refresh does not revive a cleared timer': "const t = setTimeout(() => console.log('never'), 1); clearTimeout(t); t.refresh(); setTimeout(() => console.log('done'), 5);",
  'invalid callbacks': "for (const bad of [undefined, 1, 'code', {}]) { try { setTimeout(bad, 1); } catch (e) { console.log(e.name, e.code, e.message); } }",
  'odd delays': "const order = []; setTimeout(() => order.push('neg'), -5); setTimeout(() => order.push('nan'), NaN); setTimeout(() => order.push('str'), '50'); setTimeout(() => order.push('huge'), 2 ** 31); setTimeout(() => console.log(order.join(' ')), 200);",
  'async functions with awaits and timers': "const sleep = (ms) => new Promise((r) => setTimeout(r, ms)); (async () => { for (let i = 0; i < 3; i++) { await sleep(2); console.log('step', i); } })(); console.log('sync end');",
  'promises that never settle end the program': "new Promise(() => {}); console.log('done');",
  'a throwing timer ends the program with exit code 1': { program: "setTimeout(() => { throw new Error('late'); }, 1); setTimeout(() => console.log('never'), 50); console.log('first');", compareStderr: false },
});

describeParity('process, like Node', {
  'stdout.write takes strings and bytes': "process.stdout.write('a'); process.stdout.write('b\\n'); process.stderr.write('e\\n'); console.log(process.stdout.write('x')); process.stdout.write(new Uint8Array([104, 105, 10]));",
  'stdout.write takes other typed arrays and DataViews': "process.stdout.write(new Uint16Array([0x4241, 0x0a43])); process.stdout.write(new DataView(new Uint8Array([68, 10]).buffer));",
  'stdout.write refuses other values': "for (const bad of [5, {}, null, true]) { try { process.stdout.write(bad); } catch (e) { console.log(e.name, e.code, e.message); } }",
  'write callbacks run later': "process.stdout.write('a\\n', () => console.log('callback')); console.log('after write');",
  'exit ends at once with its code': "console.log('a'); process.exit(3); console.log('b');",
  'exit without a code uses exitCode': "process.exitCode = 4; console.log('set'); process.exit();",
  'exitCode ends with that code after the program': "process.exitCode = 2; console.log(process.exitCode); setTimeout(() => console.log('still runs'), 1);",
  'exit(0) after output': "console.log('x'); process.stdout.write('no newline'); process.exit(0);",
  'nextTick passes arguments': "process.nextTick((a, b) => console.log('tick', a, b), 1, 'two'); console.log('sync');",
  'nextTick refuses a non-function': "try { process.nextTick(5); } catch (e) { console.log(e.name, e.code, e.message); }",
  'hrtime and uptime have the right shapes':
    "const t = process.hrtime(); const d = process.hrtime(t); console.log(Array.isArray(t), t.length, typeof t[0], typeof t[1], d.length, typeof process.hrtime.bigint(), typeof process.uptime(), typeof performance.now());",
  'argv, env and platform': "console.log(process.argv.length, typeof process.argv[1], typeof process.env, process.platform, typeof process.cwd(), typeof process.memoryUsage().heapUsed)",
  'emitWarning prints like Node': "process.emitWarning('careful'); process.emitWarning('old', 'DeprecationWarning', 'DEP0001'); process.emitWarning(new Error('as error')); console.error('sync stderr');",
  'console.time warnings': "console.timeEnd('missing'); console.timeLog('missing'); console.countReset('nope'); console.error('after');",
});
