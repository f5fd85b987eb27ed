import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Suite } from '../datasets/load-suite.ts';
import { errorMessage, InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { extractCode } from '../models/extract-code.ts';
import type { Model, ModelCoverage } from '../models/model.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import type { RunSummary, SampleResult } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { SANDBENCH_VERSION } from '../version.ts';
import { buildMessages } from './build-messages.ts';
import { RunJournal } from './run-journal.ts';
import { identityDifferences, suiteFingerprint, type RunIdentity, type RunManifest, type RunPart } from './run-manifest.ts';
import { scoreCompletion } from './score-completion.ts';
import { summarizeRun } from './summarize-run.ts';

/** Progress of a run, reported after every finished sample. */
export interface RunProgress {
  done: number;
  total: number;
  passed: number;
  failed: number;
  /** Samples lost to engine or model faults (not scored). */
  errors: number;
  /** The sample that just finished (absent for the initial report). */
  sample?: SampleResult;
}

export interface RunSuiteOptions {
  suite: Suite;
  model: Model;
  sandboxes: SandboxSet;
  /** Samples per task (default 1). */
  samples?: number;
  /** Samples in flight at once (default 2). */
  concurrency?: number;
  /** Run folder; default `runs/<runId>`. A folder that already holds a run is refused unless resuming. */
  outDir?: string;
  /**
   * Continue the run in `outDir`, skipping samples its journal already holds. Refused when the
   * suite, task selection, model, samples, limits, sandbox or temperature differ from the run's.
   */
  resume?: boolean;
  /** Sampling temperature for provider models (default 0.8 when samples > 1, else 0). */
  temperature?: number;
  /**
   * Samples an offline model has no answer for (a task without a reference, a script that is
   * short of lines): `error` (default) refuses the run naming the tasks; `empty` scores them as
   * empty answers.
   */
  missingAnswers?: 'error' | 'empty';
  logger?: Logger;
  onProgress?: (progress: RunProgress) => void;
  signal?: AbortSignal;
}

export interface RunSuiteResult {
  /** The summary (of the samples finished so far, when interrupted). */
  summary: RunSummary;
  folder: string;
  samples: SampleResult[];
  /** True when `signal` stopped the run before every sample finished; no summary.json then. */
  interrupted: boolean;
  /** Samples in the journal and samples planned, when the run ended. */
  progress: { done: number; total: number };
  /** False when the run was stopped before its folder was written (nothing to resume). */
  started: boolean;
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..+$/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** A sample with no verdict on the answer: an engine or model fault. */
function faultSample(task: Task, sampleIndex: number, options: RunSuiteOptions, outcome: 'sandbox-error' | 'model-error', error: string, modelLatencyMs: number): SampleResult {
  return {
    taskId: task.id,
    sampleIndex,
    model: options.model.id,
    response: '',
    completion: '',
    outcome,
    verdicts: [],
    modelLatencyMs,
    executionMs: 0,
    sandbox: options.sandboxes.backendFor(task),
    finishedAt: new Date().toISOString(),
    error,
  };
}

/** Produce and score one sample. Model and engine faults, and bugs, become data, never a lost run. */
async function runSample(task: Task, sampleIndex: number, options: RunSuiteOptions, logger: Logger): Promise<SampleResult> {
  const samples = options.samples ?? 1;
  const modelStarted = performance.now();
  let generated;
  try {
    generated = await options.model.generate({
      messages: buildMessages(task),
      temperature: effectiveTemperature(options, samples),
      task,
      sampleIndex,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    // A model that cannot answer is neither the sandbox's fault nor a wrong answer: record it apart.
    logger.warn({ task: task.id, sampleIndex, err: error }, 'model error');
    return faultSample(task, sampleIndex, options, 'model-error', `model error: ${errorMessage(error)}`, performance.now() - modelStarted);
  }
  const modelLatencyMs = performance.now() - modelStarted;
  const completion = extractCode(generated.text, task.language);
  try {
    const sandbox = await options.sandboxes.forTask(task);
    const score = await scoreCompletion(task, completion, sandbox, {
      logger,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      taskId: task.id,
      sampleIndex,
      model: options.model.id,
      response: generated.text,
      completion,
      outcome: score.outcome,
      verdicts: score.verdicts,
      usage: generated.usage,
      modelLatencyMs,
      executionMs: score.executionMs,
      sandbox: sandbox.name,
      finishedAt: new Date().toISOString(),
      ...(score.error ? { error: score.error } : {}),
    };
  } catch (error) {
    // Nothing raised while scoring one sample may abort the run: the sample stays unscored, the
    // run incomplete, and --resume retries it.
    const known = SandbenchError.isInstance(error);
    logger.error({ task: task.id, sampleIndex, err: error }, known ? 'engine fault while scoring' : 'internal error while scoring');
    const message = known ? errorMessage(error) : `internal error while scoring (please report): ${errorMessage(error)}`;
    return { ...faultSample(task, sampleIndex, options, 'sandbox-error', message, modelLatencyMs), response: generated.text, completion };
  }
}

/** Refuse a run whose offline model lacks answers, unless they are to be scored as empty. */
function checkCoverage(options: RunSuiteOptions, samplesPerTask: number): void {
  const coverage: ModelCoverage | undefined = options.model.coverage?.(options.suite.tasks, samplesPerTask, options.suite.allTaskIds);
  if (!coverage || (options.missingAnswers ?? 'error') === 'empty') return;
  const problems: string[] = [];
  const list = (ids: string[]): string => ids.slice(0, 20).join(', ') + (ids.length > 20 ? ` and ${ids.length - 20} more` : '');
  if (coverage.unknownTaskIds.length > 0) {
    problems.push(`it names ${coverage.unknownTaskIds.length} task(s) the suite does not hold: ${list(coverage.unknownTaskIds)}`);
  }
  if (coverage.missing.length > 0) {
    const none = coverage.missing.filter((entry) => entry.answers === 0).map((entry) => entry.taskId);
    const short = coverage.missing.filter((entry) => entry.answers > 0).map((entry) => `${entry.taskId} (${entry.answers} of ${samplesPerTask})`);
    if (none.length > 0) problems.push(`no answer for ${none.length} task(s): ${list(none)}`);
    if (short.length > 0) problems.push(`fewer answers than --samples ${samplesPerTask} for ${short.length} task(s): ${list(short)}`);
  }
  if (problems.length === 0) return;
  throw new InvalidInputError(
    `model '${options.model.id}' cannot answer every sample: ${problems.join('; ')}. ` +
      'Fix the answers, select tasks with --tasks, or pass --missing-answers empty to score missing answers as empty.',
    { code: 'missing-answers', details: { ...coverage } },
  );
}

/**
 * Time each part of a run took: as recorded, or, for a part that ended in a crash, up to its
 * last sample before the next part began.
 */
function totalDuration(parts: readonly RunPart[], samples: readonly SampleResult[]): number {
  let total = 0;
  for (const [index, part] of parts.entries()) {
    if (part.durationMs !== undefined) {
      total += part.durationMs;
      continue;
    }
    const start = Date.parse(part.startedAt);
    const end = index + 1 < parts.length ? Date.parse(parts[index + 1]!.startedAt) : Number.POSITIVE_INFINITY;
    let last = start;
    for (const sample of samples) {
      const finished = Date.parse(sample.finishedAt);
      if (finished > last && finished <= end) last = finished;
    }
    if (Number.isFinite(last - start)) total += last - start;
  }
  return total;
}

/**
 * Run a suite: for every task and sample, ask the model, extract the code, score it in the
 * task's sandbox, and append the sample to the journal as soon as it is scored. Before the first
 * sample it checks that the model can answer and the backends can serve every task (engine up,
 * images present). Returns the summary (also written to `summary.json`).
 */
export async function runSuite(options: RunSuiteOptions): Promise<RunSuiteResult> {
  const logger = (options.logger ?? silentLogger).child({ suite: options.suite.name, model: options.model.id });
  const samplesPerTask = options.samples ?? 1;
  if (!Number.isInteger(samplesPerTask) || samplesPerTask < 1) {
    throw new InvalidInputError(`samples must be a whole number ≥ 1 (got ${samplesPerTask})`);
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
  const { tasks } = options.suite;
  checkCoverage(options, samplesPerTask);

  const identity: RunIdentity = {
    ...suiteFingerprint(options.suite),
    taskFilter: options.suite.filter,
    model: options.model.id,
    modelFingerprint: options.model.fingerprint ?? null,
    samples: samplesPerTask,
    sandbox: options.sandboxes.forcedName,
    temperature: effectiveTemperature(options, samplesPerTask),
  };
  const runId = newRunId();
  const folder = options.outDir ?? join('runs', runId);
  const journal = new RunJournal(folder);
  // Cheap checks first, before anything is written or started; repeated under the lock below.
  if (options.resume) await checkResumable(journal, identity);
  else await checkNew(journal);

  // Refuse what no backend can serve, and check the engines and images, before anything is
  // written or asked of the model.
  await options.sandboxes.prepare(tasks);
  if (options.signal?.aborted) {
    const summary = summarizeRun([], { runId, suite: options.suite.name, model: options.model.id, sandbox: 'none', tasks, samplesPerTask, startedAt: new Date().toISOString(), durationMs: 0 });
    return { summary, folder, samples: [], interrupted: true, progress: { done: 0, total: tasks.length * samplesPerTask }, started: false };
  }

  await journal.lock();
  try {
    return await runLocked(options, journal, identity, runId, samplesPerTask, concurrency, logger);
  } finally {
    await journal.unlock();
  }
}

/** The temperature a run sends (the default depends on the samples asked for). */
function effectiveTemperature(options: RunSuiteOptions, samplesPerTask: number): number {
  return options.temperature ?? (samplesPerTask > 1 ? 0.8 : 0);
}

async function checkNew(journal: RunJournal): Promise<void> {
  if (await journal.holdsRun()) {
    throw new InvalidInputError(`${journal.folder} already holds a run: continue it with --resume, or choose another --out`, {
      code: 'run-exists',
      details: { folder: journal.folder },
    });
  }
}

async function checkResumable(journal: RunJournal, identity: RunIdentity): Promise<RunManifest> {
  const manifest = await journal.readManifest();
  if (!manifest) {
    throw new InvalidInputError(`${journal.folder}: nothing to resume (no run.json); start a new run without --resume`, { code: 'resume-mismatch' });
  }
  const differences = identityDifferences(manifest, identity);
  if (differences.length > 0) {
    throw new InvalidInputError(
      `${journal.folder}: cannot resume: the run was made with other settings — ${differences.join('; ')}. Resume with the run's settings, or start a new run with another --out.`,
      { code: 'resume-mismatch', details: { differences } },
    );
  }
  return manifest;
}

/** The run itself, with the folder locked. */
async function runLocked(
  options: RunSuiteOptions,
  journal: RunJournal,
  identity: RunIdentity,
  runId: string,
  samplesPerTask: number,
  concurrency: number,
  logger: Logger,
): Promise<RunSuiteResult> {
  const { tasks } = options.suite;
  const folder = journal.folder;
  const started = performance.now();
  const part: RunPart = { startedAt: new Date().toISOString() };
  let manifest: RunManifest;
  if (options.resume) {
    manifest = await checkResumable(journal, identity);
    // Not finished any more until this part ends: the old summary must not stand for the run.
    await journal.removeSummary();
    manifest.parts.push(part);
    await journal.writeManifest(manifest);
  } else {
    await checkNew(journal);
    manifest = {
      runId,
      suite: options.suite.name,
      suiteSource: options.suite.source,
      ...identity,
      tasks: tasks.length,
      sandbenchVersion: SANDBENCH_VERSION,
      startedAt: part.startedAt,
      parts: [part],
    };
    await journal.create(manifest);
  }

  let previous: SampleResult[] = [];
  if (options.resume) {
    const read = await journal.readSamples();
    // Faults say nothing about the answer: those samples run again.
    const wanted = new Set(tasks.map((task) => task.id));
    previous = read.samples.filter(
      (sample) => sample.model === options.model.id && wanted.has(sample.taskId) && sample.sampleIndex < samplesPerTask && (sample.outcome === 'passed' || sample.outcome === 'failed'),
    );
    if (!read.clean || previous.length !== read.samples.length) await journal.rewrite(previous);
    logger.info({ resumed: previous.length }, 'resuming run');
  }
  const done = new Set(previous.map((sample) => `${sample.taskId}\u0000${sample.sampleIndex}`));
  const queue: Array<{ task: Task; sampleIndex: number }> = [];
  for (const task of tasks) {
    for (let sampleIndex = 0; sampleIndex < samplesPerTask; sampleIndex += 1) {
      if (!done.has(`${task.id}\u0000${sampleIndex}`)) queue.push({ task, sampleIndex });
    }
  }

  const results: SampleResult[] = [...previous];
  const progress: RunProgress = {
    done: previous.length,
    total: tasks.length * samplesPerTask,
    passed: previous.filter((sample) => sample.outcome === 'passed').length,
    failed: previous.filter((sample) => sample.outcome === 'failed').length,
    errors: 0,
  };
  options.onProgress?.({ ...progress });

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length && !options.signal?.aborted) {
      const job = queue[next++]!;
      const taskLogger = logger.child({ task: job.task.id, sample: job.sampleIndex });
      const sample = await runSample(job.task, job.sampleIndex, options, taskLogger);
      // A sample cut short by cancellation says nothing about the answer: leave it out of the
      // journal, so that --resume runs it again.
      if (options.signal?.aborted) return;
      await journal.append(sample);
      results.push(sample);
      progress.done += 1;
      if (sample.outcome === 'passed') progress.passed += 1;
      else if (sample.outcome === 'failed') progress.failed += 1;
      else progress.errors += 1;
      options.onProgress?.({ ...progress, sample });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(queue.length, 1)) }, worker));

  const interrupted = Boolean(options.signal?.aborted) && progress.done < progress.total;
  part.durationMs = performance.now() - started;
  part.finishedAt = new Date().toISOString();
  if (interrupted) part.interrupted = true;
  await journal.writeManifest(manifest);

  // Keep the suite's order in the returned list (the journal keeps finishing order).
  const order = new Map(tasks.map((task, index) => [task.id, index]));
  results.sort((a, b) => (order.get(a.taskId)! - order.get(b.taskId)!) || a.sampleIndex - b.sampleIndex);
  const summary = summarizeRun(results, {
    runId: manifest.runId,
    suite: options.suite.name,
    model: options.model.id,
    sandbox: [...new Set(results.map((sample) => sample.sandbox))].join(',') || 'none',
    tasks,
    samplesPerTask,
    startedAt: manifest.startedAt,
    durationMs: totalDuration(manifest.parts, results),
  });
  // An interrupted run has no summary.json: it is not finished, and --resume completes it.
  if (!interrupted) await journal.writeSummary(summary);
  return { summary, folder, samples: results, interrupted, progress: { done: progress.done, total: progress.total }, started: true };
}
