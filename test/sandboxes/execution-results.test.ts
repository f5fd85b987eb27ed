import { describe, expect, it } from 'vitest';
import { cancelledResult, capMessage, compileErrorResult, lostResult, MESSAGE_CHARS } from '../../src/sandboxes/execution-results.ts';
import { executionResultSchema, type CompileResult, type ExecutionResult } from '../../src/schemas/execution-result.ts';

const REFUSED: CompileResult = { status: 'compile-error', stdout: '', stderr: 'main.c:1:1: error: expected expression\n', exitCode: 1, durationMs: 42 };
const OUT_OF_TIME: CompileResult = { status: 'timeout', stdout: 'partial', stderr: 'cc1: killed\n', exitCode: null, durationMs: 3_000 };
const TRANSPILED: CompileResult = { status: 'ok', stdout: '', stderr: '', exitCode: 0, durationMs: 7 };

/** Checked against the contract's schema, which every result must satisfy. */
function valid(result: ExecutionResult): ExecutionResult {
  expect(executionResultSchema.parse(result)).toEqual(result);
  return result;
}

describe('compileErrorResult', () => {
  it("a program the compiler refused: compile-error, the step's stderr, no run", () => {
    const result = valid(compileErrorResult('docker', REFUSED, { message: 'compilation failed: exit code 1' }));
    expect(result).toEqual({
      status: 'compile-error',
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: REFUSED.stderr,
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: 0,
      cpuTimeMs: null,
      memoryBytes: null,
      message: 'compilation failed: exit code 1',
      compile: REFUSED,
      backend: 'docker',
    });
  });

  it('a compiler stopped at a limit: a compile-error (the program never ran), the step keeps the limit as its status', () => {
    const result = valid(compileErrorResult('isolate', OUT_OF_TIME, { message: 'the compiler ran out of time', stderrTruncated: true }));
    expect(result).toMatchObject({ status: 'compile-error', stderr: 'cc1: killed\n', stderrTruncated: true, stdout: '', durationMs: 0 });
    expect(result.compile).toEqual(OUT_OF_TIME);
  });

  it('a compiler that crashed refused the program: compile-error, on the step too', () => {
    const crashed: CompileResult = { status: 'runtime-error', stdout: '', stderr: 'Segmentation fault\n', exitCode: null, durationMs: 5 };
    const result = valid(compileErrorResult('docker', crashed, { message: 'compilation failed: killed by SIGSEGV' }));
    expect(result.status).toBe('compile-error');
    expect(result.compile).toEqual({ ...crashed, status: 'compile-error' });
  });

  it('with test code, the test code did not run to its end; requested files are reported', () => {
    const files = [{ path: 'out.txt', error: 'not collected: the program never ran' }];
    const result = valid(compileErrorResult('docker', REFUSED, { message: 'compilation failed', hasTestCode: true, files }));
    expect(result).toMatchObject({ testCompleted: false, files });
    expect(valid(compileErrorResult('docker', REFUSED, { message: 'compilation failed' }))).not.toHaveProperty('testCompleted');
  });
});

describe('cancelledResult', () => {
  it('a timeout saying "cancelled", with the time it ran and the facts known so far', () => {
    const files = [{ path: 'a.txt', error: 'the isolate sandbox has no filesystem' }];
    const result = valid(cancelledResult('isolate', { durationMs: 250.5, compile: TRANSPILED, files, hasTestCode: true }));
    expect(result).toEqual({
      status: 'timeout',
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: 250.5,
      cpuTimeMs: null,
      memoryBytes: null,
      message: 'cancelled',
      compile: TRANSPILED,
      testCompleted: false,
      files,
      backend: 'isolate',
    });
  });

  it('before it started: no time, no compile step; a longer message can say where it was', () => {
    expect(valid(cancelledResult('isolate'))).toMatchObject({ status: 'timeout', message: 'cancelled', durationMs: 0 });
    expect(valid(cancelledResult('docker', { message: 'cancelled while waiting for a container' })).message).toBe('cancelled while waiting for a container');
    expect(cancelledResult('isolate')).not.toHaveProperty('compile');
  });
});

describe('lostResult', () => {
  it('the status and message of the loss, its duration, no output', () => {
    const result = valid(lostResult('isolate', 'memory-limit', 'the isolate ran out of memory and its worker was lost', { durationMs: 812, hasTestCode: true }));
    expect(result).toMatchObject({
      status: 'memory-limit',
      message: 'the isolate ran out of memory and its worker was lost',
      durationMs: 812,
      stdout: '',
      stderr: '',
      exitCode: null,
      testCompleted: false,
      backend: 'isolate',
    });
  });

  it('a negative duration (clocks of two processes) is reported as 0', () => {
    expect(valid(lostResult('docker', 'timeout', 'no answer', { durationMs: -3 })).durationMs).toBe(0);
  });
});

describe('one shape whatever the backend', () => {
  it('the same facts give the same result but for the backend name', () => {
    const facts = { durationMs: 10, compile: TRANSPILED, hasTestCode: true };
    const pairs = [
      [cancelledResult('isolate', facts), cancelledResult('docker', facts)],
      [lostResult('isolate', 'runtime-error', 'lost', facts), lostResult('docker', 'runtime-error', 'lost', facts)],
      [compileErrorResult('isolate', REFUSED, { message: 'refused' }), compileErrorResult('docker', REFUSED, { message: 'refused' })],
    ] as const;
    for (const [isolate, docker] of pairs) {
      expect(isolate.backend).toBe('isolate');
      expect(docker.backend).toBe('docker');
      expect({ ...isolate, backend: 'x' }).toEqual({ ...docker, backend: 'x' });
    }
  });

  it('results never share the facts objects they were built from', () => {
    const files = [{ path: 'a', error: 'none' }];
    const compile = { ...TRANSPILED };
    const result = cancelledResult('isolate', { compile, files });
    (result.compile as CompileResult).stderr = 'changed';
    (result.files as Array<{ path: string }>)[0]!.path = 'changed';
    expect(compile.stderr).toBe('');
    expect(files[0]!.path).toBe('a');
  });
});

describe('capMessage', () => {
  it('keeps short messages and cuts long ones, saying how much was cut', () => {
    expect(capMessage('short')).toBe('short');
    const long = 'x'.repeat(MESSAGE_CHARS + 10);
    expect(capMessage(long)).toBe(`${'x'.repeat(MESSAGE_CHARS)}… (10 more characters)`);
    expect(lostResult('isolate', 'runtime-error', long).message).toBe(capMessage(long));
    expect(compileErrorResult('docker', REFUSED, { message: long }).message).toBe(capMessage(long));
  });
});
