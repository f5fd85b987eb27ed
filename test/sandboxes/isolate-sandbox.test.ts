import { getEventListeners } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/errors/sandbench-error.ts';
import { executionResultSchema, type ExecutionResult } from '../../src/schemas/execution-result.ts';
import type { ExecutionLimitsInput } from '../../src/schemas/limits.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import type { SandboxRunRequest } from '../../src/sandboxes/sandbox.ts';
import { HOSTILE, HOSTILE_CASES, jsFixture } from '../helpers/isolate-hostile-cases.ts';

const MiB = 1024 * 1024;
const fixture = jsFixture;

let sandbox: IsolateSandbox;
let rssBefore = 0;
let resourcesBefore: string[] = [];

beforeAll(async () => {
  rssBefore = process.memoryUsage.rss();
  resourcesBefore = process.getActiveResourcesInfo();
  sandbox = new IsolateSandbox({ workers: 2 });
});

afterAll(async () => {
  await sandbox.dispose();
});

async function run(source: string, extra: Partial<SandboxRunRequest> = {}): Promise<ExecutionResult> {
  const result = await sandbox.run({ language: 'javascript', source, ...extra });
  // Every result has the one shape of the contract.
  executionResultSchema.parse(result);
  expect(result.backend).toBe('isolate');
  return result;
}

async function runFixture(name: string, limits: ExecutionLimitsInput = HOSTILE): Promise<ExecutionResult> {
  return run(fixture(name), { limits });
}

/** The host is healthy when a normal program runs right after and answers correctly. */
async function expectHealthy(): Promise<void> {
  const result = await run(fixture('normal.js'));
  expect(result.status).toBe('ok');
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe('sum 6\n');
  expect(result.stderr).toBe('');
}

