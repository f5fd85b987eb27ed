import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { transpileTypescript } from '../../src/runtimes/transpile-typescript.ts';

const require = createRequire(import.meta.url);
const typescriptLoaded = () => Object.keys(require.cache).some((path) => /[\\/]typescript[\\/]lib[\\/]typescript\.js$/.test(path));

describe('transpileTypescript', () => {
  it('loads the compiler lazily, on first use', () => {
    expect(typescriptLoaded()).toBe(false);
    const result = transpileTypescript('const x: number = 1;', { target: 'es2022', module: 'commonjs' });
    expect(result.ok).toBe(true);
    expect(typescriptLoaded()).toBe(true);
  });

  it('stops on a syntax diagnostic unless emitOnError asks for what tsc emits anyway', () => {
    const source = 'let x = 010;\nconsole.log(x);\n}\n';
    const strict = transpileTypescript(source, { target: 'es5', module: 'commonjs' });
    expect(strict.ok).toBe(false);
    if (!strict.ok) expect(strict.diagnostics).toMatch(/TS1121.*\n.*TS1128/s);
    const emitted = transpileTypescript(source, { target: 'es5', module: 'commonjs', emitOnError: true });
    expect(emitted).toEqual({ ok: true, code: expect.stringContaining('var x = 8;\nconsole.log(x);') });
  });

  it('strips types without type-checking', () => {
    const result = transpileTypescript('const wrong: string = 42;\nfunction f(a: number): number { return a }\n', { target: 'es2022', module: 'commonjs' });
    expect(result).toEqual({ ok: true, code: expect.stringContaining('const wrong = 42;') });
    if (result.ok) expect(result.code).toContain('function f(a) { return a; }');
  });

  it('turns imports into require calls for commonjs (with default-import interop)', () => {
    const result = transpileTypescript("import * as assert from 'assert'\nimport fs from 'fs'\nassert.ok(fs);\n", { target: 'es2022', module: 'commonjs' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.code).toContain('require("assert")');
    expect(result.code).toContain('__importDefault(require("fs"))');
    expect(result.code).not.toMatch(/^import /m);
  });

  it('keeps import / export for esm', () => {
    const result = transpileTypescript("import assert from 'node:assert';\nexport const x: number = 1;\nassert.ok(x);\n", { target: 'esnext', module: 'esm' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.code).toContain("import assert from 'node:assert';");
    expect(result.code).toContain('export const x = 1;');
  });

  it('targets es5 (deprecated in TypeScript 6, accepted with ignoreDeprecations)', () => {
    const result = transpileTypescript('const f = (...xs: number[]) => xs.length;\nclass A { x = 1 }\n', { target: 'es5', module: 'commonjs' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.code).toContain('var f = function ()');
    expect(result.code).not.toContain('=>');
    expect(result.code).not.toMatch(/^class /m);
  });

  it('reports syntax errors as diagnostics, one per line with positions', () => {
    const result = transpileTypescript('let x: number = ;\nlet y = (;\n', { target: 'es2022', module: 'commonjs' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = result.diagnostics.split('\n');
    expect(lines[0]).toBe('main.ts(1,17): error TS1109: Expression expected.');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((line) => /^main\.ts\(\d+,\d+\): error TS\d+: /.test(line))).toBe(true);
  });

  it('reuses the compiler it loaded for every later transpile', () => {
    const source = "const add = function (a: number, b: number): number { return a + b; };\nimport * as assert from 'assert'\nassert.deepEqual(add(1, 2), 3);\n";
    const loaded = () => Object.entries(require.cache).filter(([path]) => /[\\/]typescript[\\/]lib[\\/]typescript\.js$/.test(path)).map(([, module]) => module);
    const before = loaded();
    expect(before).toHaveLength(1);
    for (let index = 0; index < 20; index++) {
      expect(transpileTypescript(source, { target: 'es2022', module: 'commonjs' })).toEqual({ ok: true, code: expect.stringContaining('assert.deepEqual(add(1, 2), 3);') });
    }
    // The same module object: warm transpiles never load the compiler again.
    expect(loaded()).toEqual(before);
    expect(loaded()[0]).toBe(before[0]);
  });
});
