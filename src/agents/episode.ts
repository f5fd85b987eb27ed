import { z } from 'zod';

/**
 * The record of an agent (or answer) episode: every model turn and tool call, why it stopped,
 * and what the scorers made of it. These shapes go into `samples.jsonl` as they are.
 */

/** Tokens as the provider reported them (the shape of a sample's `usage`; declared here, as the sample schema imports this module). */
const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative().default(0),
  outputTokens: z.number().int().nonnegative().default(0),
});

/** Why an episode ended. */
export const stopReasonSchema = z.enum([
  /** The model called `submit`. */
  'submitted',
  /** The model answered without calling a tool. */
  'answered',
  'max-turns',
  'max-tool-calls',
  'max-tokens',
  'timeout',
  /** The provider gave no answer (after its retries). */
  'model-error',
]);
export type StopReason = z.infer<typeof stopReasonSchema>;

/**
 * How a tool call ended:
 * - `ok`: ran and succeeded (exit 0);
 * - `error`: ran and failed (non-zero exit, uncaught exception, the tool's own error);
 * - `timeout`, `output-limit`, `memory-limit`: the call hit a limit and was stopped;
 * - `invalid-arguments`: the arguments were not JSON or did not match the tool's schema (not run);
 * - `unknown-tool`: no tool of that name in the episode (not run);
 * - `denied`: the approval policy refused it (not run);
 * - `skipped`: not run because the episode had already stopped (a call after `submit`, or past a budget).
 */
export const toolCallStatusSchema = z.enum([
  'ok',
  'error',
  'timeout',
  'output-limit',
  'memory-limit',
  'invalid-arguments',
  'unknown-tool',
  'denied',
  'skipped',
]);
export type ToolCallStatus = z.infer<typeof toolCallStatusSchema>;

/** One tool call, as asked and as answered. */
export const toolCallRecordSchema = z.object({
  /** The provider's id of the call. */
  id: z.string(),
  /** Turn of the model answer that asked for it (0-based). */
  turn: z.number().int().nonnegative(),
  /** Tool name as the model wrote it. */
  name: z.string(),
  /** Arguments as the model wrote them (raw JSON text). */
  arguments: z.string(),
  /** The arguments parsed, when they parsed. */
  parsedArguments: z.unknown().optional(),
  status: toolCallStatusSchema,
  /** What went back to the model (capped; see `truncated`). */
  output: z.string(),
  /** The output was cut at the tool's output cap. */
  truncated: z.boolean(),
  /** Exit code, for tools that run a process. */
  exitCode: z.number().int().nullable().optional(),
  durationMs: z.number().nonnegative(),
});
export type ToolCallRecord = z.infer<typeof toolCallRecordSchema>;

/** One model answer of an episode. */
export const modelTurnRecordSchema = z.object({
  turn: z.number().int().nonnegative(),
  /** The model's text. */
  text: z.string(),
  /** Ids of the tool calls it asked for, in order (records in `toolCalls`). */
  toolCallIds: z.array(z.string()),
  usage: usageSchema,
  finishReason: z.string(),
  durationMs: z.number().nonnegative(),
});
export type ModelTurnRecord = z.infer<typeof modelTurnRecordSchema>;

/** A whole episode. */
export const episodeRecordSchema = z.object({
  stopReason: stopReasonSchema,
  /** The final answer: `submit`'s argument, or the last text when the model answered without tools; null when it gave none. */
  answer: z.string().nullable(),
  turns: z.array(modelTurnRecordSchema),
  toolCalls: z.array(toolCallRecordSchema),
  /** Summed over every turn. */
  usage: usageSchema,
  durationMs: z.number().nonnegative(),
  /** The fault's message when `stopReason` is `model-error` (or the budget that ran out). */
  message: z.string().optional(),
});
export type EpisodeRecord = z.infer<typeof episodeRecordSchema>;

/** What one scorer made of an episode. */
export const scoreComponentSchema = z.object({
  /** Kind of scorer: `equals`, `f1`, `file`, `command`, `trajectory`, `judge`, `custom`, … */
  scorer: z.string(),
  /** A label naming this scorer among the task's (its criterion, file, command). */
  name: z.string().optional(),
  pass: z.boolean(),
  /** In [0, 1]. */
  score: z.number().min(0).max(1),
  /** Weight in a weighted combination (default 1). */
  weight: z.number().nonnegative().default(1),
  /** Why, in a few words. */
  reason: z.string(),
  /**
   * Set when the scorer could not judge: `model-error` (the judge model failed) or
   * `sandbox-error` (the engine failed running a check). Such a sample is not scored.
   */
  fault: z.enum(['model-error', 'sandbox-error']).optional(),
  /** Extra detail (a judge's prompt and answer, a trajectory's matched calls). */
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type ScoreComponent = z.infer<typeof scoreComponentSchema>;
export type ScoreComponentInput = z.input<typeof scoreComponentSchema>;
