import { afterAll, describe, expect, it } from 'vitest';
import { EpisodeSandboxes } from '../../src/agents/episode-sandboxes.ts';
import { runEpisode, type EpisodeRun } from '../../src/agents/run-episode.ts';
import type { GenerateResponse, Model } from '../../src/models/model.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { ScriptedModel } from '../../src/models/scripted-model.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';
import { taskSchema, type Task, type TaskInput } from '../../src/schemas/task.ts';
import { startFakeProviderServer } from '../support/fake-provider-server.ts';

const sandboxes = new SandboxSet();
afterAll(async () => {
  await sandboxes.dispose();
});

/** A unit converter the model must call: a custom JavaScript tool, run in the isolate. */
const CONVERTER = {
  name: 'convert_units',
  description: 'Convert a length between km and mi.',
  parameters: {
    type: 'object',
    properties: { value: { type: 'number' }, from: { enum: ['km', 'mi'] }, to: { enum: ['km', 'mi'] } },
    required: ['value', 'from', 'to'],
    additionalProperties: false,
  },
  javascript: "({ value, from, to }) => from === to ? value : from === 'km' ? Math.round(value / 1.609344 * 1000) / 1000 : Math.round(value * 1.609344 * 1000) / 1000",
};

function agentTask(overrides: Partial<TaskInput> = {}): Task {
  return taskSchema.parse({
    id: 'episode',
    kind: 'agent',
    language: 'javascript',
    prompt: 'Convert 5 km to miles with the tool, then submit the number.',
    tools: ['submit', CONVERTER],
    scorers: [{ answer: { number: 3.107, absTolerance: 0.001 } }],
    ...overrides,
  });
}

function scripted(turns: unknown[], taskId = 'episode'): Model {
  return ScriptedModel.parse(JSON.stringify({ task_id: taskId, turns }), 'script.jsonl');
}

async function play(task: Task, model: Model, signal?: AbortSignal): Promise<EpisodeRun> {
  const opened = await EpisodeSandboxes.open(task, sandboxes);
  try {
    return await runEpisode({
      task,
      sandboxes: opened,
      messages: [{ role: 'user', content: task.prompt }],
      ...(signal ? { signal } : {}),
      ask: (request) => model.generate({ ...request, task, sampleIndex: 0 }),
    });
  } finally {
    await opened.dispose();
  }
}

