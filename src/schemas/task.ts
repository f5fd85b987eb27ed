import { z } from 'zod';
import {
  agentBudgetSchema,
  approvalPolicySchema,
  referenceCallSchema,
  taskToolSchema,
  toolLimitsSchema,
  toolNames,
} from '../agents/agent-task-schema.ts';
import { scoringPolicySchema, taskScorersSchema } from '../agents/scorers/scorer-schema.ts';
import { anchoredRegex } from '../scoring/regex-pattern.ts';
import { executionLimitsInputSchema } from './limits.ts';
import { COMPARATOR_NAMES, LANGUAGES, SANDBOX_NAMES, TYPESCRIPT_TARGETS } from './names.ts';

export { COMPARATOR_NAMES };

/** Languages sandbench knows how to run. Which backend serves which is up to the runtimes. */
export const languageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof languageSchema>;

/**
 * How an I/O test compares actual to expected stdout:
 * - `exact`: byte-for-byte;
 * - `trim`: ignore trailing whitespace on every line and trailing blank lines;
 * - `whitespace`: compare the sequences of whitespace-separated tokens;
 * - `float`: tokens equal, numeric tokens within `absTolerance` or `relTolerance`;
 * - `regex`: the expected text is a regular expression that must match the whole output
 *   (after trimming a final newline);
 * - `contains`: the output contains the expected text;
 * - `sandboxfusion`: SandboxFusion's stdio check (CodeContests, APPS): both outputs trimmed
 *   and split into lines (one trailing empty line tolerated), equal line counts, each line
 *   trimmed and compared case-insensitively, a line that reads as a number on both sides
 *   within a relative difference below 1e-5 of the expected value.
 */
export const comparatorSchema = z.union([
  z.enum(COMPARATOR_NAMES),
  z
    .object({
      type: z.literal('float'),
      /** Largest absolute difference accepted. */
      absTolerance: z.number().nonnegative().default(1e-6),
      /** Largest relative difference accepted. */
      relTolerance: z.number().nonnegative().default(1e-6),
    })
    .strict(),
  z
    .object({
      type: z.literal('regex'),
      /** Regular expression flags (e.g. `i`, `s`, `m`). */
      flags: z.string().regex(/^[imsu]*$/, 'flags are letters among i, m, s, u').default(''),
    })
    .strict(),
], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `expected a comparator: one of ${COMPARATOR_NAMES.join(', ')}, or { type: float, absTolerance, relTolerance }, or { type: regex, flags }`
      : undefined,
});
export type Comparator = z.infer<typeof comparatorSchema>;

/** An I/O test: feed `stdin` to the program, compare its stdout with `stdout`. */
export const ioTestSchema = z
  .object({
    kind: z.literal('io'),
    /** Name shown in reports. */
    name: z.string().optional(),
    /** Standard input. */
    stdin: z.string().default(''),
    /** Expected standard output (a pattern for the `regex` comparator). */
    stdout: z.string(),
    /** Comparator for this test; defaults to the task's, then `trim`. */
    comparator: comparatorSchema.optional(),
  })
  .strict();
export type IoTest = z.infer<typeof ioTestSchema>;

/**
 * A program test (HumanEval style): `code` is appended to the candidate program and the whole
 * runs; it passes when it runs to completion without error within limits.
 */
export const programTestSchema = z
  .object({
    kind: z.literal('program'),
    name: z.string().optional(),
    /** Test code appended after the candidate (e.g. `def check(...)...\ncheck(f)`). */
    code: z.string(),
    /**
     * `exit-zero`: passes when the program ends normally.
     * `exit-zero-silent`: also requires empty stdout and stderr (HumanEval-X: `console.assert`
     * prints instead of throwing, so any output is a failure).
     */
    passWhen: z.enum(['exit-zero', 'exit-zero-silent']).default('exit-zero'),
    /**
     * The exit code by which the test code says the answer's result is wrong (APPS call-based
     * tests): a run that ends with it is `failed`, its reason the last line of stderr, rather than
     * `runtime-error`. Absent: every failing exit is a runtime error.
     */
    wrongAnswerExitCode: z.number().int().min(1).max(255).optional(),
  })
  .strict();
export type ProgramTest = z.infer<typeof programTestSchema>;

export const testCaseSchema = z.discriminatedUnion('kind', [ioTestSchema, programTestSchema]);
export type TestCase = z.infer<typeof testCaseSchema>;

/** How TypeScript is turned into JavaScript for a task (transpile only, never type-checked). */
export const typescriptOptionsSchema = z
  .object({
    /** Emit target. `es5` reproduces harnesses that ran `tsc --target es5`. */
    target: z.enum(TYPESCRIPT_TARGETS).default('es2022'),
    /** Module format of the emitted code. `commonjs` makes `import … from 'assert'` a `require`. */
    module: z.enum(['commonjs', 'esm']).default('commonjs'),
    /**
     * Run what the compiler emitted even when it reported syntax errors, as `tsc` does (it emits
     * JavaScript unless told not to): mxeval runs `tsc` and then `node` on the output whatever
     * tsc reported. Absent or false: any diagnostic is a compile error.
     */
    emitOnError: z.boolean().optional(),
  })
  .strict();
