import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonl } from '../datasets/read-jsonl.ts';
import { InvalidInputError } from '../errors/sandbench-error.ts';
import { RunJournal } from '../harness/run-journal.ts';
import { runTaskSchema, type RunTask } from '../harness/run-tasks.ts';
import type { ModelSettings } from '../models/model-config.ts';
import type { RunSummary, SampleResult, TestVerdict, TranscriptMessage } from '../schemas/sample-result.ts';
import { mcnemarExactPValue, pairedBootstrap } from '../scoring/paired-comparison.ts';
import { passAt1Interval } from '../scoring/pass-at-1-interval.ts';
import { passAtKSummary } from '../scoring/pass-at-k.ts';
import { passHatKSummary } from '../scoring/pass-hat-k.ts';
import { SANDBENCH_VERSION } from '../version.ts';
import { readRuns } from './read-runs.ts';
import { formatPValue } from './report-figures.ts';
import {
  cellKey,
  type LeaderboardRow,
  type MatrixCell,
  type ModelComparison,
  type ReportData,
  type ReportTask,
  type SampleDetail,
  type SampleTestDetail,
  type SuiteReport,
} from './report-data.ts';

/** Pairs compared when `--compare` names none: every pair among the first this many models. */
export const MAX_COMPARED_MODELS = 10;

/** How to build a report. */
export interface BuildReportOptions {
  /** Leave private tasks' content out of everything (their scores stay in the totals). */
  publicOnly?: boolean;
  /** Compare just these two models (names as in the runs); default: every pair of the first ten. */
  compare?: readonly [string, string];
  /** Include every sample's detail (prompt, response, code, tests); default true. */
  details?: boolean;
  /** Per-model settings from the config file, for prices. */
  models?: Readonly<Record<string, ModelSettings>>;
  /** Folder read when no folders are given (default `runs`). */
  runsFolder?: string;
}

/** A finished run with what the report reads from its folder. */
interface LoadedRun {
  summary: RunSummary;
  folder: string;
  /** From `tasks.jsonl`; empty for runs made before it existed. */
  tasks: RunTask[];
  samples: SampleResult[];
}