describe('IsolateSandbox: normal programs', () => {
  it('describes itself', () => {
    expect(sandbox.name).toBe('isolate');
    expect(sandbox.capabilities).toEqual({ languages: ['javascript', 'typescript'], processes: false, filesystem: false });
  });

  it('runs a program and captures stdout and stderr with figures', async () => {
    const result = await run('console.log("out"); console.error("err"); console.warn("warn"); console.info("info");');
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'out\ninfo\n', stderr: 'err\nwarn\n', stdoutTruncated: false });
    expect(result.durationMs).toBeGreaterThan(0);
    // The kernel accounts a thread's CPU time at scheduler ticks: a program this short may read 0.
    expect(result.cpuTimeMs).toBeGreaterThanOrEqual(0);
    expect(result.memoryBytes).toBeGreaterThan(0);
  });

  it('reports the CPU time a program used', async () => {
    const result = await run('let hash = 0;\nfor (let index = 0; index < 30_000_000; index++) hash = (Math.imul(hash, 31) + index) | 0;\nconsole.log(typeof hash);');
    expect(result).toMatchObject({ status: 'ok', stdout: 'number\n' });
    expect(result.cpuTimeMs).toBeGreaterThan(0);
  });

  it('formats logged values like Node for common values', async () => {
    const values = [
      '"text"', '42', '-0', '1.5', '10n', 'true', 'null', 'undefined', '[1, 2, 3]', '[]', '{}', '{ a: 1 }',
      '{ a: 1, b: "two", c: [3] }', '["a", "b"]', '[[1, 2], [3, 4]]', '{ a: { b: { c: { d: 1 } } } }',
      '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]', 'Array.from({ length: 30 }, (_, i) => i * 7)',
      'new Map([["a", 1], ["b", 2]])', 'new Set([1, 2])', 'Symbol("s")', 'function named() {}', 'class Klass {}',
      '[undefined, null, NaN]', '{ "key with space": 1, valid_id: 2 }', '"it\'s"', '["it\'s"]', '[, 1]',
      'Object.create(null)', 'new Uint8Array([1, 2, 3])', '{ nested: ["x", { y: [1, 2, { z: 3 }] }] }',
      'Array.from({ length: 8 }, (_, i) => "item" + i)', '[1.25, -3, 1000000, 7]',
      '{ alpha: "aaaaaaaaaaaa", beta: "bbbbbbbbbbbbbbb", gamma: "ccccccccccccccc", delta: [1, 2, 3], epsilon: { x: 1 } }',
      'Array.from({ length: 120 }, (_, i) => i)', '{ "a-b": 1, 2: 3, [Symbol("k")]: 4 }', 'new Date(0)', '/re/g',
      'Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat(i % 5 + 1))', '["multi\\nline"]',
    ];
    const source = values.map((value) => `console.log(${value});`).join('\n');
    const result = await run(source);
    expect(result.status).toBe('ok');
    // eslint-disable-next-line no-new-func
    const expected = values.map((value) => {
      const evaluated = new Function(`return (${value});`)();
      return (typeof evaluated === 'string' ? evaluated : inspect(evaluated)) + '\n';
    });
    expect(result.stdout).toBe(expected.join(''));
  });

  it('supports printf-style format strings', async () => {
    const result = await run('console.log("%s has %d items costing %i, %j %%", "cart", 3, 4.7, { a: 1 }); console.log("a", 1, "b");');
    expect(result.stdout).toBe('cart has 3 items costing 4, {"a":1} %\na 1 b\n');
  });

  it('console.assert writes "Assertion failed" to stderr and does not throw', async () => {
    const result = await run('console.assert(true, "no"); console.assert(false); console.assert(false, "value %s", "x"); console.assert(1 === 2, { a: 1 }); console.log("after");');
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'after\n' });
    expect(result.stderr).toBe('Assertion failed\nAssertion failed: value x\nAssertion failed: { a: 1 }\n');
  });

  it('reports an uncaught exception as runtime-error with its stack', async () => {
    const result = await run('function boom() {\n  throw new TypeError("bad thing");\n}\nboom();');
    expect(result).toMatchObject({ status: 'runtime-error', exitCode: 1, message: 'Uncaught TypeError: bad thing' });
    expect(result.stderr).toContain('TypeError: bad thing\n    at boom (main.js:2:9)');
    expect(result.stderr).not.toContain('isolated-vm');
    expect(result.stderr).not.toContain('sandbench:prelude');
  });

  it('reports thrown non-errors', async () => {
    const object = await run('throw { code: 7 };');
    expect(object).toMatchObject({ status: 'runtime-error', exitCode: 1, message: 'Uncaught { code: 7 }', stderr: 'Uncaught { code: 7 }\n' });
    const primitive = await run('setTimeout(() => { throw "text"; }, 1);');
    expect(primitive).toMatchObject({ status: 'runtime-error', exitCode: 1, message: "Uncaught 'text'" });
  });

  it('reports unhandled rejections, also from async code and timers', async () => {
    for (const source of [
      'Promise.reject(new Error("rejected"));',
      'async function main() { await null; throw new Error("rejected"); }\nmain();',
      'setTimeout(() => { throw new Error("rejected"); }, 5);',
      'setTimeout(() => Promise.reject(new Error("rejected")), 5);',
    ]) {
      const result = await run(source);
      expect(result.status, source).toBe('runtime-error');
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('Error: rejected');
    }
  });

  it('keeps output printed before an error', async () => {
    const result = await run('console.log("before"); null.x;');
    expect(result).toMatchObject({ status: 'runtime-error', stdout: 'before\n' });
    expect(result.stderr).toContain("TypeError: Cannot read properties of null (reading 'x')");
  });

  it('reports a syntax error as a runtime error with the position', async () => {
    const result = await run('const x = 1;\nlet y = ;');
    expect(result.status).toBe('runtime-error');
    expect(result.stderr).toContain("SyntaxError: Unexpected token ';'");
    expect(result.stderr).toContain('main.js:2:9');
  });

  it('runs timers, intervals, immediates and microtasks in Node order', async () => {
    const result = await run(`
      const order = [];
      setTimeout(() => order.push('timeout 20'), 20);
      setTimeout(() => { order.push('timeout 0'); Promise.resolve().then(() => order.push('micro in timeout')); }, 0);
      setTimeout(() => order.push('timeout 0 second'), 0);
      setImmediate(() => order.push('immediate'));
      queueMicrotask(() => order.push('microtask'));
      process.nextTick(() => order.push('nextTick'));
      let ticks = 0;
      const interval = setInterval(() => { if (++ticks === 3) { clearInterval(interval); order.push('interval x3'); } }, 1);
      const cancelled = setTimeout(() => order.push('cancelled'), 5);
      clearTimeout(cancelled);
      setTimeout(() => console.log(order.join(', ')), 40);
    `);
    expect(result.status).toBe('ok');
    const order = result.stdout.trim().split(', ');
    expect(order.slice(0, 2)).toEqual(['microtask', 'nextTick']);
    expect(order.indexOf('micro in timeout')).toBe(order.indexOf('timeout 0') + 1);
    expect(order).toContain('interval x3');
    expect(order).not.toContain('cancelled');
    expect(order.at(-1)).toBe('timeout 20');
  });

  it('awaits async main functions and promise chains', async () => {
    const result = await run(`
      const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      (async () => { for (let i = 0; i < 3; i++) { await sleep(2); console.log('step', i); } })();
    `);
    expect(result).toMatchObject({ status: 'ok', stdout: 'step 0\nstep 1\nstep 2\n' });
  });

  it('unref\'d timers do not keep the program alive', async () => {
    const result = await run('setTimeout(() => console.log("never"), 100000).unref(); console.log("done");');
    expect(result).toMatchObject({ status: 'ok', stdout: 'done\n' });
  });

  it('process.exit ends the program with its code', async () => {
    const zero = await run('console.log("a"); process.exit(0); console.log("b");');
    expect(zero).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'a\n' });
    const three = await run('console.log("a"); process.exit(3);');
    expect(three).toMatchObject({ status: 'runtime-error', exitCode: 3, stdout: 'a\n', message: 'process.exit(3)' });
    const exitCode = await run('process.exitCode = 2; console.log("set");');
    expect(exitCode).toMatchObject({ status: 'runtime-error', exitCode: 2, stdout: 'set\n' });
  });

  it('gives CommonJS module and exports objects', async () => {
    const result = await run('exports.a = 1; module.exports.b = 2; console.log(JSON.stringify(module.exports), typeof __filename, this === module.exports);\nreturn;\nconsole.log("unreachable");');
    expect(result).toMatchObject({ status: 'ok', stdout: '{"a":1,"b":2} string true\n' });
  });

  it('runs ES module syntax in .js programs (like Node 24 syntax detection)', async () => {
    const result = await run('import assert, { strictEqual } from "node:assert";\nstrictEqual(1, 1);\nassert.ok(true);\nconsole.log("esm");\nexport const x = 1;');
    expect(result).toMatchObject({ status: 'ok', stdout: 'esm\n' });
    const missing = await run('import cp from "child_process";\nconsole.log(cp);');
    expect(missing.status).toBe('runtime-error');
    expect(missing.stderr).toContain("Cannot find module 'child_process'");
  });

  it('refuses unknown modules with Node\'s message', async () => {
    // lodash is served (a guest package); any other package is unknown.
    const result = await run('require("left-pad");');
    expect(result.status).toBe('runtime-error');
    expect(result.stderr).toContain("Error: Cannot find module 'left-pad'");
  });
});

