import pLimit from 'p-limit';
import type { Suite } from '../datasets/load-suite.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { emptyModel } from '../models/empty-model.ts';
import type { Model } from '../models/model.ts';
import { referenceModel } from '../models/reference-model.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import type { TestVerdict } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { InvalidInputError } from '../errors/sandbench-error.ts';
import { checkJudgeAvailable } from './judge-episode.ts';
import { runEpisodeSample } from './run-episode-sample.ts';
import { tasksNeedingBackends } from './run-suite.ts';
import { scoreCompletion } from './score-completion.ts';

/** One problem found with one task. */
export interface ValidationProblem {
  check: 'reference-fails' | 'vacuous-tests' | 'flaky' | 'no-reference' | 'sandbox-error';
  /** `error` makes the suite unsound; `warning` is reported but does not fail validation. */
  severity: 'error' | 'warning';
  message: string;
}

export interface TaskValidation {
  taskId: string;
  problems: ValidationProblem[];
}

export interface SuiteValidation {
  suite: string;
  tasks: number;
  /** Tasks checked (all of them, unless interrupted). */
  checked: number;
  /** Tasks with at least one error-level problem. */
  failing: number;
  /** One entry per checked task, in the suite's order. */
  results: TaskValidation[];
  /** True when `signal` stopped the validation before every task was checked. */
  interrupted: boolean;
}

export interface ValidateSuiteOptions {
  suite: Suite;
  sandboxes: SandboxSet;
  /** How many times the reference runs to detect flaky tests (default 3). */
  repeats?: number;
  concurrency?: number;
  /** The model that judges rubric scorers of agent and answer tasks (`--judge-model`). */
  judge?: Model;
  onTask?: (result: TaskValidation, done: number, total: number) => void;
  /** Stops the validation; tasks not yet checked are left out of the report. */
  signal?: AbortSignal;
}

function describe(verdicts: readonly TestVerdict[]): string {
  return verdicts
    // A failing test's `not-run` followers repeat its reason.
    .filter((verdict) => verdict.verdict !== 'passed' && verdict.verdict !== 'not-run')
    .map((verdict) => `test ${verdict.testIndex}${verdict.name ? ` (${verdict.name})` : ''}: ${verdict.verdict}${verdict.reason ? ` — ${verdict.reason.split('\n')[0]!.slice(0, 200)}` : ''}`)
    .join('; ');
}

/** A `flaky` problem when the reference's runs did not all give the first run's verdicts. */
function flakiness(runs: ReadonlyArray<{ verdicts: readonly TestVerdict[] }>, repeats: number): ValidationProblem | undefined {
  const signature = (verdicts: readonly TestVerdict[]): string => verdicts.map((verdict) => verdict.verdict).join(',');
  const first = signature(runs[0]!.verdicts);
  const differing = runs.find((run) => signature(run.verdicts) !== first);
  if (!differing) return undefined;
  return { check: 'flaky', severity: 'error', message: `the reference gave different verdicts across ${repeats} runs: [${first}] then [${signature(differing.verdicts)}]` };
}

/**
 * Checks an agent or answer task: the reference (its `referenceCalls`, then `reference`
 * submitted) passes the scorers, stably; an episode that answers nothing fails them.
 */
