import { z } from 'zod';
import { executionResultSchema } from '../schemas/execution-result.ts';
import { executionLimitsInputSchema } from '../schemas/limits.ts';
import { sampleOutcomeSchema, testVerdictSchema } from '../schemas/sample-result.ts';
import { languageSchema, sandboxNameSchema, taskSchema, typescriptOptionsSchema } from '../schemas/task.ts';

/** Size limits of request bodies, from the server's config. */
export interface BodyLimits {
  /** Longest program, completion, stdin or file content, in characters. */
  maxCodeChars: number;
  /** Most items in one batch. */
  maxBatchItems: number;
  /** Most completions in one scoring. */
  maxCompletions: number;
}

/** The backends a request may ask for: the server's own (it never forwards to another service). */
const serverSandboxSchema = sandboxNameSchema.exclude(['remote']);

/** Most extra files in one execution. */
const MAX_FILES = 64;

/** The body of every error response (see `error-table.ts`). */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
  }),
});

/** A requested limit the server lowered to its maximum (policy `clamp`). */
export const limitAdjustmentSchema = z.object({
  field: z.string(),
  requested: z.number(),
  applied: z.number(),
});

/** `POST /v1/execute`: the result of the run, and which requested limits were clamped. */
export const executeResponseSchema = executionResultSchema.extend({
  limitAdjustments: z.array(limitAdjustmentSchema).optional(),
});
export type ExecuteResponse = z.infer<typeof executeResponseSchema>;

/** One scored completion. */
export const scoredSampleSchema = z.object({
  /** Position of the completion in the request. */
  index: z.number().int().nonnegative(),
  /** `passed` when every test passed; `sandbox-error` when an engine fault kept it from being judged. */
  outcome: sampleOutcomeSchema.exclude(['model-error']),
  /** True / false, or null for `sandbox-error` (not judged). */
  passed: z.boolean().nullable(),
  /** One verdict per test, with its reason. */
  verdicts: z.array(testVerdictSchema),
  /** Time spent in the sandbox. */
  executionMs: z.number().nonnegative(),
  /** The engine fault, for `sandbox-error`. */
  error: z.string().optional(),
});

/** `POST /v1/score`. */
export const scoreResponseSchema = z.object({
  taskId: z.string(),
  /** The suite the task came from, when it was not inline. */
  suite: z.string().optional(),
  samples: z.array(scoredSampleSchema),
  counts: z.object({
    samples: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    sandboxErrors: z.number().int(),
  }),
  /** Unbiased pass@k over the judged samples, for k in 1, 10, 100 up to their number. */
  passAt: z.record(z.string(), z.number()),
  limitAdjustments: z.array(limitAdjustmentSchema).optional(),
});
export type ScoreResponse = z.infer<typeof scoreResponseSchema>;

/** One batch item's outcome, in the request's order (and on each NDJSON line). */
export const batchItemResultSchema = z.union([
  z.object({ index: z.number().int(), kind: z.literal('execute'), ok: z.literal(true), result: executeResponseSchema }),
  z.object({ index: z.number().int(), kind: z.literal('score'), ok: z.literal(true), result: scoreResponseSchema }),
  z.object({ index: z.number().int(), kind: z.enum(['execute', 'score']), ok: z.literal(false), status: z.number().int(), error: errorBodySchema.shape.error }),
]);
export type BatchItemResult = z.infer<typeof batchItemResultSchema>;

export const batchResponseSchema = z.object({ results: z.array(batchItemResultSchema) });