describe('the episode loop with a scripted model', () => {
  it('runs a custom tool in the isolate, sends its result back, and stops on submit', async () => {
    const model = scripted([
      { tool_calls: [{ name: 'convert_units', arguments: { value: 5, from: 'km', to: 'mi' } }] },
      { tool_calls: [{ name: 'submit', arguments: { answer: '3.107' } }] },
    ]);
    const { episode, messages } = await play(agentTask(), model);
    expect(episode.stopReason).toBe('submitted');
    expect(episode.answer).toBe('3.107');
    expect(episode.toolCalls.map((call) => [call.name, call.status, call.output])).toEqual([
      ['convert_units', 'ok', '3.107'],
      ['submit', 'ok', 'submitted'],
    ]);
    expect(episode.toolCalls[0]!.parsedArguments).toEqual({ value: 5, from: 'km', to: 'mi' });
    // The conversation: prompt, call, its result (with the call's id), submit, its result.
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool']);
    expect(messages[2]).toMatchObject({ role: 'tool', toolCallId: 'call_0_0', toolName: 'convert_units', content: '3.107' });
  });

  it('answers unknown tools, bad JSON and schema-invalid arguments with errors, and runs parallel calls in order', async () => {
    const model = scripted([
      {
        text: 'Trying things.',
        tool_calls: [
          { name: 'rm_everything', arguments: {} },
          { name: 'convert_units', arguments: '{"value": 5, "from": ' },
          { name: 'convert_units', arguments: { value: 'five', from: 'km', to: 'mi' } },
          { name: 'convert_units', arguments: { value: 1, from: 'mi', to: 'km' } },
        ],
      },
      { text: 'The answer is 3.107' },
    ]);
    const { episode, messages } = await play(agentTask(), model);
    expect(episode.toolCalls.map((call) => call.status)).toEqual(['unknown-tool', 'invalid-arguments', 'invalid-arguments', 'ok']);
    expect(episode.toolCalls[0]!.output).toMatch(/no tool named 'rm_everything'.*submit, convert_units/);
    expect(episode.toolCalls[1]!.output).toMatch(/not valid JSON/);
    expect(episode.toolCalls[2]!.output).toMatch(/value must be number/);
    expect(episode.toolCalls[3]!.output).toBe('1.609');
    expect(messages.filter((message) => message.role === 'tool').map((message) => message.toolCallId)).toEqual(['call_0_0', 'call_0_1', 'call_0_2', 'call_0_3']);
    expect(episode.stopReason).toBe('answered');
    expect(episode.answer).toBe('The answer is 3.107');
  });

  it('skips the calls after submit in the same turn, saying why', async () => {
    const model = scripted([
      {
        tool_calls: [
          { name: 'submit', arguments: { answer: '3.107' } },
          { name: 'convert_units', arguments: { value: 1, from: 'km', to: 'mi' } },
        ],
      },
    ]);
    const { episode } = await play(agentTask(), model);
    expect(episode.stopReason).toBe('submitted');
    expect(episode.toolCalls.map((call) => [call.status, call.output])).toEqual([
      ['ok', 'submitted'],
      ['skipped', 'not run: the answer was already submitted'],
    ]);
  });

  it('denies calls by the approval policy (task and run config), returning the refusal to the model', async () => {
    const task = agentTask({
      approval: { rules: [{ action: 'deny', tool: 'convert_units', arguments: { from: '^mi$' }, reason: 'miles in are not allowed' }] },
    });
    const model = scripted([
      {
        tool_calls: [
          { name: 'convert_units', arguments: { value: 1, from: 'mi', to: 'km' } },
          { name: 'convert_units', arguments: { value: 5, from: 'km', to: 'mi' } },
        ],
      },
      { tool_calls: [{ name: 'submit', arguments: { answer: '3.107' } }] },
    ]);
    const { episode } = await play(task, model);
    expect(episode.toolCalls.map((call) => [call.status, call.output])).toEqual([
      ['denied', 'denied: miles in are not allowed'],
      ['ok', '3.107'],
      ['ok', 'submitted'],
    ]);
  });

  it('stops at max-turns when the model keeps calling tools', async () => {
    const call = { tool_calls: [{ name: 'convert_units', arguments: { value: 1, from: 'km', to: 'km' } }] };
    const { episode } = await play(agentTask({ budget: { maxTurns: 3 } }), scripted([call, call, call, call, call]));
    expect(episode.stopReason).toBe('max-turns');
    expect(episode.turns).toHaveLength(3);
    expect(episode.answer).toBeNull();
  });

  it('stops at max-tool-calls, counting invalid calls too, and skips the excess', async () => {
    const many = { tool_calls: Array.from({ length: 5 }, () => ({ name: 'nope', arguments: {} })) };
    const { episode } = await play(agentTask({ budget: { maxToolCalls: 3 } }), scripted([many, many]));
    expect(episode.stopReason).toBe('max-tool-calls');
    expect(episode.toolCalls.map((call) => call.status)).toEqual(['unknown-tool', 'unknown-tool', 'unknown-tool', 'skipped', 'skipped']);
  });

  it('stops on timeout when a tool runs past the episode budget', async () => {
    const slow = { ...CONVERTER, name: 'slow', javascript: '() => { const end = Date.now() + 5000; while (Date.now() < end); return 1; }' };
    const task = agentTask({ tools: ['submit', slow], budget: { timeoutMs: 600 }, toolLimits: { timeoutMs: 10_000 } });
    const { episode } = await play(task, scripted([{ tool_calls: [{ name: 'slow', arguments: { value: 1, from: 'km', to: 'km' } }] }, { text: 'done' }]));
    expect(episode.stopReason).toBe('timeout');
    expect(episode.toolCalls[0]!.status).toBe('timeout');
  });

  it('returns a tool call that runs past its own limit as a timeout, and the episode goes on', async () => {
    const loop = { ...CONVERTER, name: 'loop', parameters: { type: 'object' }, javascript: '() => { for (;;); }' };
    const task = agentTask({ tools: ['submit', loop], toolLimits: { timeoutMs: 300 } });
    const { episode } = await play(task, scripted([{ tool_calls: [{ name: 'loop', arguments: {} }] }, { tool_calls: [{ name: 'submit', arguments: { answer: '3.107' } }] }]));
    expect(episode.toolCalls[0]).toMatchObject({ name: 'loop', status: 'timeout' });
    expect(episode.stopReason).toBe('submitted');
  });

  it('caps tool output sent back to the model and says so', async () => {
    const loud = { ...CONVERTER, name: 'loud', parameters: { type: 'object' }, javascript: "() => 'x'.repeat(100000)" };
    const task = agentTask({ tools: ['submit', loud], toolLimits: { maxOutputBytes: 1000 } });
    const { episode, messages } = await play(task, scripted([{ tool_calls: [{ name: 'loud', arguments: {} }] }, { text: '3.107' }]));
    expect(episode.toolCalls[0]!.truncated).toBe(true);
    expect(episode.toolCalls[0]!.output).toMatch(/^x{1000}\n\[output truncated: 1000 of 100000 bytes shown\]$/);
    expect(messages[2]!.content).toBe(episode.toolCalls[0]!.output);
  });
});

