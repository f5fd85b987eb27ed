import { Ajv, type ValidateFunction } from 'ajv';
import { SandboxError } from '../errors/sandbench-error.ts';
import type { ModelTool } from '../models/model.ts';
import type { ExecutionLimitsInput } from '../schemas/limits.ts';
import type { BuiltInToolName, CustomTool, TaskTool, ToolLimits } from './agent-task-schema.ts';
import type { EpisodeSandboxes } from './episode-sandboxes.ts';
import { commandOutcome, type ToolOutcome } from './tool-output.ts';

/** What a tool call runs with. */
export interface ToolCallContext {
  sandboxes: EpisodeSandboxes;
  /** Limits of this call (the task's tool limits, the remaining episode time). */
  limits: ToolLimits;
  signal: AbortSignal;
}

/** A tool of an episode: what the model is told, how its arguments are checked, how it runs. */
export interface EpisodeTool {
  definition: ModelTool;
  /** Checks parsed arguments against the tool's JSON Schema; `undefined` when they fit, else why not. */
  check(input: unknown): string | undefined;
  run(input: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutcome>;
}

/** Bytes of `code` for `python`, kept well under Linux's limit on one argument (128 KiB). */
const MAX_ARGUMENT_BYTES = 100 * 1024;

const stringArgument = (description: string) => ({ type: 'string', description });

/** The built-in tools' descriptions and argument schemas (these names and argument names are the contract). */
const BUILT_IN: Record<BuiltInToolName, { description: string; parameters: Record<string, unknown> }> = {
  bash: {
    description: 'Run a bash command in the work directory of your sandbox (no network). Files persist between calls; processes do not.',
    parameters: { type: 'object', properties: { command: stringArgument('The command line.') }, required: ['command'] },
  },
  python: {
    description: 'Run a Python 3 program in the work directory of your sandbox; what it prints is the result.',
    parameters: { type: 'object', properties: { code: stringArgument('The program.') }, required: ['code'] },
  },
  javascript: {
    description: 'Evaluate JavaScript in a persistent context (globals survive between calls); what it prints with console.log is the result.',
    parameters: { type: 'object', properties: { code: stringArgument('The script.') }, required: ['code'] },
  },
  read_file: {
    description: 'Read a text file (a path relative to the work directory, or absolute).',
    parameters: { type: 'object', properties: { path: stringArgument('The file.') }, required: ['path'] },
  },
  write_file: {
    description: 'Write a text file, creating its folders (a path relative to the work directory, or absolute).',
    parameters: {
      type: 'object',
      properties: { path: stringArgument('The file.'), content: stringArgument('Its whole new content.') },
      required: ['path', 'content'],
    },
  },
  list_files: {
    description: 'List a folder (default: the work directory) with sizes and types.',
    parameters: { type: 'object', properties: { path: stringArgument('The folder (default ".").') } },
  },
  submit: {
    description: 'Submit your final answer. This ends the task.',
    parameters: { type: 'object', properties: { answer: stringArgument('The final answer.') }, required: ['answer'] },
  },
};

/** The arguments of a call as the sandbox takes them: per-call limits from the task's tool limits. */
function callLimits(limits: ToolLimits, own?: ExecutionLimitsInput): ExecutionLimitsInput {
  return { timeoutMs: limits.timeoutMs, cpuTimeMs: limits.timeoutMs, ...own };
}

async function runCommand(context: ToolCallContext, argv: string[], stdin?: string, own?: ExecutionLimitsInput): Promise<ToolOutcome> {
  const session = context.sandboxes.session;
  if (!session?.runCommand) throw new SandboxError('this episode has no container for command tools');
  const result = await session.runCommand({ argv, ...(stdin === undefined ? {} : { stdin }), limits: callLimits(context.limits, own), signal: context.signal });
  return commandOutcome(result);
}

function text(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

/** How each built-in tool runs. `submit` is handled by the loop itself. */
const BUILT_IN_RUN: Record<BuiltInToolName, EpisodeTool['run']> = {
  bash: (input, context) => runCommand(context, ['bash', '-c', text(input, 'command')]),
  python: async (input, context) => {
    const code = text(input, 'code');
    if (Buffer.byteLength(code) > MAX_ARGUMENT_BYTES) {
      return { status: 'invalid-arguments', output: `the program is longer than ${MAX_ARGUMENT_BYTES} bytes: write it to a file with write_file and run it with bash` };
    }
    return runCommand(context, ['python3', '-c', code]);
  },
  javascript: async (input, context) => {
    const session = await context.sandboxes.script();
    if (!session.evaluate) throw new SandboxError('the isolate session cannot evaluate code');
    const result = await session.evaluate({ code: text(input, 'code'), limits: callLimits(context.limits), signal: context.signal });
    return commandOutcome(result);
  },
  read_file: (input, context) => runCommand(context, ['cat', '--', text(input, 'path')]),
  write_file: async (input, context) => {
    const path = text(input, 'path');
    const content = text(input, 'content');
    const outcome = await runCommand(context, ['sh', '-c', 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"', 'write_file', path], content);
    return outcome.status === 'ok' ? { ...outcome, output: `wrote ${Buffer.byteLength(content)} bytes to ${path}` } : outcome;
  },
  list_files: (input, context) => runCommand(context, ['ls', '-la', '--', typeof input.path === 'string' && input.path !== '' ? input.path : '.']),
  submit: async () => ({ status: 'ok', output: 'submitted' }),
};

/**
 * The program that runs a custom JavaScript tool in the isolate: the task's function applied to
 * the arguments, its (awaited) result printed as one JSON line after a marker the function's own
 * output cannot end with.
 */
function javascriptToolProgram(code: string, input: Record<string, unknown>, marker: string): string {
  return [
    `const __sandbenchTool = (\n${code}\n);`,
    `const __sandbenchInput = JSON.parse(${JSON.stringify(JSON.stringify(input))});`,
    'Promise.resolve().then(() => __sandbenchTool(__sandbenchInput)).then(',
    `  (value) => { console.log(${JSON.stringify(marker)} + JSON.stringify({ value: value === undefined ? null : value })); },`,
    '  (error) => { console.error(error instanceof Error ? error.message : String(error)); throw error; },',
    ');',
  ].join('\n');
}

function customRun(tool: CustomTool): EpisodeTool['run'] {
  if (tool.command !== undefined) {
    const command = tool.command;
    return (input, context) => runCommand(context, ['bash', '-c', command], JSON.stringify(input), tool.limits);
  }
  const code = tool.javascript!;
  return async (input, context) => {
    const isolate = await context.sandboxes.isolate();
    const marker = `\u0000sandbench-tool-result:${Math.random().toString(36).slice(2)}:`;
    const result = await isolate.run({
      language: 'javascript',
      source: javascriptToolProgram(code, input, marker),
      limits: callLimits(context.limits, tool.limits),
      signal: context.signal,
    });
    const at = result.stdout.lastIndexOf(marker);
    if (result.status !== 'ok' || at < 0) {
      const outcome = commandOutcome(result);
      return outcome.status === 'ok' ? { status: 'error', output: `the tool returned nothing\n${outcome.output}` } : outcome;
    }
    const value = (JSON.parse(result.stdout.slice(at + marker.length)) as { value: unknown }).value;
    return { status: 'ok', output: typeof value === 'string' ? value : JSON.stringify(value), exitCode: 0 };
  };
}

/** Validators compile once per schema text: a run asks the same task many times. */
const validators = new Map<string, ValidateFunction>();
const ajv = new Ajv({ strict: false, allErrors: false });

function checker(parameters: Record<string, unknown>): EpisodeTool['check'] {
  const key = JSON.stringify(parameters);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(parameters);
    validators.set(key, validate);
  }
  const compiled = validate;
  return (input) => {
    if (compiled(input)) return undefined;
    const error = compiled.errors?.[0];
    return error ? `${error.instancePath || 'arguments'} ${error.message ?? 'are invalid'}` : 'the arguments are invalid';
  };
}

/** The episode's tools by name, in the task's order. */
export function episodeTools(tools: readonly TaskTool[]): Map<string, EpisodeTool> {
  const built = new Map<string, EpisodeTool>();
  for (const entry of tools) {
    if (typeof entry === 'string') {
      const { description, parameters } = BUILT_IN[entry];
      built.set(entry, { definition: { name: entry, description, inputSchema: parameters }, check: checker(parameters), run: BUILT_IN_RUN[entry] });
    } else {
      built.set(entry.name, {
        definition: { name: entry.name, description: entry.description, inputSchema: entry.parameters },
        check: checker(entry.parameters),
        run: customRun(entry),
      });
    }
  }
  return built;
}