describe('IsolateSandbox: isolates made from the worker\'s prelude snapshot', () => {
  it('leave nothing of the snapshot binding in reach, and start a fresh clock and random state per run', async () => {
    const probe = `
      const bind = Object.getOwnPropertyNames(globalThis).filter((n) => /sandbench/i.test(n));
      console.log(JSON.stringify({
        bind, wasm: typeof WebAssembly, now: performance.now(), drift: Math.abs(performance.timeOrigin - Date.now()),
        uptime: process.uptime(), random: Math.random(),
      }));`;
    const first = await run(probe);
    const second = await run(probe);
    const a = JSON.parse(first.stdout) as { bind: string[]; wasm: string; now: number; drift: number; uptime: number; random: number };
    const b = JSON.parse(second.stdout) as typeof a;
    // __sandbenchRun is the CommonJS wrapper's entry, deleted by its own call before the program runs.
    expect(a.bind).toEqual([]);
    expect(a.wasm).toBe('undefined');
    expect(a.now).toBeGreaterThanOrEqual(0);
    expect(a.now).toBeLessThan(1_000);
    expect(a.drift).toBeLessThan(1_000);
    expect(a.uptime).toBeLessThan(1);
    expect(a.random).not.toBe(b.random);
  });
});

describe('IsolateSandbox: stdin', () => {
  const stdin = '3 4\n5 6\n';
  it('serves readFileSync(0) and readFileSync("/dev/stdin")', async () => {
    for (const read of ['require("fs").readFileSync(0, "utf8")', 'require("node:fs").readFileSync("/dev/stdin", "utf8")', 'require("fs").readFileSync(0).toString()']) {
      const result = await run(`const text = ${read};\nconsole.log(text.trim().split(/\\s+/).map(Number).reduce((a, b) => a + b, 0));`, { stdin });
      expect(result, read).toMatchObject({ status: 'ok', stdout: '18\n' });
    }
  });

  it('serves readline line by line and process.stdin events', async () => {
    const lines = await run(`
      const rl = require('readline').createInterface({ input: process.stdin });
      const seen = [];
      rl.on('line', (line) => seen.push(line));
      rl.on('close', () => console.log(seen.join('|')));
    `, { stdin });
    expect(lines).toMatchObject({ status: 'ok', stdout: '3 4|5 6\n' });
    const events = await run(`
      let data = '';
      process.stdin.setEncoding('utf8');
      process.stdin.on('data', (chunk) => (data += chunk));
      process.stdin.on('end', () => console.log(JSON.stringify(data)));
    `, { stdin });
    expect(events).toMatchObject({ status: 'ok', stdout: '"3 4\\n5 6\\n"\n' });
    const iterated = await run(`
      (async () => {
        const rl = require('readline').createInterface({ input: process.stdin });
        for await (const line of rl) console.log('>', line);
      })();
    `, { stdin });
    expect(iterated).toMatchObject({ status: 'ok', stdout: '> 3 4\n> 5 6\n' });
  });

  it('process.stdout.write writes without a newline', async () => {
    const result = await run('process.stdout.write("a"); process.stdout.write("b\\n"); process.stderr.write("e");');
    expect(result).toMatchObject({ status: 'ok', stdout: 'ab\n', stderr: 'e' });
  });
});

