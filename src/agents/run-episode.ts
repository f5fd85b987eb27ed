import type { Logger } from 'pino';
import { errorMessage } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import type { GenerateRequest, GenerateResponse, ModelMessage, ModelToolCall } from '../models/model.ts';
import type { Task } from '../schemas/task.ts';
import { agentBudgetSchema, toolLimitsSchema, type ApprovalPolicy } from './agent-task-schema.ts';
import { decideApproval } from './approval-policy.ts';
import type { EpisodeRecord, ModelTurnRecord, StopReason, ToolCallRecord } from './episode.ts';
import type { EpisodeSandboxes } from './episode-sandboxes.ts';
import { episodeTools } from './episode-tools.ts';
import { capToolOutput, type ToolOutcome } from './tool-output.ts';

export interface RunEpisodeOptions {
  task: Task;
  /** The episode's sandboxes, opened by the caller (who disposes them after scoring). */
  sandboxes: EpisodeSandboxes;
  /**
   * Asks the model. The loop fills `messages`, `tools`, `turn` and `signal`; the caller adds the
   * sampling parameters and routes the request (cache, concurrency lane).
   */
  ask: (request: Pick<GenerateRequest, 'messages' | 'tools' | 'turn' | 'signal'>) => Promise<GenerateResponse>;
  /** The conversation's first messages (system and the task's prompt). */
  messages: ModelMessage[];
  /** The run config's approval policy, checked before the task's. */
  approval?: ApprovalPolicy;
  /** Stops the episode (an interrupted run): the loop rethrows the signal's reason. */
  signal?: AbortSignal;
  logger?: Logger;
}

export interface EpisodeRun {
  episode: EpisodeRecord;
  /** The whole conversation: every message sent and answered, tool calls and results included. */
  messages: ModelMessage[];
}

/** Message for the model about a call that was not run. */
const NOT_RUN: Record<'skipped-submitted' | 'skipped-budget' | 'skipped-timeout', string> = {
  'skipped-submitted': 'not run: the answer was already submitted',
  'skipped-budget': 'not run: the episode has used all of its tool calls',
  'skipped-timeout': "not run: the episode's time is up",
};