describe('the episode loop against a provider over HTTP', () => {
  it('ends as model-error when the provider fails, and as max-tokens when the budget is spent', async () => {
    let calls = 0;
    const server = await startFakeProviderServer({
      answer: () => {
        calls += 1;
        return { text: '', usage: { inputTokens: 600, outputTokens: 100 }, toolCalls: [{ id: `c${calls}`, name: 'convert_units', input: { value: 1, from: 'km', to: 'mi' } }] };
      },
      fault: (request) => (request.messages.some((message) => message.text.includes('FAIL')) ? { kind: 'error', status: 400, message: 'bad request' } : undefined),
    });
    try {
      const model = await resolveModel('local:m', {
        config: { providers: { local: { type: 'openai-compatible', baseURL: server.baseURLs.openai } }, models: { 'local:m': { maxRetries: 0 } } },
        env: {},
      });
      const spent = await play(agentTask({ budget: { maxTokens: 1500 } }), model);
      expect(spent.episode.stopReason).toBe('max-tokens');
      expect(spent.episode.turns).toHaveLength(3);
      expect(spent.episode.usage).toEqual({ inputTokens: 1800, outputTokens: 300 });
      // The provider saw each tool result with its call's id before the next turn.
      const second = server.requests[1]!.body as { messages: Array<{ role: string; tool_call_id?: string; content: unknown }> };
      expect(second.messages.filter((message) => message.role === 'tool').map((message) => [message.tool_call_id, message.content])).toEqual([['c1', '0.621']]);

      const failing = await play(agentTask({ prompt: 'FAIL' }), model);
      expect(failing.episode.stopReason).toBe('model-error');
      expect(failing.episode.message).toMatch(/model error/);
    } finally {
      await server.close();
    }
  });

  it.each(['openai:gpt-4o', 'anthropic:claude-test', 'google:gemini-test'])('%s: native tool calls drive an episode to submit', async (spec) => {
    const server = await startFakeProviderServer({
      answer: (request) => {
        const turn = request.messages.filter((message) => message.role === 'assistant' || message.role === 'model').length;
        return turn === 0
          ? { text: 'Converting.', toolCalls: [{ id: 'conv1', name: 'convert_units', input: { value: 5, from: 'km', to: 'mi' } }] }
          : { text: '', toolCalls: [{ id: 'sub1', name: 'submit', input: { answer: '3.107' } }] };
      },
    });
    try {
      const [provider] = spec.split(':') as ['openai' | 'anthropic' | 'google'];
      const model = await resolveModel(spec, { config: { providers: { [provider]: { baseURL: server.baseURLs[provider] } }, models: {} }, env: { OPENAI_API_KEY: 'k-openai-123456', ANTHROPIC_API_KEY: 'k-anthropic-123456', GEMINI_API_KEY: 'k-gemini-123456' } });
      const { episode } = await play(agentTask(), model);
      expect(episode.stopReason).toBe('submitted');
      expect(episode.answer).toBe('3.107');
      expect(episode.toolCalls.map((call) => [call.name, call.status, call.output])).toEqual([
        ['convert_units', 'ok', '3.107'],
        ['submit', 'ok', 'submitted'],
      ]);
      // The second request carried the tool's result back in the provider's own format.
      expect(JSON.stringify(server.requests[1]!.body)).toContain('3.107');
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('an aborted run stops the episode with the abort, not a verdict', async () => {
    const controller = new AbortController();
    const hanging: Model = {
      id: 'hang',
      generate: (request) =>
        new Promise<GenerateResponse>((_resolve, reject) => {
          request.signal?.addEventListener('abort', () => reject(request.signal!.reason), { once: true });
          setTimeout(() => controller.abort(new Error('interrupted')), 50);
        }),
    };
    await expect(play(agentTask(), hanging, controller.signal)).rejects.toThrow('interrupted');
  });
});
