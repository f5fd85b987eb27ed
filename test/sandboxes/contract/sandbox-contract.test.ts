// One contract, every backend: the same JavaScript and TypeScript programs run in the isolate and
// in a Docker container (node), and must end with the same status, output and facts. What the
// backends may differ in (error text, timings, exact memory figures) is left out of the checks.
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { IsolateSandbox } from '../../../src/sandboxes/isolate-sandbox.ts';
import type { Sandbox, SandboxRunRequest } from '../../../src/sandboxes/sandbox.ts';
import { executionResultSchema, type ExecutionResult } from '../../../src/schemas/execution-result.ts';
import { dockerForTests } from '../../helpers/docker-available.ts';

const docker = await dockerForTests();

interface ContractCase {
  name: string;
  request: Omit<SandboxRunRequest, 'signal'>;
  /** What every backend must report. */
  expect: (result: ExecutionResult) => void;
}

const js = (source: string, extra: Partial<SandboxRunRequest> = {}): Omit<SandboxRunRequest, 'signal'> => ({ language: 'javascript', source, ...extra });
const ts = (source: string, extra: Partial<SandboxRunRequest> = {}): Omit<SandboxRunRequest, 'signal'> => ({ language: 'typescript', source, ...extra });

const CASES: ContractCase[] = [
  {
    name: 'a program that prints ends ok with exit code 0',
    request: js('console.log("hello", 1 + 1);'),
    expect: (result) => expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'hello 2\n', stderr: '', stdoutTruncated: false }),
  },
  {
    name: 'stdin reaches the program',
    request: js("const text = require('fs').readFileSync(0, 'utf8'); console.log(text.trim().split(/\\s+/).map(Number).reduce((a, b) => a + b, 0));", { stdin: '2 3\n4\n' }),
    expect: (result) => expect(result).toMatchObject({ status: 'ok', stdout: '9\n' }),
  },
  {
    name: 'stderr is kept apart from stdout',
    request: js('console.error("to stderr"); console.log("to stdout");'),
    expect: (result) => expect(result).toMatchObject({ status: 'ok', stdout: 'to stdout\n', stderr: 'to stderr\n' }),
  },
  {
    name: 'an uncaught exception is a runtime-error with exit code 1 and the error on stderr',
    request: js('console.log("before"); throw new TypeError("boom");'),
    expect: (result) => {
      expect(result).toMatchObject({ status: 'runtime-error', exitCode: 1, stdout: 'before\n' });
      expect(result.stderr).toContain('TypeError: boom');
    },
  },
  {
    name: 'process.exit(3) is a runtime-error with exit code 3',
    request: js('process.exit(3);'),
    expect: (result) => expect(result).toMatchObject({ status: 'runtime-error', exitCode: 3 }),
  },
  {
    name: 'process.exitCode = 0 after output is ok',
    request: js('console.log("x"); process.exitCode = 0;'),
    expect: (result) => expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'x\n' }),
  },
  {
    name: 'an infinite loop is a timeout at its limit',
    request: js('for (;;) {}', { limits: { timeoutMs: 1000, cpuTimeMs: 1000 } }),
    expect: (result) => {
      expect(result.status).toBe('timeout');
      expect(result.exitCode).toBeNull();
    },
  },
  {
    name: 'a timer due after the limit is a timeout',
    request: js('setTimeout(() => console.log("late"), 5000);', { limits: { timeoutMs: 1000 } }),
    expect: (result) => expect(result).toMatchObject({ status: 'timeout', stdout: '' }),
  },
  {
    name: 'promises and timers are drained before the run ends',
    request: js('setTimeout(() => console.log("timer"), 20); Promise.resolve().then(() => console.log("micro")); console.log("sync");'),
    expect: (result) => expect(result).toMatchObject({ status: 'ok', stdout: 'sync\nmicro\ntimer\n' }),
  },
  {
    name: 'unbounded allocation is a memory-limit',
    request: js('const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random()));', { limits: { memoryBytes: 64 * 1024 * 1024, timeoutMs: 20_000 } }),
    expect: (result) => expect(result.status).toBe('memory-limit'),
  },
  {
    name: 'output past the cap is an output-limit, cut at the cap',
    request: js('const line = "x".repeat(1000); for (;;) console.log(line);', { limits: { maxOutputBytes: 10_000, timeoutMs: 10_000 } }),
    expect: (result) => {
      expect(result.status).toBe('output-limit');
      expect(result.stdoutTruncated).toBe(true);
      expect(Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr)).toBeLessThanOrEqual(10_000);
    },
  },
  {
    name: 'TypeScript runs after a transpile, with its compile step reported ok',
    request: ts('const add = (a: number, b: number): number => a + b;\nconsole.log(add(2, 3));'),
    expect: (result) => {
      expect(result).toMatchObject({ status: 'ok', stdout: '5\n' });
      expect(result.compile?.status).toBe('ok');
    },
  },
  {
    name: 'TypeScript that does not parse is a compile-error and does not run',
    request: ts('console.log("never");\nconst broken: number = ;'),
    expect: (result) => {
      expect(result).toMatchObject({ status: 'compile-error', stdout: '' });
      expect(result.compile?.status).toBe('compile-error');
    },
  },
  {
    name: 'test code that runs to its end is reported completed',
    request: js('function double(x) { return 2 * x; }', { testCode: "const assert = require('assert');\nassert.strictEqual(double(21), 42);\n" }),
    expect: (result) => expect(result).toMatchObject({ status: 'ok', testCompleted: true }),
  },
  {
    name: 'an answer that exits 0 before its test code is reported not completed',
    request: js('function double(x) { return 2 * x; }\nprocess.exit(0);', { testCode: "const assert = require('assert');\nassert.strictEqual(double(21), 43);\n" }),
    expect: (result) => expect(result.testCompleted).toBe(false),
  },
  {
    name: 'a failing assertion in the test code is a runtime-error, not completed',
    request: js('function double(x) { return 2 * x + 1; }', { testCode: "const assert = require('assert');\nassert.strictEqual(double(21), 42);\n" }),
    expect: (result) => {
      expect(result.status).toBe('runtime-error');
      expect(result.testCompleted).toBe(false);
      expect(result.stderr).toMatch(/AssertionError/);
    },
  },
  {
    name: 'without test code, testCompleted is absent',
    request: js('console.log(1);'),
    expect: (result) => expect(result.testCompleted).toBeUndefined(),
  },
];

