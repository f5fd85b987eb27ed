import { z } from 'zod';
import { answerScorerSchema } from '../../scoring/answer-scorers.ts';
import { anchoredRegex } from '../../scoring/regex-pattern.ts';

/**
 * The scorers of agent and answer tasks as written in task files (`scorers:` and `scoring:`).
 * Each entry of `scorers` holds exactly one kind (`answer`, `file`, `command`, `trajectory`,
 * `judge`, `custom`), with an optional `weight` and `name`.
 */

/** The kinds of scorer a task may list, in the order the messages name them. */
export const SCORER_KINDS = ['answer', 'file', 'command', 'trajectory', 'judge', 'custom'] as const;
export type ScorerKind = (typeof SCORER_KINDS)[number];

const REGEX_FLAGS = z.string().regex(/^[imsu]*$/, 'flags are among i, m, s, u');

/** Adds an issue at `path` when `pattern` (with `flags`) does not compile. */
function checkPattern(pattern: string, flags: string, path: PropertyKey[], context: z.RefinementCtx): void {
  try {
    anchoredRegex(pattern, flags);
  } catch (error) {
    context.addIssue({ code: 'custom', path, message: `the pattern does not compile: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/** A relative path inside the work directory: no leading `/`, no `..` or empty parts. */
const workPathSchema = z
  .string()
  .min(1)
  .refine((path) => !path.startsWith('/') && !path.split(/[\\/]/).some((part) => part === '..' || part === ''), {
    message: 'a path relative to the work directory, without .. or empty parts',
  });

/** Checks of one file of the sandbox's work directory after the episode (exactly one check). */
export const fileCheckSchema = z
  .strictObject({
    /** The file, relative to the work directory. */
    path: workPathSchema,
    /** `true`: the file must exist (as a regular file); `false`: it must not. */
    exists: z.boolean().optional(),
    /** The file's text equals this (one final newline on either side is ignored). */
    equals: z.string().optional(),
    /** The file's text contains this. */
    contains: z.string().optional(),
    /** The whole text (less one final newline) matches this pattern, under a deadline. */
    regex: z.string().min(1).optional(),
    /** Flags of `regex`. */
    flags: REGEX_FLAGS.optional(),
    /** Most bytes read from the file (default 1 MiB); a larger file fails the content checks. */
    maxBytes: z.int().positive().max(16 * 1024 * 1024).optional(),
  })
  .superRefine((check, context) => {
    const given = (['exists', 'equals', 'contains', 'regex'] as const).filter((key) => check[key] !== undefined);
    if (given.length !== 1) {
      context.addIssue({
        code: 'custom',
        message: given.length === 0 ? 'a file check needs one of exists, equals, contains, regex' : `a file check takes one of exists, equals, contains, regex (found ${given.join(' and ')})`,
      });
    }
    if (check.flags !== undefined && check.regex === undefined) context.addIssue({ code: 'custom', path: ['flags'], message: 'flags go with regex' });
    if (check.regex !== undefined) checkPattern(check.regex, check.flags ?? '', ['regex'], context);
  });
export type FileCheck = z.infer<typeof fileCheckSchema>;

/** A checker command run with `bash -c` in the sandbox after the episode; exit 0 passes. */
export const commandCheckSchema = z.strictObject({
  /** The command line (bash). */
  run: z.string().min(1).refine((run) => !run.includes('\0'), { message: 'a command cannot hold a NUL character' }),
  /** Wall-clock limit (default 30,000 ms). */
  timeoutMs: z.int().positive().max(300_000).optional(),
  /** Cap on its captured output (default 64 KiB); the output only explains a failure. */
  maxOutputBytes: z.int().positive().max(16 * 1024 * 1024).optional(),
});
export type CommandCheck = z.infer<typeof commandCheckSchema>;

/** An expected argument value given as a pattern: the string value contains a match. */
export const argumentPatternSchema = z.strictObject({
  /** A regular expression searched for in the argument's string value. */
  pattern: z.string().min(1),
  flags: REGEX_FLAGS.optional(),
});
export type ArgumentPattern = z.infer<typeof argumentPatternSchema>;

/** One tool call the trajectory expects. */
export const expectedCallSchema = z
  .strictObject({
    /** The tool's name. */
    tool: z.string().min(1),
    /**
     * Arguments that must match; arguments not named here are free. Each value is a literal
     * (deep-equal; numbers within 1e-9) or `{ pattern: "regex" }` searched in a string value.
     */
    arguments: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((call, context) => {
    for (const [name, value] of Object.entries(call.arguments)) {
      if (!isPatternShaped(value)) continue;
      const parsed = argumentPatternSchema.safeParse(value);
      if (!parsed.success) {
        context.addIssue({ code: 'custom', path: ['arguments', name], message: `a pattern is { pattern: "regex", flags?: "imsu" }: ${parsed.error.issues[0]?.message}` });
        continue;
      }
      checkPattern(parsed.data.pattern, parsed.data.flags ?? '', ['arguments', name, 'pattern'], context);
    }
  });
export type ExpectedCall = z.infer<typeof expectedCallSchema>;

/**
 * Whether an expected argument value is a pattern rather than a literal: an object whose
 * `pattern` is a string. (A literal object with a string `pattern` field cannot be expected.)
 */
export function isPatternShaped(value: unknown): value is { pattern: string; flags?: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { pattern?: unknown }).pattern === 'string';
}

/** The tool calls an episode must make. */
export const trajectoryCheckSchema = z.strictObject({
  /** The expected calls must be made in this order (other calls may come between them). */
  ordered: z.boolean().default(false),
  /** No call to the named tools beyond the expected ones (precision must be 1). */
  exact: z.boolean().default(false),
  calls: z.array(expectedCallSchema).min(1),
});
export type TrajectoryCheck = z.infer<typeof trajectoryCheckSchema>;
export type TrajectoryCheckInput = z.input<typeof trajectoryCheckSchema>;

/** A rubric judged by a judge model, criterion by criterion. */
export const judgeCheckSchema = z.strictObject({
  /** The criteria, each judged pass or fail. */
  rubric: z.array(z.string().min(1)).min(1),
  /** Passes when the fraction of criteria met is at least this (default 1: all of them). */
  threshold: z.number().min(0).max(1).default(1),
});
export type JudgeCheck = z.infer<typeof judgeCheckSchema>;

/** Where the custom scorer's default export is written: at the start of a line. */
export const DEFAULT_EXPORT = /^export\s+default\b/gm;

/** A scorer written in JavaScript, run in an isolate. */
export const customCheckSchema = z.strictObject({
  /**
   * An ES module whose default export (written `export default` at the start of a line) is a
   * function of `{ answer, episode, files }` returning `{ pass, score?, reason? }`, or a promise
   * of it.
   */
  code: z
    .string()
    .min(1)
    .refine((code) => (code.match(DEFAULT_EXPORT) ?? []).length === 1, {
      message: 'the code needs exactly one `export default` at the start of a line',
    }),
  /** Work-directory files the function receives as text in `files` (null for a file that cannot be read). */
  files: z.array(workPathSchema).default([]),
  /** Wall-clock and CPU limit of the run (default 5,000 ms). */
  timeoutMs: z.int().positive().max(60_000).optional(),
  /** Memory limit of the isolate (default 128 MiB). */
  memoryBytes: z.int().positive().max(1024 * 1024 * 1024).optional(),
});
export type CustomCheck = z.infer<typeof customCheckSchema>;

const common = {
  /** Weight in the weighted mean (default 1; 0 reports the scorer without counting it in the score). */
  weight: z.number().nonnegative().max(1000).optional(),
  /** A label for reports (default: the file, the command, …). */
  name: z.string().min(1).max(200).optional(),
};

/**
 * One scorer of a task: exactly one of `answer`, `file`, `command`, `trajectory`, `judge`,
 * `custom`, with an optional `weight` and `name`. One object with every kind optional rather
 * than a union, so a mistake inside an entry is reported at its own field.
 */
export const taskScorerSchema = z
  .strictObject({
    ...common,
    /** Scores the final answer (`equals`, `includes`, `regex`, `number`, `f1`, `choice`). */
    answer: answerScorerSchema.optional(),
    /** Checks a file of the sandbox after the episode. */
    file: fileCheckSchema.optional(),
    /** Runs a checker command in the sandbox after the episode. */
    command: commandCheckSchema.optional(),
    /** Compares the episode's tool calls with expected ones. */
    trajectory: trajectoryCheckSchema.optional(),
    /** Asks a judge model about a rubric. */
    judge: judgeCheckSchema.optional(),
    /** Runs the task's own JavaScript scorer in an isolate. */
    custom: customCheckSchema.optional(),
  })
  .superRefine((scorer, context) => {
    const kinds = SCORER_KINDS.filter((kind) => scorer[kind] !== undefined);
    if (kinds.length !== 1) {
      context.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? `a scorer needs one of ${SCORER_KINDS.join(', ')}`
            : `one scorer per entry: found ${kinds.join(' and ')} (list them as separate entries)`,
      });
    }
  });
export type TaskScorer = z.infer<typeof taskScorerSchema>;
export type TaskScorerInput = z.input<typeof taskScorerSchema>;

/** A task's scorers: at least one, and at least one that counts (weight above 0). */
export const taskScorersSchema = z
  .array(taskScorerSchema)
  .min(1, 'a task needs at least one scorer')
  .refine((scorers) => scorers.length === 0 || scorers.some((scorer) => (scorer.weight ?? 1) > 0), { message: 'at least one scorer must have a weight above 0' });

/** The kind of a parsed scorer entry. */
export function scorerKind(scorer: TaskScorer): ScorerKind {
  const kind = SCORER_KINDS.find((candidate) => scorer[candidate] !== undefined);
  if (kind === undefined) throw new RangeError('not a scorer entry (parse it with taskScorerSchema)');
  return kind;
}

/**
 * How the scorers' components make one verdict:
 * - `all` (the default): the sample passes when every component passes; its score is the weighted mean;
 * - `weighted`: its score is the weighted mean, and it passes when the score is at least `threshold`.
 */
export const scoringPolicySchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('all') }),
    z.strictObject({
      mode: z.literal('weighted'),
      /** The least weighted mean score that passes. */
      threshold: z.number().min(0).max(1),
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'scoring is { mode: all } or { mode: weighted, threshold: 0…1 }' : undefined) },
);
export type ScoringPolicy = z.infer<typeof scoringPolicySchema>;
