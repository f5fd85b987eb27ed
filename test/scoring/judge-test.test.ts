import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/errors/sandbench-error.ts';
import type { ExecutionResult } from '../../src/schemas/execution-result.ts';
import { testVerdictSchema } from '../../src/schemas/sample-result.ts';
import { testCaseSchema, type TestCase } from '../../src/schemas/task.ts';
import { judgeSandboxError, judgeTest, summarizeStderr, truncateMiddle } from '../../src/scoring/judge-test.ts';

function execution(overrides: Partial<ExecutionResult> = {}): ExecutionResult {
  return {
    status: 'ok',
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 12,
    cpuTimeMs: null,
    memoryBytes: null,
    backend: 'docker',
    ...overrides,
  };
}

const io = (fields: Record<string, unknown>): TestCase => testCaseSchema.parse({ kind: 'io', ...fields });
const program = (fields: Record<string, unknown> = {}): TestCase => testCaseSchema.parse({ kind: 'program', code: '', ...fields });

describe('judgeTest: I/O tests', () => {
  it('passes matching stdout under the default trim comparator', () => {
    const verdict = judgeTest(io({ stdout: '42\n' }), execution({ stdout: '42  \n\n' }));
    expect(verdict.verdict).toBe('passed');
    expect(verdict.reason).toBeUndefined();
    expect(testVerdictSchema.parse(verdict)).toEqual(verdict);
  });

  it('fails with a diff', () => {
    const verdict = judgeTest(io({ stdout: '1\n2\n42\n' }), execution({ stdout: '1\n2\n41\n' }), undefined, 3);
    expect(verdict).toMatchObject({ testIndex: 3, verdict: 'failed', reason: 'line 3: expected "42" got "41"' });
  });

  it("uses the test's comparator, then the task's, then trim", () => {
    const run = execution({ stdout: '3.1415927\n' });
    expect(judgeTest(io({ stdout: '3.14159265' }), run).verdict).toBe('failed');
    expect(judgeTest(io({ stdout: '3.14159265' }), run, 'float').verdict).toBe('passed');
    expect(judgeTest(io({ stdout: '3.14159265', comparator: 'exact' }), run, 'float').verdict).toBe('failed');
  });

  it('keeps the test name', () => {
    expect(judgeTest(io({ stdout: 'x', name: 'sample 1' }), execution({ stdout: 'x' })).name).toBe('sample 1');
  });
});

describe('judgeTest: program tests', () => {
  it('passes an ok run, whatever it printed, under exit-zero', () => {
    expect(judgeTest(program(), execution({ stdout: 'debug\n' })).verdict).toBe('passed');
  });

  it('fails a run that wrote anything under exit-zero-silent, quoting the first line', () => {
    const silent = program({ passWhen: 'exit-zero-silent' });
    expect(judgeTest(silent, execution()).verdict).toBe('passed');
    const noisy = judgeTest(silent, execution({ stderr: 'Assertion failed\nAssertion failed\n' }));
    expect(noisy).toMatchObject({ verdict: 'failed', reason: 'wrote to stderr: "Assertion failed"' });
    expect(judgeTest(silent, execution({ stdout: '\nhello\n' })).reason).toBe('wrote to stdout: "hello"');
  });
});

describe('judgeTest: a program test that reports a wrong answer by its exit code', () => {
  const reporting = program({ wrongAnswerExitCode: 97 });

  it('is `failed`, with the last line the test code wrote to stderr as reason', () => {
    const stderr = 'the answer\'s own noise\nwrong answer: f(*inputs) returned 4; expected [3] (or its first item)\n';
    const verdict = judgeTest(reporting, execution({ status: 'runtime-error', exitCode: 97, stderr }));
    expect(verdict).toMatchObject({ verdict: 'failed', reason: 'wrong answer: f(*inputs) returned 4; expected [3] (or its first item)' });
    expect(judgeTest(reporting, execution({ status: 'runtime-error', exitCode: 97 }))).toMatchObject({ verdict: 'failed', reason: 'wrong answer' });
  });

  it('leaves every other ending as it was: another exit code, a signal, a limit, a test without the field', () => {
    const traceback = 'Traceback (most recent call last):\nZeroDivisionError: division by zero\n';
    expect(judgeTest(reporting, execution({ status: 'runtime-error', exitCode: 1, stderr: traceback })).verdict).toBe('runtime-error');
    expect(judgeTest(reporting, execution({ status: 'runtime-error', exitCode: null, signal: 'SIGKILL' })).verdict).toBe('runtime-error');
    expect(judgeTest(reporting, execution({ status: 'timeout', exitCode: 97 })).verdict).toBe('timeout');
    expect(judgeTest(program(), execution({ status: 'runtime-error', exitCode: 97, stderr: 'wrong\n' })).verdict).toBe('runtime-error');
  });

  it('takes an exit code from 1 to 255 only', () => {
    for (const code of [0, 256, 1.5]) expect(testCaseSchema.safeParse({ kind: 'program', code: '', wrongAnswerExitCode: code }).success).toBe(false);
  });
});