function parseArguments(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text === '' ? '{}' : text);
  } catch (error) {
    return { ok: false, message: `the arguments are not valid JSON: ${errorMessage(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'the arguments must be a JSON object' };
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Run one episode: ask the model, run the tool calls it makes in the episode's sandboxes (in
 * order, parallel calls of one turn included), send the results back, until it submits, answers
 * without tools, or a budget runs out. Tool failures, invalid arguments, unknown tools and
 * denied calls go back to the model as data; a model fault ends the episode as `model-error`.
 * Engine faults (`SandboxError`) propagate: the sample is then a `sandbox-error`.
 */
export async function runEpisode(options: RunEpisodeOptions): Promise<EpisodeRun> {
  const { task } = options;
  const logger = options.logger ?? silentLogger;
  const budget = agentBudgetSchema.parse(task.budget ?? {});
  const toolLimits = toolLimitsSchema.parse(task.toolLimits ?? {});
  const tools = episodeTools(task.tools ?? []);
  const definitions = [...tools.values()].map((tool) => tool.definition);
  const started = performance.now();
  const deadline = AbortSignal.timeout(budget.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const messages = options.messages.map((message) => ({ ...message }));
  const turns: ModelTurnRecord[] = [];
  const calls: ToolCallRecord[] = [];
  const usage = { inputTokens: 0, outputTokens: 0 };
  let answer: string | null = null;
  let stop: StopReason | undefined;
  let message: string | undefined;
  const interrupted = (): boolean => options.signal?.aborted === true;

  for (let turn = 0; stop === undefined; turn += 1) {
    if (turn >= budget.maxTurns) {
      stop = 'max-turns';
      message = `the model used all ${budget.maxTurns} turns`;
      break;
    }
    if (deadline.aborted) {
      stop = 'timeout';
      break;
    }
    const asked = performance.now();
    let response: GenerateResponse;
    try {
      response = await options.ask({ messages: messages.map((entry) => ({ ...entry })), ...(definitions.length > 0 ? { tools: definitions } : {}), turn, signal });
    } catch (error) {
      if (interrupted()) throw options.signal!.reason;
      if (deadline.aborted) {
        stop = 'timeout';
        break;
      }
      logger.warn({ task: task.id, turn, err: error }, 'model error in an episode');
      stop = 'model-error';
      message = `model error: ${errorMessage(error)}`;
      break;
    }
    usage.inputTokens += response.usage.inputTokens;
    usage.outputTokens += response.usage.outputTokens;
    // Ids must be unique within the conversation: a model that repeats or omits them gets new ones.
    const seen = new Set(calls.map((call) => call.id));
    const toolCalls: ModelToolCall[] = response.toolCalls.map((call, index) => {
      const id = call.id && !seen.has(call.id) ? call.id : `call_${turn}_${index}`;
      seen.add(id);
      return { ...call, id };
    });
    turns.push({
      turn,
      text: response.text,
      toolCallIds: toolCalls.map((call) => call.id),
      usage: response.usage,
      finishReason: response.finishReason,
      durationMs: performance.now() - asked,
    });
    messages.push({ role: 'assistant', content: response.text, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
    if (toolCalls.length === 0) {
      stop = 'answered';
      answer = response.text;
      break;
    }

    let ended: 'skipped-submitted' | 'skipped-budget' | 'skipped-timeout' | undefined;
    for (const call of toolCalls) {
      const callStarted = performance.now();
      if (ended === undefined && calls.length >= budget.maxToolCalls) {
        ended = 'skipped-budget';
        stop = 'max-tool-calls';
        message = `the model made more than ${budget.maxToolCalls} tool calls`;
      }
      if (ended === undefined && deadline.aborted) {
        ended = 'skipped-timeout';
        stop = 'timeout';
      }
      let outcome: ToolOutcome;
      let parsed: Record<string, unknown> | undefined;
      if (ended !== undefined) {
        outcome = { status: 'skipped', output: NOT_RUN[ended] };
      } else {
        const tool = tools.get(call.name);
        const input = parseArguments(call.arguments);
        if (input.ok) parsed = input.value;
        if (!tool) {
          outcome = { status: 'unknown-tool', output: `error: there is no tool named '${call.name}' (tools: ${[...tools.keys()].join(', ') || 'none'})` };
        } else if (!input.ok) {
          outcome = { status: 'invalid-arguments', output: `error: ${input.message}` };
        } else {
          const problem = tool.check(input.value);
          const decision = problem === undefined ? decideApproval([options.approval, task.approval], call.name, input.value) : undefined;
          if (problem !== undefined) {
            outcome = { status: 'invalid-arguments', output: `error: invalid arguments for ${call.name}: ${problem}` };
          } else if (!decision!.allowed) {
            outcome = { status: 'denied', output: `denied: ${decision!.reason}` };
          } else if (call.name === 'submit') {
            outcome = { status: 'ok', output: 'submitted' };
            const value = input.value.answer;
            answer = typeof value === 'string' ? value : JSON.stringify(value);
            stop = 'submitted';
            ended = 'skipped-submitted';
          } else {
            // An engine fault (a thrown SandboxError) is not the model's doing: it propagates and
            // the sample is lost, not failed.
            outcome = await tool.run(input.value, { sandboxes: options.sandboxes, limits: toolLimits, signal });
            if (interrupted()) throw options.signal!.reason;
            if (deadline.aborted && outcome.status !== 'ok') {
              // The episode's own deadline cut the call short.
              ended = 'skipped-timeout';
              stop = 'timeout';
            }
          }
        }
      }
      const capped = capToolOutput(outcome.output, toolLimits.maxOutputBytes, outcome.truncated === true);
      calls.push({
        id: call.id,
        turn,
        name: call.name,
        arguments: call.arguments,
        ...(parsed === undefined ? {} : { parsedArguments: parsed }),
        status: outcome.status,
        output: capped.output,
        truncated: capped.truncated,
        ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
        durationMs: performance.now() - callStarted,
      });
      messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: capped.output });
    }
    if (stop === undefined && usage.inputTokens + usage.outputTokens >= budget.maxTokens) {
      stop = 'max-tokens';
      message = `the episode used ${usage.inputTokens + usage.outputTokens} tokens (budget ${budget.maxTokens})`;
    }
  }
  if (stop === 'timeout') message ??= `the episode ran past its ${budget.timeoutMs} ms budget`;
  const episode: EpisodeRecord = {
    stopReason: stop!,
    answer,
    turns,
    toolCalls: calls,
    usage,
    durationMs: performance.now() - started,
    ...(message === undefined ? {} : { message }),
  };
  return { episode, messages };
}
