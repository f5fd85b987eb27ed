import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPILE_LIMITS, DEFAULT_RUN_LIMITS, executionLimitsInputSchema, MAXIMUM_LIMITS, resolveLimits } from '../../src/schemas/limits.ts';
import { executionResultSchema } from '../../src/schemas/execution-result.ts';
import { taskSchema } from '../../src/schemas/task.ts';
import { loadRuntimeProfiles } from '../../src/runtimes/runtime-profiles.ts';

describe('resolveLimits', () => {
  it('fills every field from the defaults when no layer sets it', () => {
    expect(resolveLimits([])).toEqual(DEFAULT_RUN_LIMITS);
    expect(resolveLimits([undefined], DEFAULT_COMPILE_LIMITS)).toEqual(DEFAULT_COMPILE_LIMITS);
  });

  it('lets later layers win and ties the CPU limit to an explicit wall limit', () => {
    const limits = resolveLimits([{ timeoutMs: 5000, memoryBytes: 1024 }, { timeoutMs: 2000 }]);
    expect(limits).toMatchObject({ timeoutMs: 2000, cpuTimeMs: 2000, memoryBytes: 1024, pids: DEFAULT_RUN_LIMITS.pids });
    expect(resolveLimits([{ timeoutMs: 2000, cpuTimeMs: 500 }]).cpuTimeMs).toBe(500);
  });

  it('clamps to the maximum', () => {
    const limits = resolveLimits([{ timeoutMs: 10 ** 9, memoryBytes: 10 ** 12 }]);
    expect(limits.timeoutMs).toBe(MAXIMUM_LIMITS.timeoutMs);
    expect(limits.memoryBytes).toBe(MAXIMUM_LIMITS.memoryBytes);
    expect(resolveLimits([{ pids: 50 }], DEFAULT_RUN_LIMITS, { ...MAXIMUM_LIMITS, pids: 10 }).pids).toBe(10);
  });

  it('rejects unknown, negative and fractional limits', () => {
    expect(executionLimitsInputSchema.safeParse({ timeout: 5 }).success).toBe(false);
    expect(executionLimitsInputSchema.safeParse({ timeoutMs: -1 }).success).toBe(false);
    expect(executionLimitsInputSchema.safeParse({ memoryBytes: 1.5 }).success).toBe(false);
  });
});

describe('taskSchema', () => {
  it('fills defaults: empty code prefix, exit-zero program tests, empty stdin, tags and metadata', () => {
    const task = taskSchema.parse({
      id: 'a',
      prompt: 'p',
      language: 'python',
      tests: [{ kind: 'program', code: 'pass' }, { kind: 'io', stdout: 'x' }],
    });
    expect(task.codePrefix).toBe('');
    expect(task.tests[0]).toMatchObject({ kind: 'program', passWhen: 'exit-zero' });
    expect(task.tests[1]).toMatchObject({ kind: 'io', stdin: '' });
    expect(task.tags).toEqual([]);
    expect(task.metadata).toEqual({});
  });

  it('accepts comparator objects with tolerances and regex flags, and refuses bad ones', () => {
    const base = { id: 'a', prompt: 'p', language: 'python', tests: [{ kind: 'io', stdout: 'x' }] };
    expect(taskSchema.parse({ ...base, comparator: { type: 'float' } }).comparator).toEqual({ type: 'float', absTolerance: 1e-6, relTolerance: 1e-6 });
    expect(taskSchema.safeParse({ ...base, comparator: { type: 'regex', flags: 'g' } }).success).toBe(false);
    expect(taskSchema.safeParse({ ...base, comparator: { type: 'float', absTolerance: -1 } }).success).toBe(false);
  });
});

describe('executionResultSchema', () => {
  it('accepts only the six statuses', () => {
    const result = {
      status: 'ok',
      exitCode: 0,
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: 1,
      cpuTimeMs: null,
      memoryBytes: null,
      backend: 'isolate',
    };
    expect(executionResultSchema.parse(result).signal).toBeNull();
    expect(executionResultSchema.safeParse({ ...result, status: 'sandbox-error' }).success).toBe(false);
  });
});

describe('runtime profiles', () => {
  it('has a valid profile for every required language', () => {
    const profiles = loadRuntimeProfiles();
    expect([...profiles.keys()].sort()).toEqual(['bash', 'c', 'cpp', 'go', 'java', 'javascript', 'python', 'rust', 'typescript']);
    expect(profiles.get('javascript')!.backends[0]).toBe('isolate');
    expect(profiles.get('python')!.backends).toEqual(['docker']);
  });
});
