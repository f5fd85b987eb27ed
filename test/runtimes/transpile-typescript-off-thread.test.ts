import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { transpileTypescriptOffThread } from '../../src/runtimes/transpile-typescript-off-thread.ts';

const require = createRequire(import.meta.url);
const typescriptLoadedHere = () => Object.keys(require.cache).some((path) => /[\\/]typescript[\\/]lib[\\/]typescript\.js$/.test(path));
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/programs/js/${name}`, import.meta.url)), 'utf8');
const OPTIONS = { target: 'es5', module: 'commonjs' } as const;

describe('transpileTypescriptOffThread', () => {
  it('transpiles a program and its test code apart, in a thread: the host never loads TypeScript', async () => {
    const result = await transpileTypescriptOffThread('const add = (a: number, b: number): number => a + b;\n', OPTIONS, {
      testCode: "import * as assert from 'assert'\nassert.equal(add(1, 2), 3);\n",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.code).toContain('var add = function (a, b) { return a + b; };');
    expect(result.testCode).toContain('require("assert")');
    expect(result.durationMs).toBeGreaterThan(0);
    expect(typescriptLoadedHere()).toBe(false);
  });

  it('reports syntax errors of the program or of the test code as compile errors', async () => {
    const broken = await transpileTypescriptOffThread('let x: number = ;\n', OPTIONS);
    expect(broken).toMatchObject({ ok: false, status: 'compile-error', diagnostics: 'main.ts(1,17): error TS1109: Expression expected.' });
    const brokenTest = await transpileTypescriptOffThread('const a = 1;\n', OPTIONS, { testCode: 'assert(a ==== 1);\n', fileName: 'solution.ts' });
    expect(brokenTest).toMatchObject({ ok: false, status: 'compile-error' });
    if (!brokenTest.ok) expect(brokenTest.diagnostics).toMatch(/^solution\.ts\(1,/);
  });

  it('a program nested too deeply for the parser is a compile error, and the next transpile works', async () => {
    const deep = await transpileTypescriptOffThread(fixture('deep-brackets.ts.txt'), OPTIONS);
    expect(deep).toMatchObject({ ok: false, status: 'compile-error' });
    if (!deep.ok) expect(deep.message).toContain('nests too deeply for the TypeScript transpiler');
    expect(await transpileTypescriptOffThread('const ok: boolean = true;\n', OPTIONS)).toMatchObject({ ok: true, code: expect.stringContaining('var ok = true;') });
  });

  it('an exponential parse runs out of the compile time limit; the thread is replaced for the next transpile', async () => {
    const slow = await transpileTypescriptOffThread(fixture('nested-async.ts.txt'), OPTIONS, { limits: { timeoutMs: 1_000 } });
    expect(slow).toMatchObject({ ok: false, status: 'timeout', message: 'the TypeScript transpiler ran out of time (compile limit 1000 ms)' });
    expect(await transpileTypescriptOffThread('const next = 1;\n', OPTIONS, { limits: { timeoutMs: 1_000 } })).toMatchObject({ ok: true });
  });

  it('a compile memory limit too small for the transpiler is a compile error for that sample', async () => {
    const result = await transpileTypescriptOffThread('const x = 1;\n', OPTIONS, { limits: { memoryBytes: 8 * 1024 * 1024 } });
    expect(result).toMatchObject({ ok: false, status: 'compile-error', message: 'the TypeScript transpiler ran out of memory (limit 8 MiB)' });
  });

  it('a cancelled transpile ends as a timeout saying so', async () => {
    const controller = new AbortController();
    const pending = transpileTypescriptOffThread(fixture('nested-async.ts.txt'), OPTIONS, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toMatchObject({ ok: false, status: 'timeout', message: 'cancelled' });
  });
});