function backends(): Array<{ name: string; make: () => Sandbox }> {
  const list: Array<{ name: string; make: () => Sandbox }> = [{ name: 'isolate', make: () => new IsolateSandbox({ workers: 1 }) }];
  if (docker.available) list.push({ name: 'docker', make: () => new DockerSandbox({ poolSize: 1 }) });
  return list;
}

for (const backend of backends()) {
  describe(`sandbox contract: ${backend.name}`, () => {
    const sandbox = backend.make();
    afterAll(() => sandbox.dispose());

    it('names itself and serves JavaScript and TypeScript', () => {
      expect(sandbox.name).toBe(backend.name);
      expect(sandbox.capabilities.languages).toEqual(expect.arrayContaining(['javascript', 'typescript']));
    });

    for (const contract of CASES) {
      it(contract.name, async () => {
        const result = await sandbox.run(contract.request);
        // One result shape everywhere, with the backend's own name.
        expect(executionResultSchema.parse(result)).toEqual(result);
        expect(result.backend).toBe(backend.name);
        contract.expect(result);
      });
    }

    it('runs a batch of inputs, one result each, in order, as separate runs would', async () => {
      const request = { language: 'javascript' as const, source: "console.log(require('fs').readFileSync(0, 'utf8').trim().toUpperCase());" };
      const stdins = ['a\n', 'b\n', 'c\n'];
      const results = sandbox.runBatch ? await sandbox.runBatch({ ...request, stdins }) : await Promise.all(stdins.map((stdin) => sandbox.run({ ...request, stdin })));
      expect(results.map((result) => [result.status, result.stdout])).toEqual([['ok', 'A\n'], ['ok', 'B\n'], ['ok', 'C\n']]);
    });

    it('a cancelled run ends at once as a timeout saying so', async () => {
      const controller = new AbortController();
      const pending = sandbox.run({ language: 'javascript', source: 'for (;;) {}', limits: { timeoutMs: 60_000, cpuTimeMs: 60_000 }, signal: controller.signal });
      setTimeout(() => controller.abort(), 500);
      const result = await pending;
      expect(result.status).toBe('timeout');
      expect(result.message).toMatch(/cancel/);
    });

    it('after every hostile case, a plain program still runs ok', async () => {
      const result = await sandbox.run({ language: 'javascript', source: 'console.log("still fine")' });
      expect(result).toMatchObject({ status: 'ok', stdout: 'still fine\n' });
    });
  });
}
