import { z } from 'zod';
import { episodeRecordSchema, scoreComponentSchema } from '../agents/episode.ts';
import { executionStatusSchema } from './execution-result.ts';

/**
 * The verdict of one test against one sample. `sandbox-error` is an engine fault, not the model's.
 * `not-run`: the task stops at its first failing test (`stopAtFirstFailure`) and an earlier test
 * failed; like every verdict but `passed`, it fails the sample.
 */
export const verdictSchema = z.enum([
  'passed',
  'failed',
  'timeout',
  'memory-limit',
  'output-limit',
  'runtime-error',
  'compile-error',
  'sandbox-error',
  'not-run',
]);
export type Verdict = z.infer<typeof verdictSchema>;

/** Verdict of one test, with enough of the execution to understand it. */
export const testVerdictSchema = z.object({
  /** Index of the test in the task. */
  testIndex: z.number().int().nonnegative(),
  /** Test name, when the task gives one. */
  name: z.string().optional(),
  verdict: verdictSchema,
  /** Why it did not pass: a diff of expected vs got, the exception, the limit hit. */
  reason: z.string().optional(),
  /** The execution behind the verdict (outputs truncated for the journal). */
  execution: z
    .object({
      status: executionStatusSchema,
      exitCode: z.number().int().nullable(),
      stdout: z.string(),
      stderr: z.string(),
      durationMs: z.number().nonnegative(),
    })
    .optional(),
});
export type TestVerdict = z.infer<typeof testVerdictSchema>;

/** Token usage reported by a model. */
export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative().default(0),
  outputTokens: z.number().int().nonnegative().default(0),
});
export type Usage = z.infer<typeof usageSchema>;

/** A message of a sample's conversation with the model, as sent (and, last, as answered). */
export const transcriptMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
  /** An assistant message's tool calls (agent episodes). */
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
  /** A tool message: the call it answers. */
  toolCallId: z.string().optional(),
  toolName: z.string().optional(),
});

export type TranscriptMessage = z.infer<typeof transcriptMessageSchema>;

/** What the model exchange of a sample looked like: enough to audit and reproduce it. */
export const transcriptSchema = z.object({
  /** The conversation of the last turn as sent, followed by the model's answer. */
  messages: z.array(transcriptMessageSchema),
  /** The provider's finish reason (`stop`, `length`, …) of the last answer. */
  finishReason: z.string().optional(),
  /** Failed attempts (retried faults) over every turn. */
  retries: z.number().int().nonnegative().optional(),
  /** The answers came from the response cache, not the provider. */
  cached: z.boolean().optional(),
  /** The model id the provider reported, when it differs from or refines the requested one. */
  responseModelId: z.string().optional(),
  /** The provider's raw response of the last answer, as JSON text, capped (see `truncated`). */
  raw: z.string().optional(),
  /** `raw` was cut to the cap. */
  truncated: z.boolean().optional(),
});
export type Transcript = z.infer<typeof transcriptSchema>;

/** How one sample ended. */
export const sampleOutcomeSchema = z.enum(['passed', 'failed', 'sandbox-error', 'model-error']);
export type SampleOutcome = z.infer<typeof sampleOutcomeSchema>;

/** One turn of a repaired sample (`--feedback-turns`): an answer and its score. */
export const sampleTurnSchema = z.object({
  /** 0 for the first answer, 1 for the first repair, … */
  turn: z.number().int().nonnegative(),
  response: z.string(),
  completion: z.string(),
  outcome: sampleOutcomeSchema,
  verdicts: z.array(testVerdictSchema),
  usage: usageSchema.optional(),
  modelLatencyMs: z.number().nonnegative(),
  executionMs: z.number().nonnegative(),
  finishReason: z.string().optional(),
  error: z.string().optional(),
});
export type SampleTurn = z.infer<typeof sampleTurnSchema>;

/** One sample of one task: a line of `samples.jsonl`. */
export const sampleResultSchema = z.object({
  taskId: z.string(),
  sampleIndex: z.number().int().nonnegative(),
  model: z.string(),
  /** The model's raw text. */
  response: z.string(),
  /** The code extracted from the response. */
  completion: z.string(),
  /**
   * `passed`: every test passed; `failed`: some test did not; `sandbox-error`: the engine failed;
   * `model-error`: the model (provider) gave no answer. The last two say nothing about the answer:
   * they are kept out of pass rates and redone by `--resume`.
   */
  outcome: sampleOutcomeSchema,
  verdicts: z.array(testVerdictSchema),
  usage: usageSchema.optional(),
  /** Time the model took to answer, in milliseconds. */
  modelLatencyMs: z.number().nonnegative(),
  /** Time spent executing tests, in milliseconds. */
  executionMs: z.number().nonnegative(),
  /** Backend that ran the tests. */
  sandbox: z.string(),
  /** ISO time the sample finished. */
  finishedAt: z.string(),
  /** The fault's message when `outcome` is `sandbox-error` or `model-error`. */
  error: z.string().optional(),
  /** The exchange with the model (provider and replayed models). */
  transcript: transcriptSchema.optional(),
  /**
   * Every turn, in order, when the run repairs failing answers (`--feedback-turns`); the sample's
   * own fields are those of the last turn.
   */
  turns: z.array(sampleTurnSchema).optional(),
  /** Agent and answer tasks: the episode (every model turn and tool call, why it stopped, the answer). */
  episode: episodeRecordSchema.optional(),
  /** Agent and answer tasks: each scorer's judgement (also listed as `verdicts`, one per scorer). */
  scores: z.array(scoreComponentSchema).optional(),
  /** Agent and answer tasks: the combined score in [0, 1]. */
  score: z.number().min(0).max(1).optional(),
});
export type SampleResult = z.infer<typeof sampleResultSchema>;