describe('judgeTest: failed executions', () => {
  it('maps each non-ok status to the verdict of the same name', () => {
    for (const status of ['timeout', 'memory-limit', 'output-limit', 'runtime-error', 'compile-error'] as const) {
      const verdict = judgeTest(program(), execution({ status, exitCode: null, message: `${status} happened` }));
      expect(verdict.verdict).toBe(status);
      expect(verdict.reason).toBe(`${status} happened`);
      expect(verdict.execution?.status).toBe(status);
    }
  });

  it('judges the status before the output, even for I/O tests with matching output', () => {
    expect(judgeTest(io({ stdout: 'x' }), execution({ status: 'timeout', stdout: 'x' })).verdict).toBe('timeout');
  });

  it('finds the exception line of a Python traceback', () => {
    const stderr = 'Traceback (most recent call last):\n  File "main.py", line 9, in <module>\n    check(f)\n  File "main.py", line 4, in check\n    assert candidate(1) == 2\nAssertionError\n';
    const verdict = judgeTest(program(), execution({ status: 'runtime-error', exitCode: 1, stderr }));
    expect(verdict.reason).toBe('AssertionError');
  });

  it('finds the error line of a Node stack trace, not its last frame', () => {
    const stderr = [
      '/work/main.js:12',
      '    throw new AssertionError(obj);',
      '    ^',
      '',
      "AssertionError [ERR_ASSERTION]: Exception --- test case 0 failed to pass",
      '    at Object.<anonymous> (/work/main.js:12:8)',
      '    at Module._compile (node:internal/modules/cjs/loader:1554:14)',
      '',
      'Node.js v24.11.0',
      '',
    ].join('\n');
    const verdict = judgeTest(program(), execution({ status: 'runtime-error', exitCode: 1, stderr, message: 'exit code 1' }));
    expect(verdict.reason).toBe('exit code 1: AssertionError [ERR_ASSERTION]: Exception --- test case 0 failed to pass');
  });

  it('falls back to the last stderr lines, then the exit code or signal', () => {
    expect(judgeTest(program(), execution({ status: 'runtime-error', exitCode: 3, stderr: 'a\nb\nc\nd\n' })).reason).toBe('b\nc\nd');
    expect(judgeTest(program(), execution({ status: 'runtime-error', exitCode: 3 })).reason).toBe('exit code 3');
    expect(judgeTest(program(), execution({ status: 'runtime-error', exitCode: null, signal: 'SIGSEGV' })).reason).toBe('killed by SIGSEGV');
    expect(judgeTest(program(), execution({ status: 'timeout', exitCode: null })).reason).toBe('time limit exceeded');
  });

  it("reads a compile error from the compile step's output", () => {
    const verdict = judgeTest(
      program(),
      execution({
        status: 'compile-error',
        exitCode: null,
        compile: { status: 'compile-error', stdout: '', stderr: "main.c: In function 'main':\nmain.c:3:5: error: expected ';' before '}' token\n", exitCode: 1, durationMs: 40 },
      }),
    );
    expect(verdict).toMatchObject({ verdict: 'compile-error', reason: "main.c:3:5: error: expected ';' before '}' token" });
  });

  it('keeps at most about 2 KB of each output, head and tail', () => {
    const stdout = 'H'.repeat(5000) + 'T'.repeat(5000);
    const verdict = judgeTest(program(), execution({ stdout, stderr: 'short' }));
    expect(verdict.execution?.stdout.length).toBeLessThan(2200);
    expect(verdict.execution?.stdout.startsWith('HHH')).toBe(true);
    expect(verdict.execution?.stdout.endsWith('TTT')).toBe(true);
    expect(verdict.execution?.stdout).toContain('characters omitted');
    expect(verdict.execution?.stderr).toBe('short');
  });

  it('never splits a surrogate pair when truncating', () => {
    const text = '😀'.repeat(3000);
    const cut = truncateMiddle(text, 101);
    expect(cut.isWellFormed()).toBe(true);
  });

  it('summarizes empty stderr as undefined', () => {
    expect(summarizeStderr('\n  \n')).toBeUndefined();
  });
});

describe('judgeSandboxError', () => {
  it('records an engine fault as sandbox-error with the message', () => {
    const verdict = judgeSandboxError(2, new SandboxError('docker daemon unreachable'), program({ name: 'check' }));
    expect(verdict).toEqual({ testIndex: 2, name: 'check', verdict: 'sandbox-error', reason: 'docker daemon unreachable' });
    expect(judgeSandboxError(0, 'plain string')).toEqual({ testIndex: 0, verdict: 'sandbox-error', reason: 'plain string' });
  });
});

describe('judgeTest of a program test with test code', () => {
  const programTest = { kind: 'program', code: 'check()', passWhen: 'exit-zero-silent' } as const;
  it('passes when the backend saw the test code run to its end', () => {
    expect(judgeTest(programTest, execution({ testCompleted: true })).verdict).toBe('passed');
  });

  it('fails a program that exited 0 before its tests finished', () => {
    const verdict = judgeTest(programTest, execution({ stdout: '', testCompleted: false }));
    expect(verdict.verdict).toBe('failed');
    expect(verdict.reason).toMatch(/ended before its test code finished/);
  });

  it('still applies the silent rule to the output', () => {
    expect(judgeTest(programTest, execution({ stdout: 'Assertion failed\n', testCompleted: true })).verdict).toBe('failed');
  });
});
