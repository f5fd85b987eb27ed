/**
 * What a report shows, built once from run folders (`build-report.ts`) and rendered by each
 * format (table, JSON, CSV, Markdown, HTML). Everything a renderer needs is here, already
 * filtered for `--public`: a renderer never reads run folders and never decides what to hide.
 */

/** Whether a task's content may be shown in a public report. */
export type TaskSplit = 'public' | 'private';

/** A task as the report knows it (from the run folder's `tasks.jsonl`, else from the journal). */
export interface ReportTask {
  id: string;
  split: TaskSplit;
  /** The task's prompt; absent when the run folder does not record it. */
  prompt?: string;
  /** The task's language, when recorded. */
  language?: string;
}

/** A 95% interval of pass@1 and how it was made (as in `summary.json`). */
export interface ReportInterval {
  low: number;
  high: number;
  method: 'wilson' | 'bootstrap';
  level: number;
}

/** One row of a suite's leaderboard: one model, over its runs of the suite. */
export interface LeaderboardRow {
  /** Position of this row's column in the matrix (`SuiteReport.models`). */
  column: number;
  model: string;
  /** Run ids, oldest first; their samples are pooled when there are several. */
  runIds: string[];
  /** Run folders, in the order of `runIds`. */
  folders: string[];
  /** Backends that ran the samples. */
  sandbox: string;
  /** False when some run has planned samples that were not scored: its figures cover only what was. */
  complete: boolean;
  tasks: number;
  samplesPerTask: number;
  planned: number;
  scored: number;
  passed: number;
  failed: number;
  modelErrors: number;
  sandboxErrors: number;
  unscored: number;
  /** Tasks whose every scored sample passed (at least one scored). */
  tasksSolved: number;
  /** pass@k keyed `pass@1`, `pass@10`, … (only where k ≤ samples per task). */
  passAt: Record<string, number>;
  /** 95% interval of pass@1; absent when nothing was scored. */
  passAt1Interval?: ReportInterval;
  /** pass^k keyed `pass^1`, … */
  passHat: Record<string, number>;
  inputTokens: number;
  outputTokens: number;
  /** Cost in US dollars from the config file's per-model prices; absent when no price is known. */
  costUsd?: number;
  /** Median and 95th percentile of the model's answer time per sample (ms); absent without model calls. */
  latencyP50Ms?: number;
  latencyP95Ms?: number;
  /** When the first run started and the last finished (ISO). */
  startedAt: string;
  finishedAt: string;
  /** Time spent over every run, in milliseconds. */
  durationMs: number;
}

/** One cell of the matrix: a task's samples for one model. */
export interface MatrixCell {
  /** Scored samples (passed + failed). */
  scored: number;
  passed: number;
  /** Planned samples not scored (faults, or never run). */
  unscored: number;
}

/** The tasks that tell two models apart, and how sure the difference is. */
export interface ModelComparison {
  /** Columns compared (`SuiteReport.models`). */
  a: number;
  b: number;
  /** Tasks scored for both, counted whether shown or not. */
  tasksCompared: number;
  /** Tasks A solves and B does not (solved: every scored sample passed); public ids only under `--public`. */
  onlyA: string[];
  onlyB: string[];
  /** Private tasks left out of `onlyA` / `onlyB` under `--public` (still counted in the tests). */
  hiddenOnlyA: number;
  hiddenOnlyB: number;
  bothSolved: number;
  neitherSolved: number;
  /** pass@1 of A minus pass@1 of B over the tasks compared. */
  passAt1Difference: number;
  /** Exact two-sided McNemar test on solved / not solved per task. */
  mcnemarPValue: number;
  /** Paired bootstrap over tasks of the per-task pass-rate difference: 95% interval and two-sided p. */
  bootstrap: { low: number; high: number; pValue: number; resamples: number };
  /** One line in words: which model is ahead and how sure that is. */
  verdict: string;
}

/** A sample's one test, as the detail shows it. */
export interface SampleTestDetail {
  index: number;
  name?: string;
  verdict: string;
  /** Why it did not pass: expected/got diff, exception, limit hit. */
  reason?: string;
  status?: string;
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  durationMs?: number;
}

/** One turn of a multi-turn sample. */
export interface SampleTurnDetail {
  turn: number;
  response: string;
  completion: string;
  outcome: string;
  tests: SampleTestDetail[];
}

/** Everything about one sample, for the detail view. */
export interface SampleDetail {
  taskId: string;
  sampleIndex: number;
  outcome: string;
  /** The conversation sent to the model (provider runs), else the task's prompt as one user message. */
  messages: Array<{ role: string; content: string }>;
  response: string;
  completion: string;
  tests: SampleTestDetail[];
  /** Limits hit by some test: `timeout`, `memory-limit`, `output-limit`. */
  limitsHit: string[];
  modelLatencyMs: number;
  executionMs: number;
  /** The fault's message for `sandbox-error` / `model-error`. */
  error?: string;
  /** Agent and answer tasks: why the episode ended. */
  stopReason?: string;
  /** Agent and answer tasks: the combined score. */
  score?: number;
  /** Every turn in order, when the run repaired answers. */
  turns?: SampleTurnDetail[];
}

/** One suite's part of the report. */
export interface SuiteReport {
  suite: string;
  /** Model names, one per matrix column, in leaderboard order (best pass@1 first). */
  models: string[];
  leaderboard: LeaderboardRow[];
  /** Matrix rows, in suite order; private tasks are left out under `--public`. */
  tasks: ReportTask[];
  /** Private tasks left out of `tasks` (and every list) under `--public`. */
  hiddenTasks: number;
  /** `matrix[task][column]`, aligned with `tasks` and `models`; undefined where a model has no sample of the task. */
  matrix: Array<Array<MatrixCell | undefined>>;
  /** Shown tasks that some model scored and none solved / every model solved. */
  solvedByNone: string[];
  solvedByAll: string[];
  /** Every pair of models (or the pair asked for with `--compare`). */
  comparisons: ModelComparison[];
  /**
   * Sample details by cell key `${taskIndex}:${column}` (indexes into `tasks` and `models`), samples in
   * index order; absent when the report is built without details.
   */
  details?: Record<string, SampleDetail[]>;
}

/** A whole report. */
export interface ReportData {
  generatedAt: string;
  sandbenchVersion: string;
  /** Built with `--public`: private tasks' content is absent from everything below. */
  publicOnly: boolean;
  suites: SuiteReport[];
  /** Folders given that hold no finished run, with the reason (only when reading every folder under runs/). */
  skipped: Array<{ folder: string; reason: string }>;
}

/** The key of a matrix cell in `SuiteReport.details`. */
export function cellKey(taskIndex: number, column: number): string {
  return `${taskIndex}:${column}`;
}
