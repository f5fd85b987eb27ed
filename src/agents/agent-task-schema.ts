import { Ajv } from 'ajv';
import { z } from 'zod';
import { executionLimitsInputSchema } from '../schemas/limits.ts';

/**
 * The fields of agent and answer tasks: tools, budgets, tool limits, the approval policy and
 * what the reference model plays. The task schema (src/schemas/task.ts) composes them.
 */

/** The tools sandbench provides, with exactly these names and argument names. */
export const BUILT_IN_TOOL_NAMES = ['bash', 'python', 'javascript', 'read_file', 'write_file', 'list_files', 'submit'] as const;
export type BuiltInToolName = (typeof BUILT_IN_TOOL_NAMES)[number];

/** What every provider accepts as a function name. */
const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** A JSON Schema that compiles (checked with ajv, which later validates the arguments). */
export const jsonSchemaObjectSchema = z.record(z.string(), z.unknown()).superRefine((schema, context) => {
  try {
    new Ajv({ strict: false }).compile(schema);
  } catch (error) {
    context.addIssue({ code: 'custom', message: `not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (schema.type !== undefined && schema.type !== 'object') {
    context.addIssue({ code: 'custom', path: ['type'], message: "a tool's parameters must be an object schema (type: object)" });
  }
});

/**
 * A tool the task defines. Its implementation is one of:
 * - `javascript`: a module whose default export is a function of the arguments (sync or async)
 *   returning the result (a string, or any JSON value, sent back as JSON); it runs in an isolate,
 *   with no host access;
 * - `command`: a shell command run with `bash -c` in the episode's container, the arguments as
 *   JSON on its standard input; its standard output is the result, a non-zero exit an error.
 */
export const customToolSchema = z
  .strictObject({
    name: z.string().regex(TOOL_NAME, 'a tool name is a letter then up to 63 letters, digits, _ or -'),
    description: z.string().min(1),
    /** JSON Schema of the arguments (an object schema); arguments are validated against it before the tool runs. */
    parameters: jsonSchemaObjectSchema.default({ type: 'object', properties: {} }),
    javascript: z.string().min(1).optional(),
    command: z.string().min(1).optional(),
    /** Limits of one call (timeout, memory, output), over the task's `toolLimits`. */
    limits: executionLimitsInputSchema.optional(),
  })
  .superRefine((tool, context) => {
    if ((tool.javascript === undefined) === (tool.command === undefined)) {
      context.addIssue({ code: 'custom', message: `tool '${tool.name}' needs exactly one implementation: javascript or command` });
    }
  });
export type CustomTool = z.infer<typeof customToolSchema>;

/** A tool entry of a task: a built-in tool's name, or a custom tool. */
export const taskToolSchema = z.union([z.enum(BUILT_IN_TOOL_NAMES), customToolSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `expected a built-in tool (${BUILT_IN_TOOL_NAMES.join(', ')}) or a custom tool { name, description, parameters, javascript | command }` : undefined,
});
export type TaskTool = z.infer<typeof taskToolSchema>;

/** What an episode may spend; it stops, saying which ran out, at the first one reached. */
export const agentBudgetSchema = z.strictObject({
  /** Model answers (default 20). */
  maxTurns: z.int().positive().max(1000).default(20),
  /** Tool calls run over the episode (default 50). */
  maxToolCalls: z.int().positive().max(10_000).default(50),
  /** Input plus output tokens over every turn, as the provider reports them (default 200,000). */
  maxTokens: z.int().positive().default(200_000),
  /** Wall-clock time of the whole episode, model and tools (default 300,000 ms). */
  timeoutMs: z.int().positive().max(3_600_000).default(300_000),
});
export type AgentBudget = z.infer<typeof agentBudgetSchema>;

/** Limits of each tool call. */
export const toolLimitsSchema = z.strictObject({
  /** Wall-clock limit of one call (default 10,000 ms). */
  timeoutMs: z.int().positive().max(300_000).default(10_000),
  /** Bytes of a call's output sent back to the model; more is cut, saying so (default 16,384). */
  maxOutputBytes: z.int().positive().max(1024 * 1024).default(16_384),
});
export type ToolLimits = z.infer<typeof toolLimitsSchema>;

/** One rule of an approval policy. */
export const approvalRuleSchema = z.strictObject({
  action: z.enum(['allow', 'deny']),
  /** Tool name(s) the rule is about; `*` for every tool. */
  tool: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /**
   * Argument patterns: the rule applies only when every named argument (as text; JSON for a
   * non-string value) contains a match of its regular expression.
   */
  arguments: z.record(z.string(), z.string()).optional(),
  /** Said to the model when the rule denies a call. */
  reason: z.string().optional(),
}).superRefine((rule, context) => {
  for (const [name, pattern] of Object.entries(rule.arguments ?? {})) {
    try {
      new RegExp(pattern, 'u');
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['arguments', name], message: `the pattern does not compile: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
});
export type ApprovalRule = z.infer<typeof approvalRuleSchema>;

/**
 * Which tool calls may run: the first rule that matches decides; without a match, `default`
 * (allow). The run config's policy is checked before the task's.
 */
export const approvalPolicySchema = z.strictObject({
  default: z.enum(['allow', 'deny']).default('allow'),
  rules: z.array(approvalRuleSchema).default([]),
});
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

/** A tool call the reference model makes (validating agent tasks whose scorers look at files or calls). */
export const referenceCallSchema = z.strictObject({
  tool: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).default({}),
});
export type ReferenceCall = z.infer<typeof referenceCallSchema>;

/** A task's tool list with every entry's name. */
export function toolNames(tools: readonly TaskTool[]): string[] {
  return tools.map((entry) => (typeof entry === 'string' ? entry : entry.name));
}