async function validateEpisodeTask(task: Task, options: ValidateSuiteOptions): Promise<TaskValidation> {
  const problems: ValidationProblem[] = [];
  const repeats = options.repeats ?? 3;
  const episode = (model: Model) =>
    runEpisodeSample(task, 0, {
      model,
      sandboxes: options.sandboxes,
      request: {},
      ...(options.judge ? { judge: options.judge } : {}),
      modelLane: pLimit(1),
      episodeLane: pLimit(1),
      ...(options.signal ? { signal: options.signal } : {}),
      logger: silentLogger,
    });
  const describeScores = (sample: Awaited<ReturnType<typeof episode>>): string =>
    sample.error ?? (describe(sample.verdicts) || `stopped: ${sample.episode?.stopReason ?? 'unknown'}`);
  const empty = await episode(emptyModel);
  if (empty.outcome === 'sandbox-error' || empty.outcome === 'model-error') {
    problems.push({ check: 'sandbox-error', severity: 'error', message: `the empty answer could not be judged: ${empty.error}` });
  } else if (empty.outcome === 'passed') {
    problems.push({ check: 'vacuous-tests', severity: 'error', message: 'an empty answer passes every scorer: the scorers check nothing' });
  }
  if (task.reference === undefined && (task.referenceCalls ?? []).length === 0) {
    problems.push({ check: 'no-reference', severity: 'warning', message: 'no reference answer: reference and flakiness checks skipped' });
    return { taskId: task.id, problems };
  }
  const runs = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) runs.push(await episode(referenceModel));
  const faulted = runs.find((run) => run.outcome === 'sandbox-error' || run.outcome === 'model-error');
  if (faulted) {
    problems.push({ check: 'sandbox-error', severity: 'error', message: `the reference could not be judged: ${faulted.error}` });
    return { taskId: task.id, problems };
  }
  const first = runs[0]!;
  if (first.outcome !== 'passed') problems.push({ check: 'reference-fails', severity: 'error', message: `the reference fails: ${describeScores(first)}` });
  const flaky = flakiness(runs, repeats);
  if (flaky) problems.push(flaky);
  return { taskId: task.id, problems };
}

/** Checks one task: the reference passes every test, stably; the empty answer fails some test. */
async function validateTask(task: Task, options: ValidateSuiteOptions): Promise<TaskValidation> {
  if (task.kind !== 'code') return validateEpisodeTask(task, options);
  const problems: ValidationProblem[] = [];
  const sandbox = await options.sandboxes.forTask(task);
  const repeats = options.repeats ?? 3;

  // References continue the prefix: joined exactly as upstream harnesses join them.
  const scoreOptions = { assembly: 'exact' as const, ...(options.signal ? { signal: options.signal } : {}) };
  const empty = await scoreCompletion(task, '', sandbox, scoreOptions);
  if (empty.outcome === 'sandbox-error') {
    problems.push({ check: 'sandbox-error', severity: 'error', message: `engine fault running the empty answer: ${empty.error}` });
  } else if (empty.outcome === 'passed') {
    problems.push({ check: 'vacuous-tests', severity: 'error', message: 'the empty answer passes every test: the tests check nothing' });
  }

  if (task.reference === undefined) {
    problems.push({ check: 'no-reference', severity: 'warning', message: 'no reference solution: reference and flakiness checks skipped' });
    return { taskId: task.id, problems };
  }
  const runs = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) runs.push(await scoreCompletion(task, task.reference, sandbox, scoreOptions));
  const faulted = runs.find((run) => run.outcome === 'sandbox-error');
  if (faulted) {
    problems.push({ check: 'sandbox-error', severity: 'error', message: `engine fault running the reference: ${faulted.error}` });
    return { taskId: task.id, problems };
  }
  const first = runs[0]!;
  if (first.outcome !== 'passed') {
    problems.push({ check: 'reference-fails', severity: 'error', message: `the reference fails: ${describe(first.verdicts)}` });
  }
  const flaky = flakiness(runs, repeats);
  if (flaky) problems.push(flaky);
  return { taskId: task.id, problems };
}

/**
 * The benchmark author's check before launch: for every task, the reference passes every test
 * (repeated to catch flaky tests) and the empty answer fails at least one.
 */
export async function validateSuite(options: ValidateSuiteOptions): Promise<SuiteValidation> {
  const { tasks } = options.suite;
  const judgeProblem = checkJudgeAvailable(tasks, options.judge);
  if (judgeProblem) throw new InvalidInputError(judgeProblem, { details: { field: 'judge' } });
  for (const task of tasksNeedingBackends(tasks)) await options.sandboxes.forTask(task);
  const results: Array<TaskValidation | undefined> = new Array(tasks.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length && !options.signal?.aborted) {
      const index = next++;
      const result = await validateTask(tasks[index]!, options);
      // A task cut short by cancellation has no verdict.
      if (options.signal?.aborted) return;
      results[index] = result;
      done += 1;
      options.onTask?.(result, done, tasks.length);
    }
  };
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  const checked = results.filter((result): result is TaskValidation => result !== undefined);
  return {
    suite: options.suite.name,
    tasks: tasks.length,
    checked: checked.length,
    failing: checked.filter((result) => result.problems.some((problem) => problem.severity === 'error')).length,
    results: checked,
    interrupted: checked.length < tasks.length,
  };
}
