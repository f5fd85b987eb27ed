import { randomBytes } from 'node:crypto';
import { arch, availableParallelism, hostname, platform } from 'node:os';
import { join } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { Suite } from '../datasets/load-suite.ts';
import { errorMessage, InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import type { GenerateRequest, GenerateResponse, Model, ModelCoverage, ModelMessage, ModelStatus } from '../models/model.ts';
import type { ResponseCache } from '../models/response-cache.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import type { RunSummary, SampleResult, SampleTurn, Transcript } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { SANDBENCH_VERSION } from '../version.ts';
import { buildMessages } from './build-messages.ts';
import { completionFromResponse } from './fit-completion.ts';
import { DEFAULT_PROMPT_STYLE, type PromptStyle, type PromptTemplate } from './prompt-templates.ts';
import { feedbackMessage } from './feedback-message.ts';
import { RunJournal } from './run-journal.ts';
import {
  identityDifferences,
  limitsInForce,
  suiteFingerprint,
  taskFileHashes,
  type RunIdentity,
  type RunManifest,
  type RunPart,
} from './run-manifest.ts';
import type { ApprovalPolicy } from '../agents/agent-task-schema.ts';
import { episodeNeeds } from '../agents/episode-sandboxes.ts';
import { ask, capRaw } from './ask-model.ts';
import { checkJudgeAvailable } from './judge-episode.ts';
import { runEpisodeSample, type EpisodeSampleOptions } from './run-episode-sample.ts';
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

/** Sampling settings sent to provider models besides the temperature. */
export interface GenerationParameters {
  /** Replaces the system prompt the harness writes. */
  system?: string;
  topP?: number;
  maxTokens?: number;
  stopSequences?: string[];
  seed?: number;
}

export interface RunSuiteOptions {
  suite: Suite;
  model: Model;
  sandboxes: SandboxSet;
  /** Samples per task (default 1). */
  samples?: number;
  /** Samples being scored at once (default 2). */
  concurrency?: number;
  /**
   * Model requests in flight at once (default: the model's own setting, else 4). Model calls
   * and scoring overlap: while samples are scored, the next ones are being asked for.
   */
  modelConcurrency?: number;
  /** System prompt, top_p, max tokens, stop sequences, seed (provider models). */
  generation?: GenerationParameters;
  /**
   * How tasks are put to the model and answers read: `chat` (ask for one fenced block, fit a
   * repeated function or a whole program to the task) or `continuation` (the code prefix is the
   * prompt; the answer continues it). Default: the model's own (`continuation` for `reference`,
   * `empty` and `scripted:`), else `chat`.
   */
  promptStyle?: PromptStyle;
  /** Prompt templates that win over the tasks' own `promptTemplate` and the style's defaults. */
  promptTemplate?: PromptTemplate;
  /**
   * Repair turns: a failing answer's first failing test (reason and output, capped) goes back to
   * the model, whose new answer is scored, up to this many times (default 0).
   */
  feedbackTurns?: number;
  /** Answers cached on disk (provider models only); see `ResponseCache`. */
  cache?: ResponseCache;
  /** Called when a model request is retried or held back by a rate limit. */
  onModelStatus?: (status: ModelStatus, sample: { taskId: string; sampleIndex: number }) => void;
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
  /** Agent and answer tasks: the model that judges rubric (`judge`) scorers (`--judge-model`). */
  judge?: Model;
  /** Agent tasks: an approval policy checked before each task's own (the config file's `approval`). */
  approval?: ApprovalPolicy;
  logger?: Logger;
  onProgress?: (progress: RunProgress) => void;
  signal?: AbortSignal;
}

/**
 * The tasks that need their backend before the run starts: code tasks, and agent tasks whose
 * episodes run in a container (answer tasks and isolate-only agents need no image).
 */
export function tasksNeedingBackends(tasks: readonly Task[]): Task[] {
  return tasks.filter((task) => task.kind === 'code' || (task.kind === 'agent' && episodeNeeds(task).commands));
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

/** What every sample of a run shares, worked out once per run. */
interface SampleContext {
  /** Concurrency limits: model calls and scoring each have their own. */
  modelLane: LimitFunction;
  scoreLane: LimitFunction;
  style: PromptStyle;
  temperature: number;
  /** Replaces the template's system prompt when set. */
  systemPrompt: string | undefined;
}

/**
 * Produce and score one sample, with its repair turns. Model faults become `model-error`,
 * engine faults and bugs `sandbox-error`: data, never a lost run.
 */
async function runSample(task: Task, sampleIndex: number, options: RunSuiteOptions, context: SampleContext, logger: Logger): Promise<SampleResult> {
  const generation = options.generation ?? {};
  const { style, systemPrompt } = context;
  const conversation: ModelMessage[] = buildMessages(task, { style, ...(options.promptTemplate ? { template: options.promptTemplate } : {}) });
  if (systemPrompt !== undefined) {
    const system = conversation.find((message) => message.role === 'system');
    if (system) system.content = systemPrompt;
    else conversation.unshift({ role: 'system', content: systemPrompt });
  }
  const turns: SampleTurn[] = [];
  const usage = { inputTokens: 0, outputTokens: 0 };
  let retries = 0;
  let cachedAll = true;
  let last: { response: GenerateResponse; completion: string } | undefined;
  const maxTurns = options.feedbackTurns ?? 0;
  const fault = (outcome: 'sandbox-error' | 'model-error', error: string, modelLatencyMs: number, response = '', completion = ''): SampleResult => ({
    ...faultSample(task, sampleIndex, options, outcome, error, modelLatencyMs),
    response,
    completion,
    ...(turns.length > 0 ? { turns } : {}),
  });

  for (let turn = 0; turn <= maxTurns; turn += 1) {
    const request: GenerateRequest = {
      messages: conversation.map((message) => ({ ...message })),
      temperature: context.temperature,
      ...(generation.topP !== undefined ? { topP: generation.topP } : {}),
      ...(generation.maxTokens !== undefined ? { maxTokens: generation.maxTokens } : {}),
      ...(generation.stopSequences !== undefined ? { stopSequences: generation.stopSequences } : {}),
      ...(generation.seed !== undefined ? { seed: generation.seed } : {}),
      task,
      sampleIndex,
      turn,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onModelStatus ? { onStatus: (status: ModelStatus) => options.onModelStatus!(status, { taskId: task.id, sampleIndex }) } : {}),
    };
    const modelStarted = performance.now();
    let answer: { response: GenerateResponse; cached: boolean };
    try {
      answer = await context.modelLane(() => ask(options, request, sampleIndex, turn));
    } catch (error) {
      // A model that cannot answer is neither the sandbox's fault nor a wrong answer: record it apart.
      logger.warn({ task: task.id, sampleIndex, turn, err: error }, 'model error');
      return fault('model-error', `model error: ${errorMessage(error)}`, performance.now() - modelStarted);
    }
    const modelLatencyMs = performance.now() - modelStarted;
    const { response } = answer;
    cachedAll &&= answer.cached;
    retries += response.retries ?? 0;
    usage.inputTokens += response.usage.inputTokens;
    usage.outputTokens += response.usage.outputTokens;
    const completion = completionFromResponse(task, response.text, style);
    last = { response, completion };
    let score;
    try {
      const sandbox = await options.sandboxes.forTask(task);
      score = await context.scoreLane(() =>
        scoreCompletion(task, completion, sandbox, {
          // A continuation joins the prefix as upstream does; a chat answer is fitted to it.
          assembly: style === 'continuation' ? 'exact' : 'fitted',
          logger,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
    } catch (error) {
      // Nothing raised while scoring one sample may abort the run: the sample stays unscored, the
      // run incomplete, and --resume retries it.
      const known = SandbenchError.isInstance(error);
      logger.error({ task: task.id, sampleIndex, err: error }, known ? 'engine fault while scoring' : 'internal error while scoring');
      const message = known ? errorMessage(error) : `internal error while scoring (please report): ${errorMessage(error)}`;
      return fault('sandbox-error', message, modelLatencyMs, response.text, completion);
    }
    turns.push({
      turn,
      response: response.text,
      completion,
      outcome: score.outcome,
      verdicts: score.verdicts,
      usage: response.usage,
      modelLatencyMs,
      executionMs: score.executionMs,
      finishReason: response.finishReason,
      ...(score.error ? { error: score.error } : {}),
    });
    conversation.push({ role: 'assistant', content: response.text });
    if (score.outcome !== 'failed' || turn === maxTurns) break;
    conversation.push({ role: 'user', content: feedbackMessage(task, score.verdicts) });
  }

  const final = turns[turns.length - 1]!;
  const response = last!.response;
  const transcript: Transcript = {
    messages: conversation,
    finishReason: response.finishReason,
    ...(retries > 0 ? { retries } : {}),
    ...(cachedAll && !options.model.offline && options.cache ? { cached: true } : {}),
    ...(response.responseModelId !== undefined ? { responseModelId: response.responseModelId } : {}),
    ...capRaw(response.raw),
  };
  return {
    taskId: task.id,
    sampleIndex,
    model: options.model.id,
    response: final.response,
    completion: final.completion,
    outcome: final.outcome,
    verdicts: final.verdicts,
    usage,
    modelLatencyMs: turns.reduce((sum, entry) => sum + entry.modelLatencyMs, 0),
    executionMs: turns.reduce((sum, entry) => sum + entry.executionMs, 0),
    sandbox: options.sandboxes.backendFor(task),
    finishedAt: new Date().toISOString(),
    ...(final.error ? { error: final.error } : {}),
    // Offline models answer from data the run already names: their exchange adds nothing.
    ...(options.model.offline ? {} : { transcript }),
    ...(maxTurns > 0 ? { turns } : {}),
  };
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
  checkGeneration(options);
  checkCoverage(options, samplesPerTask);
  const judgeProblem = checkJudgeAvailable(tasks, options.judge);
  if (judgeProblem) throw new InvalidInputError(judgeProblem, { details: { field: 'judge' } });

  const identity: RunIdentity = {
    ...suiteFingerprint(options.suite),
    taskFilter: options.suite.filter,
    model: options.model.id,
    modelFingerprint: options.model.fingerprint ?? null,
    samples: samplesPerTask,
    sandbox: options.sandboxes.forcedName,
    temperature: runTemperature(options.model, options.temperature, samplesPerTask),
    parameters: runParameters(options),
  };
  const runId = newRunId();
  const folder = options.outDir ?? join('runs', runId);
  const journal = new RunJournal(folder);
  // Cheap checks first, before anything is written or started; repeated under the lock below.
  if (options.resume) await checkResumable(journal, identity);
  else await checkNew(journal);

  // Refuse what no backend can serve, and check the engines and images, before anything is
  // written or asked of the model.
  await options.sandboxes.prepare(tasksNeedingBackends(tasks));
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

/** What an agent or answer sample takes from its run. */
function episodeOptions(options: RunSuiteOptions, context: SampleContext, logger: Logger): EpisodeSampleOptions {
  const generation = options.generation ?? {};
  return {
    model: options.model,
    sandboxes: options.sandboxes,
    ...(options.cache ? { cache: options.cache } : {}),
    request: {
      temperature: context.temperature,
      ...(generation.topP !== undefined ? { topP: generation.topP } : {}),
      ...(generation.maxTokens !== undefined ? { maxTokens: generation.maxTokens } : {}),
      ...(generation.stopSequences !== undefined ? { stopSequences: generation.stopSequences } : {}),
      ...(generation.seed !== undefined ? { seed: generation.seed } : {}),
    },
    ...(context.systemPrompt !== undefined ? { system: context.systemPrompt } : {}),
    ...(options.approval ? { approval: options.approval } : {}),
    ...(options.judge ? { judge: options.judge } : {}),
    modelLane: context.modelLane,
    // An episode holds a scoring slot from its first turn to its last scorer: it bounds containers.
    episodeLane: context.scoreLane,
    ...(options.onModelStatus ? { onModelStatus: options.onModelStatus } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    logger,
  };
}

/** The prompt style of a run: as asked, else the model's own (continuation for references and samples files), else chat. */
function promptStyleOf(options: RunSuiteOptions): PromptStyle {
  return options.promptStyle ?? options.model.promptStyle ?? DEFAULT_PROMPT_STYLE;
}

/** The settings besides the temperature that a run's answers depend on, as recorded in its manifest. */
function runParameters(options: RunSuiteOptions): Record<string, unknown> {
  const generation = options.generation ?? {};
  const parameters: Record<string, unknown> = {};
  if (generation.system !== undefined) parameters.system = generation.system;
  if (generation.topP !== undefined) parameters.topP = generation.topP;
  if (generation.maxTokens !== undefined) parameters.maxTokens = generation.maxTokens;
  if (generation.stopSequences !== undefined) parameters.stopSequences = generation.stopSequences;
  if (generation.seed !== undefined) parameters.seed = generation.seed;
  if (options.feedbackTurns) parameters.feedbackTurns = options.feedbackTurns;
  // Recorded when it differs from what the model's answers call for by themselves.
  if (promptStyleOf(options) !== (options.model.promptStyle ?? DEFAULT_PROMPT_STYLE)) parameters.promptStyle = promptStyleOf(options);
  if (options.promptTemplate !== undefined) parameters.promptTemplate = options.promptTemplate;
  if (options.judge !== undefined) parameters.judgeModel = options.judge.id;
  if (options.approval !== undefined) parameters.approval = options.approval;
  return parameters;
}

function checkGeneration(options: RunSuiteOptions): void {
  const generation = options.generation ?? {};
  const bad = (field: string, value: unknown, want: string): never => {
    throw new InvalidInputError(`${field} must be ${want} (got ${JSON.stringify(value)})`, { details: { field } });
  };
  if (options.temperature !== undefined && !(Number.isFinite(options.temperature) && options.temperature >= 0 && options.temperature <= 2)) bad('temperature', options.temperature, 'a number from 0 to 2');
  if (generation.topP !== undefined && !(Number.isFinite(generation.topP) && generation.topP > 0 && generation.topP <= 1)) bad('topP', generation.topP, 'a number above 0, at most 1');
  if (generation.maxTokens !== undefined && !(Number.isInteger(generation.maxTokens) && generation.maxTokens >= 1)) bad('maxTokens', generation.maxTokens, 'a whole number ≥ 1');
  if (generation.seed !== undefined && !Number.isSafeInteger(generation.seed)) bad('seed', generation.seed, 'a whole number');
  if (generation.stopSequences !== undefined && !(Array.isArray(generation.stopSequences) && generation.stopSequences.every((stop) => typeof stop === 'string' && stop !== ''))) {
    bad('stopSequences', generation.stopSequences, 'a list of non-empty strings');
  }
  const turns = options.feedbackTurns ?? 0;
  if (!Number.isInteger(turns) || turns < 0) bad('feedbackTurns', turns, 'a whole number ≥ 0');
  const modelConcurrency = options.modelConcurrency;
  if (modelConcurrency !== undefined && !(Number.isInteger(modelConcurrency) && modelConcurrency >= 1)) bad('modelConcurrency', modelConcurrency, 'a whole number ≥ 1');
}

/** A per-model default from the model's description (a config file's `models.<id>` entry). */
function modelDefault(model: Model, name: 'temperature' | 'system'): unknown {
  return (model.describe?.()?.parameters as Record<string, unknown> | undefined)?.[name];
}

/**
 * The temperature a run sends: the one asked for, else the model's own default (a config
 * file's per-model `temperature`), else 0, or 0.8 when sampling several answers per task.
 */
export function runTemperature(model: Model, asked: number | undefined, samplesPerTask: number): number {
  const configured = modelDefault(model, 'temperature');
  return asked ?? (typeof configured === 'number' ? configured : samplesPerTask > 1 ? 0.8 : 0);
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
    const modelInfo = options.model.describe?.();
    manifest = {
      runId,
      suite: options.suite.name,
      suiteSource: options.suite.source,
      ...identity,
      tasks: tasks.length,
      sandbenchVersion: SANDBENCH_VERSION,
      promptStyle: promptStyleOf(options),
      ...(modelInfo ? { modelInfo } : {}),
      taskFiles: await taskFileHashes(options.suite.source).catch(() => []),
      limits: limitsInForce(),
      backends: await options.sandboxes.describe(tasksNeedingBackends(tasks)),
      environment: { node: process.version, platform: platform(), arch: arch(), host: hostname(), cpus: availableParallelism() },
      startedAt: part.startedAt,
      parts: [part],
    };
    await journal.create(manifest);
  }
  // Every part rewrites it: a run made before it existed gains it on resume.
  await journal.writeTasks(tasks);

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

  // Each sample takes a model slot, then a scoring slot: the model is asked for the next samples
  // while earlier ones are scored. Workers bound what is in flight (and so the memory held).
  const modelConcurrency = options.modelConcurrency ?? options.model.concurrency ?? (options.model.offline ? concurrency : 4);
  // The system prompt asked for, else the model's configured one, replaces the template's.
  const configuredSystem = modelDefault(options.model, 'system');
  const context: SampleContext = {
    modelLane: pLimit(modelConcurrency),
    scoreLane: pLimit(concurrency),
    style: promptStyleOf(options),
    temperature: identity.temperature,
    systemPrompt: options.generation?.system ?? (typeof configuredSystem === 'string' ? configuredSystem : undefined),
  };
  const workers = modelConcurrency + concurrency;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length && !options.signal?.aborted) {
      const job = queue[next++]!;
      const taskLogger = logger.child({ task: job.task.id, sample: job.sampleIndex });
      const sample =
        job.task.kind === 'code'
          ? await runSample(job.task, job.sampleIndex, options, context, taskLogger)
          : await runEpisodeSample(job.task, job.sampleIndex, episodeOptions(options, context, taskLogger));
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
  await Promise.all(Array.from({ length: Math.min(workers, Math.max(queue.length, 1)) }, worker));

  const interrupted = Boolean(options.signal?.aborted) && progress.done < progress.total;
  part.durationMs = performance.now() - started;
  part.finishedAt = new Date().toISOString();
  if (interrupted) part.interrupted = true;
  manifest.finishedAt = part.finishedAt;
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