describe('IsolateSandbox: the guest assert module', () => {
  it('passes on equal values', async () => {
    const result = await run(`
      const assert = require('assert');
      assert(true); assert.ok(1);
      assert.equal(1, '1'); assert.notEqual(1, 2);
      assert.strictEqual(NaN, NaN); assert.notStrictEqual(1, '1');
      assert.deepEqual({ a: [1, 2] }, { a: [1, '2'] }); assert.deepStrictEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]]));
      assert.deepStrictEqual(new Set([1, [2]]), new Set([1, [2]])); assert.deepStrictEqual([new Date(5)], [new Date(5)]);
      assert.notDeepEqual([1], [2]); assert.notDeepStrictEqual([1], ['1']);
      assert.throws(() => { throw new TypeError('t'); }, TypeError); assert.throws(() => { throw new Error('msg'); }, /msg/);
      assert.throws(() => { throw new Error('msg'); }, { message: 'msg' });
      assert.doesNotThrow(() => 1);
      require('node:assert/strict').equal(1, 1);
      require('assert').strict.deepEqual([1], [1]);
      assert.rejects(Promise.reject(new Error('r')), /r/).then(() => console.log('rejects ok'));
      console.log('all passed');
    `);
    expect(result).toMatchObject({ status: 'ok', stdout: 'all passed\nrejects ok\n', stderr: '' });
  });

  const failures: Array<[string, string]> = [
    ['assert(false, "custom message")', 'custom message'],
    ['assert.ok(0)', 'The expression evaluated to a falsy value'],
    ['assert.equal(1, 2)', '1 == 2'],
    ['assert.strictEqual(1, 2)', 'Expected values to be strictly equal:\n\n1 !== 2'],
    ['assert.deepStrictEqual([1, 2], [1, 3])', 'Expected values to be strictly deep-equal:'],
    ['assert.deepEqual({ a: 1 }, { a: 2 })', 'Expected values to be loosely deep-equal:'],
    ['assert.notDeepStrictEqual([1], [1])', 'not to be strictly deep-equal'],
    ['assert.throws(() => {})', 'Missing expected exception.'],
    ['assert.doesNotThrow(() => { throw new Error("x"); })', 'Got unwanted exception.'],
    ['assert.fail("boom")', 'boom'],
    ['require("assert/strict").equal(1, "1")', 'Expected values to be strictly equal:'],
  ];
  it.each(failures)('%s throws AssertionError', async (call, message) => {
    const result = await run(`const assert = require('assert');\ntry { ${call}; console.log('no throw'); } catch (error) { console.log(error.name, error.code, error instanceof assert.AssertionError); console.log(error.message); }`);
    expect(result.status).toBe('ok');
    const [head, ...rest] = result.stdout.split('\n');
    expect(head).toBe('AssertionError ERR_ASSERTION true');
    expect(rest.join('\n')).toContain(message);
  });

  it('an uncaught assertion failure is a runtime error naming AssertionError', async () => {
    const result = await run('require("assert").deepEqual([1], [2], "Exception --- test case 0 failed to pass");');
    expect(result).toMatchObject({ status: 'runtime-error', exitCode: 1, message: 'Uncaught AssertionError: Exception --- test case 0 failed to pass' });
  });

  it('rejects reports a missing rejection as an unhandled rejection', async () => {
    const result = await run('require("assert").rejects(Promise.resolve(1));');
    expect(result.status).toBe('runtime-error');
    expect(result.stderr).toContain('Missing expected rejection');
  });
});

