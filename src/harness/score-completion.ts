import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { errorMessage, SandbenchError } from '../errors/sandbench-error.ts';
import type { Sandbox } from '../sandboxes/sandbox.ts';
import type { TestVerdict } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { judgeSandboxError, judgeTest } from '../scoring/judge-test.ts';
import { assembleProgram } from './assemble-program.ts';

export interface ScoreCompletionOptions {
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

/**
 * Run every test of a task against one completion and judge each. Engine faults become
 * `sandbox-error` verdicts (never model failures); anything else the sandbox throws that is
 * not a `SandbenchError` is a bug and propagates.
 */
export async function scoreCompletion(
  task: Task,
  completion: string,
  sandbox: Sandbox,
  options: ScoreCompletionOptions = {},
): Promise<CompletionScore> {
  const verdicts: TestVerdict[] = [];
  let error: string | undefined;
  const started = performance.now();
  for (const [testIndex, test] of task.tests.entries()) {
    // A fresh random marker per run: the program cannot know it in advance.
    const program = assembleProgram(task, completion, test, `__sandbench_done_${randomBytes(9).toString('hex')}__`);
    try {
      const execution = await sandbox.run({
        language: task.language,
        source: program.source,
        stdin: program.stdin,
        ...(task.limits?.run ? { limits: task.limits.run } : {}),
        ...(task.limits?.compile ? { compileLimits: task.limits.compile } : {}),
        ...(task.typescript ? { typescript: task.typescript } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const verdict = judgeTest(test, execution, task.comparator, testIndex, program.completionMarker);
      verdicts.push({ ...verdict, testIndex, ...(test.name ? { name: test.name } : {}) });
    } catch (caught) {
      if (!(caught instanceof SandbenchError)) throw caught;
      error ??= errorMessage(caught);
      options.logger?.warn({ task: task.id, testIndex, err: caught }, 'sandbox error');
      verdicts.push(judgeSandboxError(testIndex, caught, test));
    }
  }
  const outcome = verdicts.some((verdict) => verdict.verdict === 'sandbox-error')
    ? 'sandbox-error'
    : verdicts.every((verdict) => verdict.verdict === 'passed')
      ? 'passed'
      : 'failed';
  return { verdicts, outcome, ...(error ? { error } : {}), executionMs: performance.now() - started };
}
