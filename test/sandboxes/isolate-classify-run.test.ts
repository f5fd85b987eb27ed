import { describe, expect, it } from 'vitest';
import { classifyRun, limitTolerance, type RunEnding, type RunFacts } from '../../src/sandboxes/isolate/classify-run.ts';

const LIMITS = { timeoutMs: 1_000, cpuTimeMs: 1_000, memoryMb: 64, maxOutputBytes: 4_096 };

function facts(ending: RunEnding, extra: Partial<RunFacts> = {}): RunFacts {
  return { ending, limits: LIMITS, clock: { elapsedMs: 10, cpuMs: 5, runQueueMs: 0 }, exitCode: 0, mayRerun: true, ...extra };
}

describe('classifyRun: endings that are not cuts', () => {
  it('a drained run is ok, or a runtime error when process.exitCode was set', () => {
    expect(classifyRun(facts({ kind: 'drained' }))).toEqual({ kind: 'verdict', status: 'ok', exitCode: 0 });
    expect(classifyRun(facts({ kind: 'drained' }, { exitCode: 2 }))).toEqual({
      kind: 'verdict',
      status: 'runtime-error',
      exitCode: 2,
      message: 'process.exitCode = 2',
    });
  });

  it('process.exit: status 0 is ok, anything else a runtime error with its code', () => {
    expect(classifyRun(facts({ kind: 'stopped', reason: 'exit' }, { requestedExit: 0 }))).toEqual({ kind: 'verdict', status: 'ok', exitCode: 0 });
    expect(classifyRun(facts({ kind: 'stopped', reason: 'exit' }, { requestedExit: 3 }))).toEqual({
      kind: 'verdict',
      status: 'runtime-error',
      exitCode: 3,
      message: 'process.exit(3)',
    });
  });

  it('output cap, cancel, memory and thrown errors', () => {
    expect(classifyRun(facts({ kind: 'stopped', reason: 'output' }))).toMatchObject({ status: 'output-limit', exitCode: null, message: 'output exceeded 4096 bytes' });
    expect(classifyRun(facts({ kind: 'stopped', reason: 'cancel' }))).toMatchObject({ status: 'timeout', exitCode: null, message: 'cancelled' });
    expect(classifyRun(facts({ kind: 'disposed', text: 'Isolate was disposed during execution due to memory limit' }))).toMatchObject({
      status: 'memory-limit',
      message: 'memory limit of 64 MiB exceeded',
    });
    expect(classifyRun(facts({ kind: 'disposed' }))).toMatchObject({ status: 'memory-limit', message: 'isolate disposed: unknown reason' });
    expect(classifyRun(facts({ kind: 'threw', stderr: 'Error: x\n    at main.js:1:7', message: 'Uncaught Error: x' }))).toEqual({
      kind: 'verdict',
      status: 'runtime-error',
      exitCode: 1,
      message: 'Uncaught Error: x',
    });
  });

  it('limits reached while measuring name the tighter limit', () => {
    expect(classifyRun(facts({ kind: 'stopped', reason: 'cpu-limit' }))).toMatchObject({ status: 'timeout', message: 'wall-clock limit of 1000 ms reached' });
    const tighterCpu = { ...LIMITS, cpuTimeMs: 300 };
    expect(classifyRun(facts({ kind: 'stopped', reason: 'cpu-limit' }, { limits: tighterCpu }))).toMatchObject({ message: 'CPU time limit of 300 ms reached' });
    expect(classifyRun(facts({ kind: 'stopped', reason: 'wall-limit' }, { limits: tighterCpu }))).toMatchObject({ message: 'wall-clock limit of 1000 ms reached' });
    expect(classifyRun(facts({ kind: 'timer-after-limit' }))).toMatchObject({
      status: 'timeout',
      message: 'wall-clock limit of 1000 ms reached (the next timer is due after it)',
    });
  });

  it('a rerun that ran out of its backstop is the engine\'s fault, not a verdict', () => {
    const verdict = classifyRun(facts({ kind: 'backstop', backstopMs: 10_000 }, { clock: { elapsedMs: 10_000, cpuMs: 120, runQueueMs: 9_000 }, mayRerun: false }));
    expect(verdict.kind).toBe('fault');
    if (verdict.kind === 'fault') expect(verdict.message).toContain('used 120 ms of CPU');
  });
});