describe('IsolateSandbox: TypeScript', () => {
  it('transpiles (never type-checks) and runs with require-style imports', async () => {
    const source = "import * as assert from 'assert'\nconst add = (a: number, b: number): number => a + b;\nconst wrong: string = 5 as any;\nassert.deepEqual(add(1, 2), 3);\nconsole.log(add(1, 2), wrong);\n";
    const result = await sandbox.run({ language: 'typescript', source });
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: '3 5\n' });
    expect(result.compile).toMatchObject({ status: 'ok', exitCode: 0 });
  });

  it('honours target es5 and module esm', async () => {
    const es5 = await sandbox.run({ language: 'typescript', source: 'const f = (...xs: number[]) => xs.length;\nclass A { x = 1 }\nconsole.log(f(1, 2), new A().x);', typescript: { target: 'es5', module: 'commonjs' } });
    expect(es5).toMatchObject({ status: 'ok', stdout: '2 1\n' });
    const esm = await sandbox.run({ language: 'typescript', source: "import assert from 'node:assert';\nassert.strictEqual(2 as number, 2);\nconsole.log('esm');", typescript: { target: 'es2022', module: 'esm' } });
    expect(esm).toMatchObject({ status: 'ok', stdout: 'esm\n' });
  });

  it('refuses invalid TypeScript options as invalid input', async () => {
    const options = { target: 'es3', module: 'commonjs' } as unknown as SandboxRunRequest['typescript'];
    await expect(sandbox.run({ language: 'typescript', source: '1', typescript: options })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('reports a syntax error as compile-error with diagnostics', async () => {
    const result = await sandbox.run({ language: 'typescript', source: 'let x: number = ;\n' });
    expect(result).toMatchObject({ status: 'compile-error', exitCode: null });
    expect(result.stderr).toContain('main.ts(1,17): error TS1109: Expression expected.');
    expect(result.compile).toMatchObject({ status: 'compile-error', exitCode: 1 });
    expect(result.compile?.stderr).toBe(result.stderr);
  });
});

describe('IsolateSandbox: contract edges', () => {
  it('refuses unsupported languages with SandboxError unsupported', async () => {
    const refused = sandbox.run({ language: 'python', source: 'print(1)' });
    await expect(refused).rejects.toBeInstanceOf(SandboxError);
    await expect(refused).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('refuses extra files (no filesystem) and reports collectFiles as not collectable', async () => {
    await expect(sandbox.run({ language: 'javascript', source: '', files: { 'a.txt': 'x' } })).rejects.toMatchObject({ code: 'unsupported' });
    const result = await run('1', { collectFiles: ['out.txt'] });
    expect(result.files).toEqual([{ path: 'out.txt', error: 'the isolate sandbox has no filesystem' }]);
  });

  it('an AbortSignal cancels a run as timeout "cancelled"', async () => {
    const controller = new AbortController();
    const pending = run('for (;;) {}', { signal: controller.signal, limits: { timeoutMs: 20_000 } });
    setTimeout(() => controller.abort(), 200);
    const result = await pending;
    // The cancel stopped it, not its 20 s limit.
    expect(result).toMatchObject({ status: 'timeout', message: 'cancelled' });
    await expectHealthy();
  });

  it('runs that share one AbortSignal (a whole run\'s) leave no listener on it once they finish', async () => {
    const controller = new AbortController();
    // More runs than workers, so some wait in the queue before a worker takes them.
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => run(`console.log(${index})`, { signal: controller.signal })));
    expect(results.map((result) => result.stdout)).toEqual(Array.from({ length: 12 }, (_, index) => `${index}\n`));
    // A listener left behind per run keeps that run's program alive, and every later add or
    // remove on the signal scans them all.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a run cancelled while it waits in the queue is cancelled, and leaves no listener', async () => {
    // Both workers busy, so the third run waits for one.
    const busy = [1, 2].map(() => run('for (;;) {}', { limits: { timeoutMs: 2_000 } }));
    const controller = new AbortController();
    const queued = run('console.log("never")', { signal: controller.signal });
    controller.abort();
    const result = await queued;
    expect(result).toMatchObject({ status: 'timeout', message: 'cancelled', stdout: '' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    for (const blocked of await Promise.all(busy)) expect(blocked.status).toBe('timeout');
  });

  it('a CPU-time limit below the wall clock is reported as such', async () => {
    const result = await run('for (;;) {}', { limits: { timeoutMs: 5_000, cpuTimeMs: 300 } });
    expect(result).toMatchObject({ status: 'timeout', message: 'CPU time limit of 300 ms reached' });
  });

  it('a timer due after the wall clock ends the run as timeout at once', async () => {
    const result = await run('setTimeout(() => console.log("late"), 60_000); console.log("waiting");', { limits: { timeoutMs: 1_000 } });
    expect(result).toMatchObject({ status: 'timeout', stdout: 'waiting\n' });
  });

  it('runs many programs concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => run(`console.log(${index} * 2)`)));
    expect(results.map((result) => result.stdout)).toEqual(Array.from({ length: 20 }, (_, index) => `${index * 2}\n`));
  });
});

describe('IsolateSandbox: hostile programs', () => {
  for (const { file, check, limits } of HOSTILE_CASES) {
    it(`${file}: right status, then the host is healthy`, async () => {
      const result = await runFixture(file, limits);
      check(result);
      await expectHealthy();
    });
  }
});

describe('IsolateSandbox: worker supervision', () => {
  it('a worker killed mid-run is reported and replaced', async () => {
    const pending = run('for (;;) {}', { limits: { timeoutMs: 10_000 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const pid of sandbox.workerPids) process.kill(pid, 'SIGKILL');
    const result = await pending;
    expect(result.status).toBe('runtime-error');
    expect(result.message).toContain('the isolate worker died (SIGKILL)');
    await expectHealthy();
  });

  it('a worker that stops answering is killed at the outer deadline', async () => {
    const pending = run('for (;;) {}', { limits: { timeoutMs: 500 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of sandbox.workerPids) process.kill(pid, 'SIGSTOP');
    const result = await pending;
    expect(result.status).toBe('timeout');
    expect(result.message).toContain('the worker was killed');
    for (const pid of sandbox.workerPids) process.kill(pid, 'SIGCONT');
    await expectHealthy();
  });

  it('recycles workers after maxExecutionsPerWorker runs', async () => {
    const recycling = new IsolateSandbox({ workers: 1, maxExecutionsPerWorker: 2 });
    try {
      const pids: number[] = [];
      for (let index = 0; index < 5; index++) {
        const result = await recycling.run({ language: 'javascript', source: 'console.log("x")' });
        expect(result.stdout).toBe('x\n');
        pids.push(...recycling.workerPids);
      }
      expect(new Set(pids).size).toBeGreaterThanOrEqual(3);
    } finally {
      await recycling.dispose();
      await recycling.dispose();
    }
    await expect(recycling.run({ language: 'javascript', source: '' })).rejects.toMatchObject({ code: 'sandbox-unavailable' });
  });

  it('after everything the host process is fine', async () => {
    await expectHealthy();
    // The host never loads isolated-vm: isolates live only in the workers.
    if (existsSync('/proc/self/maps')) expect(readFileSync('/proc/self/maps', 'utf8')).not.toContain('isolated_vm');
    const growth = process.memoryUsage.rss() - rssBefore;
    expect(growth).toBeLessThan(200 * MiB);
    expect(sandbox.workerPids.length).toBeLessThanOrEqual(2);
    await sandbox.dispose();
    // No child process or IPC handle is left behind by a disposed sandbox (libuv closes a
    // killed child's handle a moment after its 'close' event).
    const handles = (names: string[]) => names.filter((name) => /Process|Pipe/.test(name)).length;
    const deadline = Date.now() + 2_000;
    while (handles(process.getActiveResourcesInfo()) > handles(resourcesBefore) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(handles(process.getActiveResourcesInfo())).toBeLessThanOrEqual(handles(resourcesBefore));
  });
});