/** pass@k values keyed by `pass@1`, `pass@10`, `pass@100` (only where k ≤ samples per task). */
export const passAtSchema = z.record(z.string(), z.number());

/**
 * pass^k values keyed `pass^1`, `pass^10`, `pass^100` (only where k ≤ samples per task): the mean
 * over tasks of the probability that k samples drawn without replacement ALL pass.
 */
export const passHatSchema = z.record(z.string(), z.number());

/** A 95% confidence interval for pass@1, and how it was made. */
export const passAt1IntervalSchema = z.object({
  /** Lower bound, a rate in [0, 1]; never above pass@1. */
  low: z.number().min(0).max(1),
  /** Upper bound, a rate in [0, 1]; never below pass@1. */
  high: z.number().min(0).max(1),
  /**
   * `wilson`: the Wilson score interval, where pass@1 is a binomial proportion: over tasks when
   * each has one scored sample, or over the samples of a run's only task. `bootstrap`: a
   * percentile bootstrap over tasks (per-task pass rates resampled with replacement, fixed seed,
   * so the same samples give the same interval).
   */
  method: z.enum(['wilson', 'bootstrap']),
  /** Confidence level: 0.95. */
  level: z.number().gt(0).lt(1),
  /** Resamples drawn (bootstrap only). */
  resamples: z.number().int().positive().optional(),
});
export type PassAt1IntervalSummary = z.infer<typeof passAt1IntervalSchema>;

/** Scored samples and passes of one task. */
export const taskSummarySchema = z.object({
  taskId: z.string(),
  /** Samples of the task that were scored (`passed + failed`). */
  samples: z.number().int().nonnegative(),
  /** Scored samples that passed every test. */
  passed: z.number().int().nonnegative(),
  /** Planned samples of the task not scored (engine or model faults, or never run); absent when 0. */
  unscored: z.number().int().positive().optional(),
});
export type TaskSummary = z.infer<typeof taskSummarySchema>;

/** Counts of per-sample outcomes in a run. */
export const sampleCountsSchema = z.object({
  /** Samples the run asked for: tasks × samples per task. */
  planned: z.number().int().nonnegative(),
  /** Samples with a verdict on the answer: `passed + failed`. */
  scored: z.number().int().nonnegative(),
  /** Samples that passed every test. */
  passed: z.number().int().nonnegative(),
  /** Samples that failed at least one test. */
  failed: z.number().int().nonnegative(),
  /** Samples lost to engine faults (`sandbox-error`): not scored, redone by `--resume`. */
  sandboxErrors: z.number().int().nonnegative(),
  /** Samples the model gave no answer for (`model-error`): not scored, redone by `--resume`. */
  modelErrors: z.number().int().nonnegative(),
  /** Samples not scored for any reason (faults, or never run): `planned - scored`. */
  unscored: z.number().int().nonnegative(),
});
export type SampleCounts = z.infer<typeof sampleCountsSchema>;

/** `summary.json` and the `--json` output of `run`. */
export const runSummarySchema = z.object({
  runId: z.string(),
  suite: z.string(),
  model: z.string(),
  /** Backends that ran the samples (comma-separated). */
  sandbox: z.string(),
  /**
   * True when every planned sample was scored. A run with samples lost to engine or model faults
   * is incomplete: its pass rates cover only what was scored, and `--resume` completes it.
   */
  complete: z.boolean(),
  /** Number of tasks. */
  tasks: z.number().int().nonnegative(),
  /** Samples asked for each task (`--samples`). */
  samplesPerTask: z.number().int().positive(),
  /** Per-sample outcomes (a sample passes when all of its tests pass). */
  samples: sampleCountsSchema,
  /** Tasks with at least one scored sample, all of whose scored samples passed. */
  tasksSolved: z.number().int().nonnegative(),
  /** Mean pass@k over tasks with scored samples, for k ≤ the samples scored per task. */
  passAt: passAtSchema,
  /** Mean pass^k over tasks with scored samples, for the same k as `passAt` (read as `{}` from runs made before it existed). */
  passHat: passHatSchema.default({}),
  /** 95% confidence interval of `passAt['pass@1']`; absent when no sample was scored. */
  passAt1Interval: passAt1IntervalSchema.optional(),
  /**
   * pass@1 after each turn of multi-turn repair (index 0: the first answers), a sample counting as
   * passed at turn t when any of its turns up to t passed; absent when no sample has turns.
   */
  passAt1ByTurn: z.array(z.number().min(0).max(1)).optional(),
  /** Scored and passed samples of every task, in suite order (read as `[]` from runs made before it existed). */
  perTask: z.array(taskSummarySchema).default([]),
  /**
   * Mean combined score over scored samples of agent and answer tasks (each task's samples
   * averaged first, then the tasks), with a 95% bootstrap interval over tasks; absent when no
   * scored sample has a score.
   */
  meanScore: z
    .object({
      mean: z.number().min(0).max(1),
      low: z.number().min(0).max(1),
      high: z.number().min(0).max(1),
      /** Tasks the mean is over. */
      tasks: z.number().int().positive(),
    })
    .optional(),
  /** Per-test verdict counts over every test of every scored sample (one verdict per test). */
  testVerdicts: z.record(z.string(), z.number().int().nonnegative()),
  usage: usageSchema,
  /** Time spent running, over every part of a resumed run, in milliseconds. */
  durationMs: z.number().nonnegative(),
  /** When the run first started (a resumed run keeps its first start). */
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;