/** `tasks.jsonl` of a run folder, or [] when it has none; a malformed line is an error naming it. */
async function readRunTasks(folder: string): Promise<RunTask[]> {
  const path = join(folder, 'tasks.jsonl');
  // Runs made before it existed have none.
  if (!(await stat(path).then(() => true, () => false))) return [];
  return (await readJsonl(path)).map(({ line, value }) => {
    const parsed = runTaskSchema.safeParse(value);
    if (!parsed.success) throw new InvalidInputError(`${path}:${line}: not a task line: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  });
}

/** The value below which `fraction` of the sorted values lie (nearest rank). */
function percentile(sorted: readonly number[], fraction: number): number {
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1]!;
}

/** Scored (`passed`/`failed`) samples only. */
function isScored(sample: SampleResult): boolean {
  return sample.outcome === 'passed' || sample.outcome === 'failed';
}

/** Per-task counts of one model over its runs, keyed by task id. */
function cellsOf(runs: readonly LoadedRun[]): Map<string, MatrixCell> {
  const cells = new Map<string, MatrixCell>();
  for (const run of runs) {
    const planned = run.summary.samplesPerTask;
    const ids = run.tasks.length > 0 ? run.tasks.map((task) => task.id) : run.summary.perTask.map((task) => task.taskId);
    for (const id of ids) {
      const cell = cells.get(id) ?? { scored: 0, passed: 0, unscored: 0 };
      cell.unscored += planned;
      cells.set(id, cell);
    }
    for (const sample of run.samples) {
      if (!isScored(sample) || sample.sampleIndex >= planned) continue;
      const cell = cells.get(sample.taskId) ?? { scored: 0, passed: 0, unscored: 0 };
      cell.scored++;
      if (sample.outcome === 'passed') cell.passed++;
      cell.unscored = Math.max(0, cell.unscored - 1);
      cells.set(sample.taskId, cell);
    }
  }
  return cells;
}

/** A leaderboard row for one model's runs of a suite (figures straight from the summary for one run). */
function leaderboardRow(model: string, runs: readonly LoadedRun[], cells: Map<string, MatrixCell>, settings: ModelSettings | undefined): LeaderboardRow {
  const summaries = runs.map((run) => run.summary);
  const total = (pick: (summary: RunSummary) => number) => summaries.reduce((sum, summary) => sum + pick(summary), 0);
  const [first] = summaries as [RunSummary];
  let passAt = first.passAt;
  let passHat = first.passHat;
  let interval = first.passAt1Interval;
  let tasks = first.tasks;
  let tasksSolved = first.tasksSolved;
  if (runs.length > 1) {
    // Several runs of one model: pool their samples per task.
    const counts = [...cells.values()].map((cell) => ({ samples: cell.scored, passed: cell.passed }));
    passAt = passAtKSummary(counts);
    passHat = passHatKSummary(counts);
    interval = passAt1Interval(counts);
    tasks = cells.size;
    tasksSolved = [...cells.values()].filter((cell) => cell.scored > 0 && cell.passed === cell.scored).length;
  }
  const latencies = runs
    .flatMap((run) => run.samples)
    // Only answers a provider gave (offline models answer instantly, cached answers were not asked).
    .filter((sample) => sample.outcome !== 'model-error' && sample.transcript !== undefined && sample.transcript.cached !== true)
    .map((sample) => sample.modelLatencyMs)
    .sort((a, b) => a - b);
  const inputTokens = total((summary) => summary.usage.inputTokens);
  const outputTokens = total((summary) => summary.usage.outputTokens);
  const price = settings?.price;
  const sandboxes = [...new Set(summaries.flatMap((summary) => summary.sandbox.split(',')).filter((name) => name !== ''))];
  return {
    column: 0,
    model,
    runIds: summaries.map((summary) => summary.runId),
    folders: runs.map((run) => run.folder),
    sandbox: sandboxes.join(','),
    complete: summaries.every((summary) => summary.complete),
    tasks,
    samplesPerTask: Math.max(...summaries.map((summary) => summary.samplesPerTask)),
    planned: total((summary) => summary.samples.planned),
    scored: total((summary) => summary.samples.scored),
    passed: total((summary) => summary.samples.passed),
    failed: total((summary) => summary.samples.failed),
    modelErrors: total((summary) => summary.samples.modelErrors),
    sandboxErrors: total((summary) => summary.samples.sandboxErrors),
    unscored: total((summary) => summary.samples.unscored),
    tasksSolved,
    passAt,
    ...(interval ? { passAt1Interval: { low: interval.low, high: interval.high, method: interval.method, level: interval.level } } : {}),
    passHat,
    inputTokens,
    outputTokens,
    ...(price ? { costUsd: (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1e6 } : {}),
    ...(latencies.length > 0 ? { latencyP50Ms: percentile(latencies, 0.5), latencyP95Ms: percentile(latencies, 0.95) } : {}),
    startedAt: summaries.map((summary) => summary.startedAt).sort()[0]!,
    finishedAt: summaries.map((summary) => summary.finishedAt).sort().at(-1)!,
    durationMs: total((summary) => summary.durationMs),
  };
}

/** The detail view of one test verdict. */
function testDetail(verdict: TestVerdict): SampleTestDetail {
  return {
    index: verdict.testIndex,
    ...(verdict.name !== undefined ? { name: verdict.name } : {}),
    verdict: verdict.verdict,
    ...(verdict.reason !== undefined ? { reason: verdict.reason } : {}),
    ...(verdict.execution
      ? {
          status: verdict.execution.status,
          exitCode: verdict.execution.exitCode,
          stdout: verdict.execution.stdout,
          stderr: verdict.execution.stderr,
          durationMs: verdict.execution.durationMs,
        }
      : {}),
  };
}

const LIMIT_VERDICTS = new Set(['timeout', 'memory-limit', 'output-limit']);

/** A transcript message as text: an assistant's tool calls and a tool's result named in it. */
function flatMessage(message: TranscriptMessage): { role: string; content: string } {
  if (message.role === 'tool') return { role: 'tool', content: `[${message.toolName ?? 'tool'} ${message.toolCallId ?? ''}] ${message.content}` };
  const calls = (message.toolCalls ?? []).map((call) => `→ ${call.name}(${call.arguments}) [${call.id}]`);
  return { role: message.role, content: [message.content, ...calls].filter((part) => part !== '').join('\n') };
}

/** The detail view of one sample. */
function sampleDetail(sample: SampleResult, task: RunTask | undefined): SampleDetail {
  const tests = sample.verdicts.map(testDetail);
  // A code sample's transcript ends with the answer, shown apart; an episode's is the whole exchange.
  const messages = sample.transcript
    ? (sample.episode ? sample.transcript.messages : sample.transcript.messages.slice(0, -1)).map(flatMessage)
    : task
      ? [{ role: 'user', content: task.prompt }]
      : [];
  const limitsHit = [...new Set([...(sample.turns ?? []).flatMap((turn) => turn.verdicts), ...sample.verdicts].map((verdict) => verdict.verdict).filter((verdict) => LIMIT_VERDICTS.has(verdict)))];
  return {
    taskId: sample.taskId,
    sampleIndex: sample.sampleIndex,
    outcome: sample.outcome,
    messages,
    response: sample.response,
    completion: sample.completion,
    tests,
    limitsHit,
    modelLatencyMs: sample.modelLatencyMs,
    executionMs: sample.executionMs,
    ...(sample.error !== undefined ? { error: sample.error } : {}),
    ...(sample.episode ? { stopReason: sample.episode.stopReason } : {}),
    ...(sample.score !== undefined ? { score: sample.score } : {}),
    ...(sample.turns
      ? {
          turns: sample.turns.map((turn) => ({
            turn: turn.turn,
            response: turn.response,
            completion: turn.completion,
            outcome: turn.outcome,
            tests: turn.verdicts.map(testDetail),
          })),
        }
      : {}),
  };
}

/** Compare two columns over the tasks both scored. */
function compareModels(
  a: number,
  b: number,
  models: readonly string[],
  allTasks: readonly ReportTask[],
  cellsByColumn: ReadonlyArray<Map<string, MatrixCell>>,
  publicOnly: boolean,
): ModelComparison {
  const cellsA = cellsByColumn[a]!;
  const cellsB = cellsByColumn[b]!;
  const solved = (cell: MatrixCell) => cell.scored > 0 && cell.passed === cell.scored;
  const comparison: ModelComparison = {
    a,
    b,
    tasksCompared: 0,
    onlyA: [],
    onlyB: [],
    hiddenOnlyA: 0,
    hiddenOnlyB: 0,
    bothSolved: 0,
    neitherSolved: 0,
    passAt1Difference: 0,
    mcnemarPValue: 1,
    bootstrap: { low: 0, high: 0, pValue: 1, resamples: 0 },
    verdict: '',
  };
  const differences: number[] = [];
  for (const task of allTasks) {
    const cellA = cellsA.get(task.id);
    const cellB = cellsB.get(task.id);
    if (!cellA || !cellB || cellA.scored === 0 || cellB.scored === 0) continue;
    comparison.tasksCompared++;
    differences.push(cellA.passed / cellA.scored - cellB.passed / cellB.scored);
    const hidden = publicOnly && task.split === 'private';
    if (solved(cellA) && solved(cellB)) comparison.bothSolved++;
    else if (solved(cellA)) hidden ? comparison.hiddenOnlyA++ : comparison.onlyA.push(task.id);
    else if (solved(cellB)) hidden ? comparison.hiddenOnlyB++ : comparison.onlyB.push(task.id);
    else comparison.neitherSolved++;
  }
  const nameA = models[a]!;
  const nameB = models[b]!;
  if (differences.length === 0) {
    comparison.verdict = `${nameA} and ${nameB} share no scored task: nothing to compare`;
    return comparison;
  }
  const onlyA = comparison.onlyA.length + comparison.hiddenOnlyA;
  const onlyB = comparison.onlyB.length + comparison.hiddenOnlyB;
  comparison.mcnemarPValue = mcnemarExactPValue(onlyA, onlyB);
  const bootstrap = pairedBootstrap(differences);
  comparison.passAt1Difference = bootstrap.mean;
  comparison.bootstrap = { low: bootstrap.low, high: bootstrap.high, pValue: bootstrap.pValue, resamples: bootstrap.resamples };
  const points = (value: number) => `${(value * 100).toFixed(1)} points`;
  const evidence = `paired bootstrap 95% interval [${(bootstrap.low * 100).toFixed(1)}, ${(bootstrap.high * 100).toFixed(1)}] points, ${formatPValue(bootstrap.pValue)}; McNemar on solved tasks (${onlyA} vs ${onlyB}) ${formatPValue(comparison.mcnemarPValue)}`;
  if (bootstrap.mean === 0 && onlyA === onlyB) {
    comparison.verdict = `${nameA} and ${nameB} score the same on ${comparison.tasksCompared} shared tasks (${evidence})`;
  } else {
    const [ahead, behind] = bootstrap.mean >= 0 ? [nameA, nameB] : [nameB, nameA];
    const significant = bootstrap.low > 0 || bootstrap.high < 0;
    comparison.verdict = significant
      ? `${ahead} beats ${behind} by ${points(Math.abs(bootstrap.mean))} of pass@1, significant at the 5% level (${evidence})`
      : `${ahead} is ahead of ${behind} by ${points(Math.abs(bootstrap.mean))} of pass@1, not significant at the 5% level (${evidence})`;
  }
  return comparison;
}

/** One suite's report from its runs. */
function suiteReport(suite: string, runs: readonly LoadedRun[], options: BuildReportOptions): SuiteReport {
  const publicOnly = options.publicOnly ?? false;
  // Tasks in the order the first run lists them, then any others the later runs add.
  const tasks = new Map<string, ReportTask>();
  for (const run of runs) {
    for (const task of run.tasks) {
      if (!tasks.has(task.id)) tasks.set(task.id, { id: task.id, split: task.split, prompt: task.prompt, language: task.language });
      else if (task.split === 'private') tasks.get(task.id)!.split = 'private';
    }
    for (const task of run.summary.perTask) if (!tasks.has(task.taskId)) tasks.set(task.taskId, { id: task.taskId, split: 'public' });
    for (const sample of run.samples) if (!tasks.has(sample.taskId)) tasks.set(sample.taskId, { id: sample.taskId, split: 'public' });
  }
  const allTasks = [...tasks.values()];

  // One column per model, pooled over its runs.
  const byModel = new Map<string, LoadedRun[]>();
  for (const run of runs) byModel.set(run.summary.model, [...(byModel.get(run.summary.model) ?? []), run]);
  let columns = [...byModel.entries()].map(([model, modelRuns]) => {
    const cells = cellsOf(modelRuns);
    return { model, runs: modelRuns, cells, row: leaderboardRow(model, modelRuns, cells, options.models?.[model]) };
  });
  columns.sort(
    (x, y) => (y.row.passAt['pass@1'] ?? -1) - (x.row.passAt['pass@1'] ?? -1) || x.model.localeCompare(y.model),
  );
  columns = columns.map((column, index) => ({ ...column, row: { ...column.row, column: index } }));
  const models = columns.map((column) => column.model);

  const shown = publicOnly ? allTasks.filter((task) => task.split !== 'private') : allTasks;
  const matrix = shown.map((task) => columns.map((column) => column.cells.get(task.id)));
  const solvedByNone: string[] = [];
  const solvedByAll: string[] = [];
  for (const [index, task] of shown.entries()) {
    const cells = matrix[index]!.filter((cell): cell is MatrixCell => cell !== undefined && cell.scored > 0);
    if (cells.length === 0) continue;
    if (cells.every((cell) => cell.passed === 0)) solvedByNone.push(task.id);
    if (cells.length === columns.length && cells.every((cell) => cell.passed === cell.scored)) solvedByAll.push(task.id);
  }

  const cellsByColumn = columns.map((column) => column.cells);
  const comparisons: ModelComparison[] = [];
  if (options.compare) {
    const [nameA, nameB] = options.compare;
    const a = models.indexOf(nameA);
    const b = models.indexOf(nameB);
    if (a >= 0 && b >= 0) comparisons.push(compareModels(a, b, models, allTasks, cellsByColumn, publicOnly));
  } else {
    const compared = Math.min(models.length, MAX_COMPARED_MODELS);
    for (let a = 0; a < compared; a++) {
      for (let b = a + 1; b < compared; b++) comparisons.push(compareModels(a, b, models, allTasks, cellsByColumn, publicOnly));
    }
  }

  const report: SuiteReport = {
    suite,
    models,
    leaderboard: columns.map((column) => column.row),
    tasks: shown.map((task) => (task.prompt === undefined ? { id: task.id, split: task.split } : { ...task })),
    hiddenTasks: allTasks.length - shown.length,
    matrix,
    solvedByNone,
    solvedByAll,
    comparisons,
  };
  if (options.details ?? true) {
    const details: Record<string, SampleDetail[]> = {};
    const rowOf = new Map(shown.map((task, index) => [task.id, index]));
    for (const [column, entry] of columns.entries()) {
      for (const run of entry.runs) {
        const runTasks = new Map(run.tasks.map((task) => [task.id, task]));
        for (const sample of run.samples) {
          const row = rowOf.get(sample.taskId);
          if (row === undefined) continue;
          const key = cellKey(row, column);
          (details[key] ??= []).push(sampleDetail(sample, runTasks.get(sample.taskId)));
        }
      }
    }
    for (const list of Object.values(details)) list.sort((x, y) => x.sampleIndex - y.sampleIndex);
    report.details = details;
  }
  return report;
}

/**
 * Read finished runs and build what every report format shows: per suite a leaderboard (one row
 * per model, its runs pooled), the tasks × models matrix, comparisons with paired tests, and
 * each sample's detail. With `publicOnly`, private tasks' content is left out here, once, so no
 * format can show it.
 *
 * @throws InvalidInputError for a named folder without a finished run, a malformed run file, or a
 *   `compare` name that no suite has
 */
export async function buildReport(folders: readonly string[], options: BuildReportOptions = {}): Promise<ReportData> {
  const { summaries, skipped } = await readRuns(folders, options.runsFolder);
  const runs: LoadedRun[] = [];
  for (const summary of summaries) {
    const { folder, ...rest } = summary;
    const [tasks, contents] = await Promise.all([readRunTasks(folder), new RunJournal(folder).readSamples()]);
    runs.push({ summary: rest, folder, tasks, samples: contents.samples.filter((sample) => sample.model === summary.model) });
  }
  const bySuite = new Map<string, LoadedRun[]>();
  for (const run of runs) bySuite.set(run.summary.suite, [...(bySuite.get(run.summary.suite) ?? []), run]);
  for (const list of bySuite.values()) list.sort((a, b) => a.summary.startedAt.localeCompare(b.summary.startedAt));

  if (options.compare) {
    const [nameA, nameB] = options.compare;
    const both = [...bySuite.values()].some((list) => list.some((run) => run.summary.model === nameA) && list.some((run) => run.summary.model === nameB));
    if (!both) {
      const models = [...new Set(runs.map((run) => run.summary.model))].sort();
      throw new InvalidInputError(`--compare ${nameA} ${nameB}: no suite has runs of both models (models in these runs: ${models.join(', ') || 'none'})`, {
        details: { field: 'compare' },
      });
    }
  }

  const suites = [...bySuite.keys()].sort().map((suite) => suiteReport(suite, bySuite.get(suite)!, options));
  return {
    generatedAt: new Date().toISOString(),
    sandbenchVersion: SANDBENCH_VERSION,
    publicOnly: options.publicOnly ?? false,
    suites: options.compare ? suites.filter((suite) => suite.comparisons.length > 0) : suites,
    skipped,
  };
}