export type TypescriptOptions = z.infer<typeof typescriptOptionsSchema>;

/**
 * Message templates that replace the prompt style's defaults for a task (or, in a suite's
 * `defaults`, for every task). Placeholders: `{prompt}`, `{language}`, `{language_tag}`,
 * `{code_prefix}`, `{entry_point}`, `{starter_code}`; any other `{word}` stays as written.
 */
export const promptTemplateSchema = z
  .object({
    /** The system message. */
    system: z.string().optional(),
    /** The user message. */
    user: z.string().optional(),
  })
  .strict();
export type PromptTemplate = z.infer<typeof promptTemplateSchema>;

/** Which sandbox backend a task prefers. */
export const sandboxNameSchema = z.enum(SANDBOX_NAMES);
export type SandboxName = z.infer<typeof sandboxNameSchema>;

/** The fields of a task; `taskSchema` adds the checks that span fields. */
export const taskObjectSchema = z
  .object({
    /** Unique id within the suite. */
    id: z.string().min(1),
    /**
     * `code` (the default): the model writes code that the tests run. `agent`: the model works
     * with tools in a sandbox over several turns and the scorers judge the outcome. `answer`: the
     * model's text is the answer the scorers judge (no tools, no sandbox).
     */
    kind: z.enum(['code', 'agent', 'answer']).default('code'),
    /** What the model sees. */
    prompt: z.string().min(1),
    /**
     * Code tasks: the program's language. Agent tasks: the runtime whose image hosts the episode
     * (`python`: bash and python3). Answer tasks need none (it reads `javascript`: the isolate,
     * where custom scorers run).
     */
    language: languageSchema.optional(),
    /** Agent and answer tasks: the system prompt (the run's `--system` wins). */
    system: z.string().optional(),
    /** Agent tasks: files placed in the episode's work directory before the first turn (relative path → text). */
    files: z.record(z.string(), z.string()).optional(),
    /** Agent tasks: the tools the model may call, built-in by name or custom. */
    tools: z.array(taskToolSchema).optional(),
    /** Agent tasks: what the episode may spend (turns, tool calls, tokens, time). */
    budget: agentBudgetSchema.optional(),
    /** Agent tasks: limits of each tool call. */
    toolLimits: toolLimitsSchema.optional(),
    /** Agent tasks: which tool calls may run (the run config's policy is checked first). */
    approval: approvalPolicySchema.optional(),
    /** Agent and answer tasks: how the outcome is judged (several scorers combine into one verdict). */
    scorers: taskScorersSchema.optional(),
    /** Agent and answer tasks: how the scorers combine (default: every one must pass). */
    scoring: scoringPolicySchema.optional(),
    /**
     * Agent tasks: tool calls the `reference` model makes, one per turn, before it submits
     * `reference` (so that `validate` can check scorers of files and trajectories).
     */
    referenceCalls: z.array(referenceCallSchema).optional(),
    /**
     * Code placed before the completion in the program that runs. HumanEval-style tasks set it
     * to the prompt, because the model continues the function the prompt begins.
     */
    codePrefix: z.string().default(''),
    /** Starter code shown to the model. */
    starterCode: z.string().optional(),
    /** Name of the function under test, when there is one. */
    entryPoint: z.string().optional(),
    /** Code tasks: at least one test. */
    tests: z.array(testCaseSchema).default([]),
    /** Default comparator for this task's I/O tests. */
    comparator: comparatorSchema.optional(),
    /**
     * Stop at the first test that does not pass (contest sets have hundreds of tests): the tests
     * after it get the verdict `not-run`, which fails the sample as any other verdict but
     * `passed` does. Absent or false: every test runs.
     */
    stopAtFirstFailure: z.boolean().optional(),
    /** A known-good completion (what the `reference` model answers). */
    reference: z.string().optional(),
    /** Limits for the run step and the compile step, on top of the runtime's defaults. */
    limits: z
      .object({
        run: executionLimitsInputSchema.optional(),
        compile: executionLimitsInputSchema.optional(),
      })
      .strict()
      .optional(),
    /** TypeScript transpile options (TypeScript tasks only). */
    typescript: typescriptOptionsSchema.optional(),
    /**
     * A named variant of the language's runtime profile (`variants` in
     * `sandboxes/<language>/profile.json`): the compile flags and test layout of a dataset's
     * harness, e.g. `humaneval-x` for C++ (`g++ -std=c++11`), Go (`go test`), Rust (`--test`).
     */
    runtimeVariant: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name').optional(),
    /**
     * Cut applied to a continuation before it joins the code prefix, as the dataset's harness
     * does: `python-top-level` keeps the lines before the first non-blank line that starts in
     * column 0 (HumanEval-X Python drops what follows the function).
     */
    completionCut: z.enum(['python-top-level']).optional(),
    /**
     * Imports rebuilt from the completion (HumanEval-X Go): the program starts with `header`,
     * then an import block of each package in `packages` whose path `header` does not contain
     * and whose last path element followed by `.` occurs in the completion, then the code prefix.
     * With no `packages`, `header` and a newline start every program, unseen by the model and
     * kept by answers that replace the code prefix (APPS call-based: its import header).
     */
    importHelper: z
      .object({
        /** Text before the import block (Go: the package clause and the test's imports). */
        header: z.string(),
        /** Candidate import paths, in upstream's order. */
        packages: z.array(z.string().min(1)),
      })
      .strict()
      .optional(),
    /** Templates of the messages sent to provider models (see `promptTemplateSchema`). */
    promptTemplate: promptTemplateSchema.optional(),
    /** Preferred backend; the CLI's `--sandbox` overrides it. */
    sandbox: sandboxNameSchema.optional(),
    /**
     * `private` tasks are held out: `report --public` counts their scores in the totals but shows
     * none of their content (prompt, answers, outputs, per-task rows). Absent means `public`.
     */
    split: z.enum(['public', 'private']).optional(),
    tags: z.array(z.string()).default([]),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

type TaskFields = z.infer<typeof taskObjectSchema>;

/** Fields only agent and answer tasks take, and those only agent tasks take. */
const EPISODE_FIELDS = ['system', 'scorers', 'scoring'] as const;
const AGENT_FIELDS = ['files', 'tools', 'budget', 'toolLimits', 'approval', 'referenceCalls'] as const;

/** The rules of each kind: what it needs, what it refuses. */
function checkKind(task: TaskFields, context: z.RefinementCtx): void {
  const issue = (path: Array<string | number>, message: string): void => context.addIssue({ code: 'custom', path, message });
  if (task.kind === 'code') {
    if (task.language === undefined) issue(['language'], 'a code task needs a language');
    if (task.tests.length === 0) issue(['tests'], 'a code task needs at least one test');
    for (const field of [...EPISODE_FIELDS, ...AGENT_FIELDS]) {
      if (task[field] !== undefined) issue([field], `'${field}' belongs to agent and answer tasks (set kind: agent or kind: answer)`);
    }
    return;
  }
  if (task.tests.length > 0) issue(['tests'], `a ${task.kind} task is judged by its scorers, not tests`);
  if (!task.scorers || task.scorers.length === 0) issue(['scorers'], `a ${task.kind} task needs at least one scorer`);
  if (task.kind === 'answer') {
    for (const field of AGENT_FIELDS) {
      if (task[field] !== undefined) issue([field], `'${field}' belongs to agent tasks (an answer task has no tools or sandbox)`);
    }
    return;
  }
  if (task.language === undefined) issue(['language'], 'an agent task needs a language: the runtime whose image hosts its episode (python gives bash and python3)');
  for (const path of Object.keys(task.files ?? {})) {
    if (path === '' || path.startsWith('/') || path.split(/[\\/]/).some((part) => part === '..' || part === '')) {
      issue(['files', path], 'a file path is relative to the work directory, without .. or empty parts');
    }
  }
  const names = toolNames(task.tools ?? []);
  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    if (seen.has(name)) issue(['tools', index], `tool '${name}' is listed twice (a custom tool cannot take a built-in tool's name)`);
    seen.add(name);
  }
  for (const [index, call] of (task.referenceCalls ?? []).entries()) {
    if (!seen.has(call.tool)) issue(['referenceCalls', index, 'tool'], `the reference calls '${call.tool}', which is not among the task's tools (${names.join(', ') || 'none'})`);
  }
}

/**
 * A task. Beyond the fields' own rules: every I/O test whose comparator (its own, else the
 * task's) is `regex` must hold a pattern that compiles, so a broken pattern is refused when the
 * file loads rather than failing every answer.
 */
export const taskSchema = taskObjectSchema.superRefine((task, context) => {
  checkKind(task, context);
  for (const [index, test] of task.tests.entries()) {
    if (test.kind !== 'io') continue;
    const comparator = test.comparator ?? task.comparator;
    const isRegex = comparator === 'regex' || (typeof comparator === 'object' && comparator.type === 'regex');
    if (!isRegex) continue;
    const flags = typeof comparator === 'object' && comparator.type === 'regex' ? comparator.flags : '';
    try {
      anchoredRegex(test.stdout, flags);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        path: ['tests', index, 'stdout'],
        message: `the regex comparator's pattern does not compile: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
}).transform((task) => ({ ...task, language: task.language ?? ('javascript' as const) }));
export type Task = z.infer<typeof taskSchema>;
/** A task as written in a file, before defaults are applied. */
export type TaskInput = z.input<typeof taskSchema>;
