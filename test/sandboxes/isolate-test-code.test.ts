import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionResultSchema, type ExecutionResult } from '../../src/schemas/execution-result.ts';
import type { ProgramTest } from '../../src/schemas/task.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { joinProgram, type SandboxRunRequest } from '../../src/sandboxes/sandbox.ts';
import { judgeTest } from '../../src/scoring/judge-test.ts';

const fixtures = new URL('../fixtures/programs/js/', import.meta.url);
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(name, fixtures)), 'utf8');

let sandbox: IsolateSandbox;

beforeAll(() => {
  sandbox = new IsolateSandbox({ workers: 2 });
});

afterAll(async () => {
  await sandbox.dispose();
});

async function run(source: string, testCode: string, extra: Partial<SandboxRunRequest> = {}): Promise<ExecutionResult> {
  const result = await sandbox.run({ language: 'javascript', source, testCode, limits: { timeoutMs: 5_000 }, ...extra });
  executionResultSchema.parse(result);
  return result;
}

/** The verdict the harness gives a program test, from the run's own result. */
function verdictOf(result: ExecutionResult, code: string, passWhen: ProgramTest['passWhen']): string {
  return judgeTest({ kind: 'program', code, passWhen }, result).verdict;
}

/** Tests that fail: an assertion that throws (MBXP style) and one that prints (HumanEval-X style). */
const FAILING_TESTS: Array<{ name: string; code: string; passWhen: ProgramTest['passWhen'] }> = [
  { name: 'a throwing assertion', code: "require('assert').strictEqual(1 + 1, 3, 'the test failed');\n", passWhen: 'exit-zero' },
  { name: 'a printing console.assert', code: "console.assert(1 + 1 === 3, 'the test failed');\n", passWhen: 'exit-zero-silent' },
  { name: 'a failure in a later timer', code: "setTimeout(() => { throw new Error('the test failed'); }, 20);\n", passWhen: 'exit-zero' },
];

