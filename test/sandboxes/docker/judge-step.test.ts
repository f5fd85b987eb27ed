import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../../src/errors/sandbench-error.ts';
import { judgeStep, starvedStepError } from '../../../src/sandboxes/docker-sandbox.ts';
import type { RunnerStepResult } from '../../../src/sandboxes/docker/runner-connection.ts';
import { resolveLimits } from '../../../src/schemas/limits.ts';

/** The runner's facts of a step that exited 0 after 100 ms, with `overrides`. */
function facts(overrides: Partial<RunnerStepResult> = {}): RunnerStepResult {
  return {
    name: 'run',
    exitCode: 0,
    signal: null,
    timedOut: false,
    timeLimit: null,
    starved: false,
    runQueueMs: 0,
    outputLimited: false,
    stdoutTruncated: false,
    stderrTruncated: false,
    wallMs: 100,
    cpuMs: 90,
    maxRssBytes: 10_000_000,
    oomKilled: false,
    leftBehind: false,
    pidsAfterExit: 1,
    testCompleted: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    ...overrides,
  };
}

const step = { memoryRlimit: 'none' as const };

describe('judgeStep: time limits worded as the isolate sandbox words them', () => {
  it('a step stopped by its wall measure: the wall-clock limit, whatever the clock showed', () => {
    const limits = resolveLimits([{ timeoutMs: 3000 }]);
    const judged = judgeStep(facts({ timedOut: true, timeLimit: 'wall', exitCode: null, signal: 'SIGKILL', wallMs: 9000, runQueueMs: 6000 }), limits, step);
    expect(judged).toEqual({ status: 'timeout', message: 'wall-clock limit of 3000 ms reached' });
  });

  it('a step stopped by its CPU time: the CPU limit when it is the tighter one, else the wall-clock limit', () => {
    const stopped = facts({ timedOut: true, timeLimit: 'cpu', exitCode: null, signal: 'SIGKILL', cpuMs: 1000 });
    expect(judgeStep(stopped, resolveLimits([{ timeoutMs: 5000, cpuTimeMs: 1000 }]), step)).toEqual({ status: 'timeout', message: 'CPU time limit of 1000 ms reached' });
    expect(judgeStep(stopped, resolveLimits([{ timeoutMs: 1000 }]), step)).toEqual({ status: 'timeout', message: 'wall-clock limit of 1000 ms reached' });
  });

  it('SIGXCPU (RLIMIT_CPU), or CPU time at the limit, is a timeout even when the runner did not stop it', () => {
    const limits = resolveLimits([{ timeoutMs: 5000, cpuTimeMs: 1000 }]);
    expect(judgeStep(facts({ exitCode: null, signal: 'SIGXCPU', cpuMs: 1001 }), limits, step).status).toBe('timeout');
    expect(judgeStep(facts({ exitCode: 0, cpuMs: 1000 }), limits, step)).toEqual({ status: 'timeout', message: 'CPU time limit of 1000 ms reached' });
    expect(judgeStep(facts({ exitCode: 0, cpuMs: 999 }), limits, step)).toEqual({ status: 'ok', message: '' });
  });

  it('a long wall time alone (a starved step that finished) is no timeout', () => {
    const limits = resolveLimits([{ timeoutMs: 1000 }]);
    expect(judgeStep(facts({ wallMs: 30_000, runQueueMs: 29_500, cpuMs: 400 }), limits, step)).toEqual({ status: 'ok', message: '' });
  });

  it('a starved step is an engine fault that says the machine was too busy, as the isolate does', () => {
    const limits = resolveLimits([{ timeoutMs: 3000 }]);
    const error = starvedStepError(facts({ starved: true, exitCode: null, signal: 'SIGKILL', wallMs: 150_000, cpuMs: 1200, runQueueMs: 148_000 }), limits);
    expect(error).toBeInstanceOf(SandboxError);
    expect(error.code).toBe('sandbox-failure');
    expect(error.message).toBe(
      'the machine is too busy to judge this run: after 150000 ms of wall-clock time it had used 1200 ms of CPU, below its limits (3000 ms CPU, 3000 ms wall clock)',
    );
  });
});