describe('classifyRun: a cut by the wall-clock timer', () => {
  it('is a timeout when the CPU time reached the limit', () => {
    expect(classifyRun(facts({ kind: 'cut' }, { clock: { elapsedMs: 1_001, cpuMs: 995, runQueueMs: 3 } }))).toMatchObject({
      status: 'timeout',
      message: 'wall-clock limit of 1000 ms reached',
    });
    expect(classifyRun(facts({ kind: 'cut' }, { limits: { ...LIMITS, cpuTimeMs: 300 }, clock: { elapsedMs: 301, cpuMs: 299, runQueueMs: 1 } }))).toMatchObject({
      status: 'timeout',
      message: 'CPU time limit of 300 ms reached',
    });
  });

  it('is a timeout when the program waited (not for a CPU) through its time', () => {
    // Atomics.wait: little CPU, no run-queue delay: it really took its wall-clock time.
    expect(classifyRun(facts({ kind: 'cut' }, { clock: { elapsedMs: 1_000, cpuMs: 2, runQueueMs: 1 } }))).toMatchObject({
      status: 'timeout',
      message: 'wall-clock limit of 1000 ms reached',
    });
  });

  it('asks for a rerun when waiting for a CPU explains the cut', () => {
    const verdict = classifyRun(facts({ kind: 'cut' }, { clock: { elapsedMs: 1_000, cpuMs: 450, runQueueMs: 540 } }));
    expect(verdict.kind).toBe('rerun');
    // The tolerance separates scheduler noise from starvation.
    expect(classifyRun(facts({ kind: 'cut' }, { clock: { elapsedMs: 1_000, cpuMs: 850, runQueueMs: limitTolerance(1_000) - 1 } })).kind).toBe('verdict');
    expect(classifyRun(facts({ kind: 'cut' }, { clock: { elapsedMs: 1_000, cpuMs: 850, runQueueMs: limitTolerance(1_000) + 1 } })).kind).toBe('rerun');
  });

  it('is taken at its word when no rerun is allowed or the run-queue delay is unknown', () => {
    const starved = { elapsedMs: 1_000, cpuMs: 450, runQueueMs: 540 };
    expect(classifyRun(facts({ kind: 'cut' }, { clock: starved, mayRerun: false }))).toMatchObject({ status: 'timeout' });
    expect(classifyRun(facts({ kind: 'cut' }, { clock: { ...starved, runQueueMs: undefined } }))).toMatchObject({ status: 'timeout' });
  });
});

describe('classifyRun: test code', () => {
  it('is completed only when its step returned and the run then drained normally', () => {
    expect(classifyRun(facts({ kind: 'drained' }, { test: { returned: true } }))).toMatchObject({ status: 'ok', testCompleted: true });
    expect(classifyRun(facts({ kind: 'drained' }, { test: { returned: false } }))).toMatchObject({ status: 'ok', testCompleted: false });
    // An exit with status 0 is an ok run, but it may have cut asynchronous test code short.
    expect(classifyRun(facts({ kind: 'stopped', reason: 'exit' }, { requestedExit: 0, test: { returned: true } }))).toMatchObject({
      status: 'ok',
      testCompleted: false,
    });
    expect(classifyRun(facts({ kind: 'drained' }, { exitCode: 1, test: { returned: true } }))).toMatchObject({ status: 'runtime-error', testCompleted: false });
    expect(classifyRun(facts({ kind: 'threw', stderr: '', message: 'Uncaught Error' }, { test: { returned: true } }))).toMatchObject({ testCompleted: false });
  });

  it('runs without test code say nothing about it', () => {
    expect(classifyRun(facts({ kind: 'drained' }))).not.toHaveProperty('testCompleted');
  });
});
