import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Suite } from '../datasets/load-suite.ts';
import { errorMessage, SandbenchError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { extractCode } from '../models/extract-code.ts';
import type { Model } from '../models/model.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import type { RunSummary, SampleResult } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { SANDBENCH_VERSION } from '../version.ts';
import { buildMessages } from './build-messages.ts';
import { RunJournal } from './run-journal.ts';
import { scoreCompletion } from './score-completion.ts';
import { summarizeRun } from './summarize-run.ts';

/** Progress of a run, reported after every finished sample. */
export interface RunProgress {
  done: number;
  total: number;
  passed: number;
  failed: number;
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
  /** Run folder; default `runs/<runId>`. Resuming: pass the folder of an earlier run. */
  outDir?: string;
  /** Continue the run in `outDir`, skipping samples its journal already holds. */
  resume?: boolean;
  /** Sampling temperature for provider models (default 0.8 when samples > 1, else 0). */
  temperature?: number;
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
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..+$/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Produce and score one sample. Model and engine faults become data, never a lost sample. */
async function runSample(task: Task, sampleIndex: number, options: RunSuiteOptions, logger: Logger): Promise<SampleResult> {
  const samples = options.samples ?? 1;
  const modelStarted = performance.now();
  let response = '';
  let usage = { inputTokens: 0, outputTokens: 0 };
  try {
    const generated = await options.model.generate({
      messages: buildMessages(task),
      temperature: options.temperature ?? (samples > 1 ? 0.8 : 0),
      task,
      sampleIndex,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    response = generated.text;
    usage = generated.usage;
  } catch (error) {
    // A model that cannot answer is not the sandbox's fault nor a wrong answer: record it apart.
    logger.warn({ task: task.id, sampleIndex, err: error }, 'model error');
    return {
      taskId: task.id,
      sampleIndex,
      model: options.model.id,
      response: '',
      completion: '',
      outcome: 'sandbox-error',
      verdicts: [],
      modelLatencyMs: performance.now() - modelStarted,
      executionMs: 0,
      sandbox: options.sandboxes.backendFor(task),
      finishedAt: new Date().toISOString(),
      error: `model error: ${errorMessage(error)}`,
    };
  }
  const modelLatencyMs = performance.now() - modelStarted;
  const completion = extractCode(response, task.language);
  const sandbox = await options.sandboxes.forTask(task);
  const score = await scoreCompletion(task, completion, sandbox, {
    logger,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    taskId: task.id,
    sampleIndex,
    model: options.model.id,
    response,
    completion,
    outcome: score.outcome,
    verdicts: score.verdicts,
    usage,
    modelLatencyMs,
    executionMs: score.executionMs,
    sandbox: sandbox.name,
    finishedAt: new Date().toISOString(),
    ...(score.error ? { error: score.error } : {}),
  };
}

/**
 * Run a suite: for every task and sample, ask the model, extract the code, score it in the
 * task's sandbox, and append the sample to the journal as soon as it is scored. Returns the
 * summary (also written to `summary.json`).
 */
export async function runSuite(options: RunSuiteOptions): Promise<RunSuiteResult> {
  const logger = (options.logger ?? silentLogger).child({ suite: options.suite.name, model: options.model.id });
  const samplesPerTask = options.samples ?? 1;
  if (!Number.isInteger(samplesPerTask) || samplesPerTask < 1) {
    throw new SandbenchError('invalid-input', `samples must be a whole number ≥ 1 (got ${samplesPerTask})`);
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
  let runId = newRunId();
  const folder = options.outDir ?? join('runs', runId);
  const journal = new RunJournal(folder);
  const manifest = options.resume ? await journal.readManifest() : undefined;
  if (options.resume && !manifest) {
    throw new SandbenchError('journal', `${folder}: nothing to resume (no run.json); start a new run without --resume`);
  }
  if (manifest) {
    if (manifest.model !== options.model.id) {
      throw new SandbenchError('journal', `${folder}: this run was made with model '${manifest.model}', not '${options.model.id}'`);
    }
    runId = manifest.runId;
  }
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { tasks } = options.suite;

  // Refuse a task no backend here can serve before spending anything on the model.
  for (const task of tasks) await options.sandboxes.forTask(task);

  let previous: SampleResult[] = [];
  if (manifest) {
    const read = await journal.readSamples();
    previous = read.samples.filter((sample) => sample.model === options.model.id && sample.outcome !== 'sandbox-error');
    if (read.skippedPartialLine || previous.length !== read.samples.length) await journal.rewrite(previous);
    logger.info({ resumed: previous.length }, 'resuming run');
  } else {
    await journal.create({
      runId,
      suite: options.suite.name,
      suiteSource: options.suite.source,
      model: options.model.id,
      sandbox: [...new Set(tasks.map((task) => options.sandboxes.backendFor(task)))].join(',') || 'none',
      samples: samplesPerTask,
      startedAt,
      sandbenchVersion: SANDBENCH_VERSION,
    });
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

  // Keep the suite's order in the returned list (the journal keeps finishing order).
  const order = new Map(tasks.map((task, index) => [task.id, index]));
  results.sort((a, b) => (order.get(a.taskId)! - order.get(b.taskId)!) || a.sampleIndex - b.sampleIndex);
  const summary = summarizeRun(results, {
    runId,
    suite: options.suite.name,
    model: options.model.id,
    sandbox: [...new Set(results.map((sample) => sample.sandbox))].join(',') || 'none',
    tasks,
    startedAt,
    durationMs: performance.now() - started,
  });
  // An interrupted run has no summary.json: it is not finished, and --resume completes it.
  const interrupted = Boolean(options.signal?.aborted) && results.length < tasks.length * samplesPerTask;
  if (!interrupted) await journal.writeSummary(summary);
  return { summary, folder, samples: results, interrupted };
}