/** The request schemas, sized by the server's limits. */
export function requestSchemas(limits: BodyLimits) {
  const code = z.string().max(limits.maxCodeChars);
  const executeFields = {
    language: languageSchema,
    /** The program; or give `files` and name the main one in `entry`. */
    code: code.optional(),
    /** Files in the work directory (relative path → text). */
    files: z
      .record(z.string().min(1).max(255), code)
      .refine((files) => Object.keys(files).length <= MAX_FILES, `at most ${MAX_FILES} files`)
      .optional(),
    /** Which of `files` is the program, when `code` is absent. */
    entry: z.string().min(1).max(255).optional(),
    stdin: code.default(''),
    limits: executionLimitsInputSchema.optional(),
    sandbox: serverSandboxSchema.optional(),
    typescript: typescriptOptionsSchema.optional(),
    /**
     * Test code run after the program in the same program (HumanEval-style tests); the result's
     * `testCompleted` says whether it ran to its end.
     */
    testCode: code.optional(),
    /** Limits of the compile step, for compiled languages. */
    compileLimits: executionLimitsInputSchema.optional(),
    /** A named variant of the language's runtime profile (a dataset harness's flags and layout). */
    variant: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name').max(100).optional(),
    /** Work-directory files to read back after the run. */
    collectFiles: z.array(z.string().min(1).max(255)).max(MAX_FILES).optional(),
  };
  const scoreFields = {
    /** The task, inline. */
    task: taskSchema.optional(),
    /** Or a suite the server loaded, and the task's id in it. */
    suite: z.string().min(1).max(1000).optional(),
    taskId: z.string().min(1).max(1000).optional(),
    /** One completion, or several in `completions`. */
    completion: code.optional(),
    completions: z.array(code).min(1).max(limits.maxCompletions).optional(),
    /** `fitted` (default): an answer that repeats the prefix's function replaces it; `exact`: prefix + completion. */
    assembly: z.enum(['fitted', 'exact']).default('fitted'),
    sandbox: serverSandboxSchema.optional(),
  };
  const executeObject = z.object(executeFields).strict();
  const scoreObject = z.object(scoreFields).strict();
  const execute = executeObject.superRefine(checkExecute);
  const score = scoreObject.superRefine(checkScore);
  const item = z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('execute'), ...executeFields }).strict(),
      z.object({ kind: z.literal('score'), ...scoreFields }).strict(),
    ])
    .superRefine((value, context) => (value.kind === 'execute' ? checkExecute(value, context) : checkScore(value, context)));
  const batch = z
    .object({
      items: z.array(item).min(1).max(limits.maxBatchItems),
      /** Send NDJSON lines as items finish (also when the request accepts `application/x-ndjson`). */
      stream: z.boolean().default(false),
    })
    .strict();
  return { execute, score, batch };
}

type Context = z.RefinementCtx;

function checkExecute(value: { code?: string | undefined; files?: Record<string, string> | undefined; entry?: string | undefined }, context: Context): void {
  if (value.code === undefined && value.entry === undefined) {
    context.addIssue({ code: 'custom', path: ['code'], message: 'give the program in "code", or "files" and the main file\'s name in "entry"' });
  }
  if (value.code !== undefined && value.entry !== undefined) {
    context.addIssue({ code: 'custom', path: ['entry'], message: '"entry" names the program among "files"; it goes without "code"' });
  }
  if (value.entry !== undefined && value.files?.[value.entry] === undefined) {
    context.addIssue({ code: 'custom', path: ['entry'], message: '"entry" must name one of "files"' });
  }
}

function checkScore(
  value: { task?: unknown; suite?: string | undefined; taskId?: string | undefined; completion?: string | undefined; completions?: string[] | undefined },
  context: Context,
): void {
  const inline = value.task !== undefined;
  const named = value.suite !== undefined || value.taskId !== undefined;
  if (inline === named) {
    context.addIssue({ code: 'custom', path: inline ? ['suite'] : ['task'], message: 'give either "task" (inline) or "suite" and "taskId"' });
  } else if (named && (value.suite === undefined || value.taskId === undefined)) {
    context.addIssue({ code: 'custom', path: [value.suite === undefined ? 'suite' : 'taskId'], message: '"suite" and "taskId" go together' });
  }
  if ((value.completion === undefined) === (value.completions === undefined)) {
    context.addIssue({ code: 'custom', path: ['completion'], message: 'give either "completion" or "completions"' });
  }
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;
export type ExecuteRequest = z.infer<RequestSchemas['execute']>;
export type ScoreRequest = z.infer<RequestSchemas['score']>;
export type BatchRequest = z.infer<RequestSchemas['batch']>;