describe('IsolateSandbox test code: the host sees the end of the test itself', () => {
  it('a correct answer passes, and the test sees the answer\'s top-level declarations and CommonJS names', async () => {
    const source = [
      'const constant = 1;',
      'let variable = 2;',
      'var old = 3;',
      'function declared() { return 4; }',
      'class Klass { five() { return 5; } }',
      "console.log('answer', typeof require, typeof module, typeof exports, __filename, __dirname);",
    ].join('\n');
    const testCode = [
      "const assert = require('assert');",
      'assert.strictEqual(constant + variable + old + declared() + new Klass().five(), 15);',
      "assert.strictEqual(typeof module.exports, 'object');",
      "assert.strictEqual(exports, module.exports);",
      "console.log('test', typeof require, __filename, __dirname);",
    ].join('\n');
    const result = await run(source, testCode);
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, testCompleted: true, stderr: '' });
    expect(result.stdout).toBe('answer function object object main.js /\ntest function main.js /\n');
    expect(verdictOf(result, testCode, 'exit-zero')).toBe('passed');
  });

  it('no end-of-test marker reaches the program: nothing extra in its text or output', async () => {
    const source = "console.log(typeof arguments === 'undefined' ? 'no wrapper arguments' : String(arguments.callee));";
    const result = await run(source, "console.log('tested');\n");
    expect(result).toMatchObject({ status: 'ok', testCompleted: true, stdout: 'no wrapper arguments\ntested\n' });
  });

  it('a test that is not reached or does not return is not completed', async () => {
    const thrown = await run('', "throw new Error('the test failed');\n");
    expect(thrown).toMatchObject({ status: 'runtime-error', testCompleted: false });
    const looping = await run('', 'for (;;) {}\n', { limits: { timeoutMs: 300 } });
    expect(looping).toMatchObject({ status: 'timeout', testCompleted: false });
    const answerThrows = await run("throw new Error('broken answer');", "console.log('never');\n");
    expect(answerThrows).toMatchObject({ status: 'runtime-error', testCompleted: false, stdout: '' });
  });

  it('stack traces of the test code carry the positions of the joined program', async () => {
    const source = 'const double = (x) => x * 2;\n\n';
    const testCode = '\nconst check = () => {\n  if (double(2) !== 5) throw new Error("wrong");\n};\ncheck();\n';
    const result = await run(source, testCode);
    const { text } = joinProgram(source, testCode);
    const line = text.split('\n').findIndex((content) => content.includes('throw new Error')) + 1;
    expect(result.status).toBe('runtime-error');
    expect(result.stderr).toContain(`main.js:${line}:`);
  });

  it('runs TypeScript tests transpiled with the same options, imports included', async () => {
    const source = 'const add = function (a: number, b: number): number {\n  return a + b;\n};\n';
    const testCode = "\nimport * as assert from 'assert'\nassert.deepEqual(add(1, 2), 3, 'add failed');\n";
    for (const target of ['es5', 'es2022'] as const) {
      const result = await sandbox.run({ language: 'typescript', source, testCode, typescript: { target, module: 'commonjs' } });
      expect(result, target).toMatchObject({ status: 'ok', testCompleted: true, stderr: '' });
      const failing = await sandbox.run({ language: 'typescript', source: source.replace('a + b', 'a - b'), testCode, typescript: { target, module: 'commonjs' } });
      expect(failing, target).toMatchObject({ status: 'runtime-error', testCompleted: false, message: 'Uncaught AssertionError: add failed' });
    }
  });

  it('ES module programs: the test code ends the same module and the host sees its evaluation end', async () => {
    const source = "import assert from 'node:assert';\nexport const triple = (x) => x * 3;\n";
    const passing = await run(source, 'assert.strictEqual(triple(2), 6);\n');
    expect(passing).toMatchObject({ status: 'ok', testCompleted: true });
    const failing = await run(source, 'assert.strictEqual(triple(2), 7);\n');
    expect(failing).toMatchObject({ status: 'runtime-error', testCompleted: false });
    // An answer that is not a complete module cannot swallow the test code into a comment.
    const swallowed = await run(source + '/*', "assert.strictEqual(triple(2), 7);\n/* */\n");
    expect(swallowed.testCompleted).toBe(false);
    expect(verdictOf(swallowed, '', 'exit-zero')).not.toBe('passed');
  });
});

describe('IsolateSandbox test code: hostile answers fail when the test fails', () => {
  const answers = [
    'early-exit.js',
    'early-exit-code.js',
    'top-level-return.js',
    'exit-after-tests-start.js',
    'read-wrapper-callee.js',
    'read-wrapper-stack.js',
    'exit-handlers.js',
    'throw-after-scheduling.js',
    'replace-console.js',
  ];
  for (const answer of answers) {
    for (const test of FAILING_TESTS) {
      it(`${answer} with ${test.name}`, async () => {
        const result = await run(fixture(answer), test.code);
        expect(result.stdout).not.toContain('__sandbench_done');
        expect(verdictOf(result, test.code, test.passWhen)).not.toBe('passed');
      });
    }
  }

  it('replace-console-later.js: console.assert replaced while the test runs still reports', async () => {
    const testCode = "answer(1);\nconsole.assert(answer(2) === 3, 'answer(2) should be 3');\n";
    const result = await run(fixture('replace-console-later.js'), testCode);
    expect(result.stderr).toBe('Assertion failed: answer(2) should be 3\n');
    expect(verdictOf(result, testCode, 'exit-zero-silent')).toBe('failed');
  });

  for (const answer of ['early-exit.js', 'early-exit-code.js', 'top-level-return.js']) {
    it(`${answer}: even a test that would pass fails, since it never ran`, async () => {
      const testCode = "console.log('the test ran');\n";
      const result = await run(fixture(answer), testCode);
      expect(result.testCompleted).toBe(false);
      expect(result.stdout).not.toContain('the test ran');
      expect(verdictOf(result, testCode, 'exit-zero')).not.toBe('passed');
    });
  }
});
