import { z } from 'zod';
import { executionStatusSchema } from './execution-result.ts';

/** The verdict of one test against one sample. `sandbox-error` is an engine fault, not the model's. */
export const verdictSchema = z.enum([
  'passed',
  'failed',
  'timeout',
  'memory-limit',
  'output-limit',
  'runtime-error',
  'compile-error',
  'sandbox-error',
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

/** One sample of one task: a line of `samples.jsonl`. */
export const sampleResultSchema = z.object({
  taskId: z.string(),
  sampleIndex: z.number().int().nonnegative(),
  model: z.string(),
  /** The model's raw text. */
  response: z.string(),
  /** The code extracted from the response. */
  completion: z.string(),
  /** `passed`: every test passed; `failed`: some test did not; `sandbox-error`: the engine failed. */
  outcome: z.enum(['passed', 'failed', 'sandbox-error']),
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
  /** Engine error message when `outcome` is `sandbox-error`. */
  error: z.string().optional(),
});
export type SampleResult = z.infer<typeof sampleResultSchema>;

/** pass@k values keyed by `pass@1`, `pass@10`, `pass@100` (only where k ≤ samples per task). */
export const passAtSchema = z.record(z.string(), z.number());

/** `summary.json` and the `--json` output of `run`. */
export const runSummarySchema = z.object({
  runId: z.string(),
  suite: z.string(),
  model: z.string(),
  sandbox: z.string(),
  /** Number of tasks. */
  tasks: z.number().int().nonnegative(),
  /** Number of samples scored (all tasks × samples per task). */
  samples: z.number().int().nonnegative(),
  /** Samples that passed every test. */
  passed: z.number().int().nonnegative(),
  /** Samples that failed at least one test. */
  failed: z.number().int().nonnegative(),
  /** Samples lost to engine faults (`sandbox-error`), kept out of pass rates. */
  errors: z.number().int().nonnegative(),
  /** Tasks whose every sample passed (for samples=1: tasks solved). */
  tasksPassed: z.number().int().nonnegative(),
  passAt: passAtSchema,
  /** Verdict counts over every test of every sample. */
  verdicts: z.record(z.string(), z.number().int().nonnegative()),
  usage: usageSchema,
  durationMs: z.number().nonnegative(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;
