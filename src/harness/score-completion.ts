import type { Logger } from 'pino';
import { errorMessage, SandbenchError } from '../errors/sandbench-error.ts';
import type { Sandbox, SandboxRunRequest } from '../sandboxes/sandbox.ts';
import type { ExecutionResult } from '../schemas/execution-result.ts';
import type { TestVerdict } from '../schemas/sample-result.ts';
import type { ProgramTest, Task } from '../schemas/task.ts';
import { judgeSandboxError, judgeTest } from '../scoring/judge-test.ts';
import { assembleProgram, programSource, type ProgramAssembly } from './assemble-program.ts';

export interface ScoreCompletionOptions {
  /**
   * `fitted` (default): an answer that repeats the prefix's open function replaces it; `exact`:
   * `codePrefix + completion` as upstream harnesses join them (continuations, samples files).
   */
  assembly?: ProgramAssembly;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface CompletionScore {
  /** One verdict per test, in the task's order. */
  verdicts: TestVerdict[];
  /** `sandbox-error` when any test hit an engine fault (kept out of pass rates). */
  outcome: 'passed' | 'failed' | 'sandbox-error';
  /** The first engine fault's message. */
  error?: string;
  /** Time spent in the sandbox. */
  executionMs: number;
}

/** The request fields every test of a task shares. */
function baseRequest(task: Task, options: ScoreCompletionOptions): Omit<SandboxRunRequest, 'source'> {
  return {
    language: task.language,
    ...(task.limits?.run ? { limits: task.limits.run } : {}),
    ...(task.limits?.compile ? { compileLimits: task.limits.compile } : {}),
    ...(task.typescript ? { typescript: task.typescript } : {}),
    ...(task.runtimeVariant ? { variant: task.runtimeVariant } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/**
 * Run every test of a task against one completion and judge each. The I/O tests share one
 * program: it is compiled once and run once per test (`runBatch` where the backend has it).
 * Program tests each run their own program. A task with `stopAtFirstFailure` runs its tests in
 * order until one does not pass (see `scoreUntilFirstFailure`). Engine faults become `sandbox-error` verdicts
 * (never model failures); anything else the sandbox throws that is not a `SandbenchError` is a
 * bug and propagates.
 */
export async function scoreCompletion(
  task: Task,
  completion: string,
  sandbox: Sandbox,
  options: ScoreCompletionOptions = {},
): Promise<CompletionScore> {
  if (task.kind !== 'code') {
    // Such a task has no tests: scoring it here would pass any completion.
    throw new SandbenchError('unsupported', `task '${task.id}' is an ${task.kind} task: its scorers judge an answer or an episode, not a program (use run, or score for answer tasks)`, {
      details: { task: task.id, kind: task.kind },
    });
  }
  const verdicts: Array<TestVerdict | undefined> = new Array(task.tests.length);
  let error: string | undefined;
  const started = performance.now();
  const base = baseRequest(task, options);
  const fault = (testIndex: number, caught: unknown): void => {
    if (!SandbenchError.isInstance(caught)) throw caught;
    error ??= errorMessage(caught);
    options.logger?.warn({ task: task.id, testIndex, err: caught }, 'sandbox error');
    verdicts[testIndex] = judgeSandboxError(testIndex, caught, task.tests[testIndex]);
  };
  const judge = (testIndex: number, execution: ExecutionResult): void => {
    const test = task.tests[testIndex]!;
    const verdict = judgeTest(test, execution, task.comparator, testIndex);
    verdicts[testIndex] = { ...verdict, testIndex, ...(test.name ? { name: test.name } : {}) };
  };

  // The I/O tests share one program: compiled once per group and run once per stdin.
  let source: string | undefined;
  const runIoTests = async (indexes: readonly number[]): Promise<void> => {
    source ??= programSource(task, completion, options.assembly);
    const stdins = indexes.map((index) => (task.tests[index] as { stdin: string }).stdin);
    try {
      const executions = sandbox.runBatch
        ? await sandbox.runBatch({ ...base, source, stdins })
        : await runEach(sandbox, { ...base, source }, stdins);
      let compileReported = false;
      for (const [position, testIndex] of indexes.entries()) {
        let execution = executions[position]!;
        // One compile error is one fact: the first test carries it, the others point to it.
        if (execution.status === 'compile-error') {
          if (compileReported) execution = { ...execution, stderr: '', message: `compilation failed (see test ${indexes[0]})` };
          compileReported = true;
        }
        judge(testIndex, execution);
      }
    } catch (caught) {
      for (const testIndex of indexes) fault(testIndex, caught);
    }
  };
  const runProgramTest = async (testIndex: number): Promise<void> => {
    const program = assembleProgram(task, completion, task.tests[testIndex] as ProgramTest, options.assembly);
    try {
      judge(testIndex, await sandbox.run({ ...base, source: program.source, ...(program.testCode !== undefined ? { testCode: program.testCode } : {}) }));
    } catch (caught) {
      fault(testIndex, caught);
    }
  };

  if (task.stopAtFirstFailure) {
    await scoreUntilFirstFailure(task, verdicts, runIoTests, runProgramTest);
  } else {
    const ioTests = [...task.tests.entries()].filter(([, test]) => test.kind === 'io').map(([index]) => index);
    if (ioTests.length > 0) await runIoTests(ioTests);
    for (const [testIndex, test] of task.tests.entries()) {
      if (test.kind === 'program') await runProgramTest(testIndex);
    }
  }
  const all = verdicts as TestVerdict[];
  const outcome = all.some((verdict) => verdict.verdict === 'sandbox-error')
    ? 'sandbox-error'
    : all.every((verdict) => verdict.verdict === 'passed')
      ? 'passed'
      : 'failed';
  return { verdicts: all, outcome, ...(error ? { error } : {}), executionMs: performance.now() - started };
}

/**
 * `stopAtFirstFailure`: the tests in the task's order, consecutive I/O tests in groups of 1, 2,
 * 4, … (each group one batch, so a failure early costs one run and a passing answer a few
 * compiles), until a test does not pass. The tests after it, including any its group ran, are
 * `not-run`: their results are not looked at.
 */
async function scoreUntilFirstFailure(
  task: Task,
  verdicts: Array<TestVerdict | undefined>,
  runIoTests: (indexes: readonly number[]) => Promise<void>,
  runProgramTest: (testIndex: number) => Promise<void>,
): Promise<void> {
  let cursor = 0;
  let groupSize = 1;
  while (cursor < task.tests.length) {
    const group: number[] = [];
    if (task.tests[cursor]!.kind === 'io') {
      while (group.length < groupSize && cursor < task.tests.length && task.tests[cursor]!.kind === 'io') group.push(cursor++);
      groupSize *= 2;
      await runIoTests(group);
    } else {
      group.push(cursor++);
      await runProgramTest(group[0]!);
    }
    const failing = group.find((testIndex) => verdicts[testIndex]!.verdict !== 'passed');
    if (failing === undefined) continue;
    const reason = `not run: the task stops at its first failing test (testIndex ${failing}: ${verdicts[failing]!.verdict})`;
    for (let testIndex = failing + 1; testIndex < task.tests.length; testIndex++) {
      const name = task.tests[testIndex]!.name;
      verdicts[testIndex] = { testIndex, ...(name ? { name } : {}), verdict: 'not-run', reason };
    }
    return;
  }
}

/** `runBatch` for a backend without one: one `run` per stdin. */
async function runEach(sandbox: Sandbox, request: SandboxRunRequest, stdins: string[]): Promise<ExecutionResult[]> {
  const results: ExecutionResult[] = [];
  for (const stdin of stdins) results.push(await sandbox.run({ ...request, stdin }));
  return results;
}
