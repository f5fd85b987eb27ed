import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import type { ModelConfig } from '../../src/models/model-config.ts';
import type { GenerateRequest, ModelStatus } from '../../src/models/model.ts';
import { ProviderModel } from '../../src/models/provider-model.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { startFakeProviderServer, type FakeProviderServer, type FakeRequest } from '../support/fake-provider-server.ts';

const OPENAI_KEY = 'sk-test-OPENAI-5f0c1d2e3b4a';
const ANTHROPIC_KEY = 'sk-ant-test-ANTHROPIC-9a8b7c';
const GEMINI_KEY = 'AIza-test-GEMINI-1q2w3e4r';
const LOCAL_KEY = 'local-test-KEY-7y6t5r4e';
const env = { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, GEMINI_API_KEY: GEMINI_KEY, LOCAL_API_KEY: LOCAL_KEY };

let server: FakeProviderServer;
beforeAll(async () => {
  server = await startFakeProviderServer({
    answer: (request) => ({
      text: `answer from ${request.modelId} to "${request.messages.at(-1)?.text}"`,
      usage: { inputTokens: 21, outputTokens: 8 },
      finishReason: request.messages.at(-1)?.text === 'long' ? 'length' : 'stop',
    }),
  });
});
afterAll(async () => {
  await server.close();
});

function config(): ModelConfig {
  return {
    providers: {
      openai: { baseURL: server.baseURLs.openai },
      anthropic: { baseURL: server.baseURLs.anthropic },
      google: { baseURL: server.baseURLs.google },
      local: { type: 'openai-compatible', baseURL: server.baseURLs.openai, apiKeyEnv: 'LOCAL_API_KEY' },
    },
    models: {},
  };
}

/** The request the notes used to capture each format: system, history, every sampling parameter. */
const fullRequest: GenerateRequest = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!' },
    { role: 'user', content: 'Weather in Paris?' },
  ],
  temperature: 0.2,
  topP: 0.9,
  maxTokens: 100,
  stopSequences: ['END'],
  seed: 7,
};

async function roundTrip(spec: string, request: GenerateRequest = fullRequest) {
  const model = await resolveModel(spec, { config: config(), env });
  const before = server.requests.length;
  const response = await model.generate(request);
  expect(server.requests.length).toBe(before + 1);
  return { response, wire: server.requests.at(-1) as FakeRequest };
}

describe('wire formats', () => {
  it('openai: chat completions body, bearer key, usage and finish reason mapped', async () => {
    const { response, wire } = await roundTrip('openai:gpt-4o');
    expect(wire.path).toBe('/v1/chat/completions');
    expect(wire.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(wire.body).toEqual({
      model: 'gpt-4o',
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
    });
    expect(response).toMatchObject({
      text: 'answer from gpt-4o to "Weather in Paris?"',
      toolCalls: [],
      usage: { inputTokens: 21, outputTokens: 8 },
      finishReason: 'stop',
      retries: 0,
      responseModelId: 'gpt-4o',
    });
    expect(response.raw).toMatchObject({ id: expect.stringMatching(/^chatcmpl-/), choices: [{ finish_reason: 'stop' }] });
  });

  it('anthropic: messages body with the system prompt apart, x-api-key and version headers', async () => {
    // An id without "claude-": the SDK drops sampling parameters for ids it takes for current Claude models.
    const { response, wire } = await roundTrip('anthropic:my-claude');
    expect(wire.path).toBe('/v1/messages');
    expect(wire.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(wire.headers['anthropic-version']).toBe('2023-06-01');
    expect(wire.headers.authorization).toBeUndefined();
    expect(wire.body).toEqual({
      model: 'my-claude',
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      ],
    });
    expect(response).toMatchObject({ text: 'answer from my-claude to "Weather in Paris?"', usage: { inputTokens: 21, outputTokens: 8 }, finishReason: 'stop' });
  });

  it('google: generateContent body with generationConfig, key in x-goog-api-key (GEMINI_API_KEY accepted)', async () => {
    const { response, wire } = await roundTrip('google:gemini-test');
    expect(wire.path).toBe('/v1beta/models/gemini-test:generateContent');
    expect(wire.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(wire.body).toEqual({
      generationConfig: { maxOutputTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'], seed: 7 },
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello!' }] },
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
    });
    expect(response).toMatchObject({ text: 'answer from gemini-test to "Weather in Paris?"', usage: { inputTokens: 21, outputTokens: 8 }, finishReason: 'stop' });
  });

  it('openai-compatible: a named endpoint, a model name with colons, the key from apiKeyEnv', async () => {
    const { response, wire } = await roundTrip('local:qwen2.5-coder:7b');
    expect(wire.path).toBe('/v1/chat/completions');
    expect(wire.headers.authorization).toBe(`Bearer ${LOCAL_KEY}`);
    expect(wire.body).toMatchObject({ model: 'qwen2.5-coder:7b', temperature: 0.2, top_p: 0.9, max_tokens: 100, stop: ['END'], seed: 7 });
    expect(response.text).toBe('answer from qwen2.5-coder:7b to "Weather in Paris?"');
  });

  it('openai-compatible without apiKeyEnv sends no Authorization header', async () => {
    const model = await resolveModel('bare:m', {
      config: { providers: { bare: { type: 'openai-compatible', baseURL: server.baseURLs.openai } }, models: {} },
      env: {},
    });
    await model.generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it.each(['openai:gpt-4o', 'anthropic:my-claude', 'google:gemini-test'])('%s maps a max-tokens stop to finishReason length', async (spec) => {
    const { response } = await roundTrip(spec, { messages: [{ role: 'user', content: 'long' }] });
    expect(response.finishReason).toBe('length');
  });

  it.each(['openai:gpt-4o', 'anthropic:my-claude', 'google:gemini-test'])('%s returns tool calls as id, name and JSON arguments', async (spec) => {
    const tools = await startFakeProviderServer({
      answer: () => ({ text: '', toolCalls: [{ id: 'call_1', name: 'run_tests', input: { file: 'a.py' } }] }),
    });
    try {
      const [provider] = spec.split(':') as ['openai' | 'anthropic' | 'google'];
      const model = await resolveModel(spec, { config: { providers: { [provider]: { baseURL: tools.baseURLs[provider] } }, models: {} }, env });
      const response = await model.generate({
        messages: [{ role: 'user', content: 'test it' }],
        tools: [{ name: 'run_tests', description: 'Run the tests', inputSchema: { type: 'object', properties: { file: { type: 'string' } } } }],
      });
      expect(response.toolCalls).toEqual([{ id: 'call_1', name: 'run_tests', arguments: '{"file":"a.py"}' }]);
      expect(response.finishReason).toBe('tool-calls');
    } finally {
      await tools.close();
    }
  });

  it.each(['openai:gpt-4o', 'anthropic:my-claude', 'google:gemini-test'])('%s sends tool calls and their results back in its wire format, parallel results in one turn', async (spec) => {
    const tools = await startFakeProviderServer({ answer: () => 'done' });
    try {
      const [provider] = spec.split(':') as ['openai' | 'anthropic' | 'google'];
      const model = await resolveModel(spec, { config: { providers: { [provider]: { baseURL: tools.baseURLs[provider] } }, models: {} }, env });
      await model.generate({
        messages: [
          { role: 'user', content: 'hash both files' },
          {
            role: 'assistant',
            content: 'Hashing.',
            toolCalls: [
              { id: 'call_a', name: 'bash', arguments: '{"command":"sha256sum a.txt"}' },
              { id: 'call_b', name: 'bash', arguments: '{"command":"sha256sum b.txt"}' },
            ],
          },
          { role: 'tool', toolCallId: 'call_a', toolName: 'bash', content: 'RESULT-A' },
          { role: 'tool', toolCallId: 'call_b', toolName: 'bash', content: 'RESULT-B' },
        ],
        tools: [{ name: 'bash', description: 'Run a command', inputSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
      });
      const body = JSON.stringify(tools.requests[0]!.body);
      // Each format names the call's id beside its result, and carries the call's arguments.
      expect(body).toContain('RESULT-A');
      expect(body).toContain('RESULT-B');
      expect(body).toContain('sha256sum a.txt');
      const request = tools.requests[0]!.body as Record<string, unknown>;
      if (provider === 'openai') {
        const messages = request.messages as Array<Record<string, unknown>>;
        const assistant = messages.find((message) => message.role === 'assistant')!;
        expect((assistant.tool_calls as Array<{ id: string }>).map((call) => call.id)).toEqual(['call_a', 'call_b']);
        expect(messages.filter((message) => message.role === 'tool').map((message) => [message.tool_call_id, message.content])).toEqual([
          ['call_a', 'RESULT-A'],
          ['call_b', 'RESULT-B'],
        ]);
      } else if (provider === 'anthropic') {
        const messages = request.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
        const results = messages.at(-1)!;
        expect(results.role).toBe('user');
        expect(results.content.map((part) => [part.type, part.tool_use_id])).toEqual([
          ['tool_result', 'call_a'],
          ['tool_result', 'call_b'],
        ]);
      } else {
        const contents = request.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>;
        const names = contents.at(-1)!.parts.map((part) => (part.functionResponse as { name: string } | undefined)?.name);
        expect(names).toEqual(['bash', 'bash']);
      }
    } finally {
      await tools.close();
    }
  });
});

describe('per-model defaults from the config', () => {
  it('fill what the request leaves unset, and never override what it sets', async () => {
    const withDefaults: ModelConfig = {
      ...config(),
      models: { 'local:qwen2.5-coder': { temperature: 0.2, topP: 0.5, maxTokens: 1024, stop: ['###'], seed: 3, system: 'You write code.' } },
    };
    const model = await resolveModel('local:qwen2.5-coder', { config: withDefaults, env });
    await model.generate({ messages: [{ role: 'user', content: 'a' }] });
    expect(server.requests.at(-1)?.body).toMatchObject({
      temperature: 0.2,
      top_p: 0.5,
      max_tokens: 1024,
      stop: ['###'],
      seed: 3,
      messages: [
        { role: 'system', content: 'You write code.' },
        { role: 'user', content: 'a' },
      ],
    });
    await model.generate({ messages: [{ role: 'system', content: 'Own.' }, { role: 'user', content: 'b' }], temperature: 0, maxTokens: 5, seed: 9 });
    expect(server.requests.at(-1)?.body).toMatchObject({
      temperature: 0,
      max_tokens: 5,
      seed: 9,
      messages: [
        { role: 'system', content: 'Own.' },
        { role: 'user', content: 'b' },
      ],
    });
  });
});

describe('provider warnings', () => {
  it('a parameter the SDK drops is logged at warn, once per model, never on stderr', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const processWarnings: string[] = [];
    const onWarning = (warning: Error): void => void processWarnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const model = await resolveModel('anthropic:claude-3-5-haiku-latest', { config: config(), env, logger });
      for (let round = 0; round < 2; round += 1) {
        await model.generate({ messages: [{ role: 'user', content: 'x' }], temperature: 0.5, topP: 0.9, maxTokens: 10 });
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    // The SDK's own warning logger (process.emitWarning, printed on stderr) stays off.
    expect(processWarnings.filter((message) => message.includes('AI SDK'))).toEqual([]);
    // Anthropic takes one of temperature and top_p: the SDK keeps temperature and says so.
    expect(server.requests.at(-1)?.body).toMatchObject({ temperature: 0.5 });
    expect((server.requests.at(-1)?.body as Record<string, unknown>).top_p).toBeUndefined();
    const warnings = lines.filter((line) => line.msg === 'provider changed the request');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, model: 'anthropic:claude-3-5-haiku-latest', warning: { type: 'unsupported', feature: 'topP' } });
  });
});

describe('describe()', () => {
  it('gives id, type, base URL and parameters, and no key', async () => {
    const model = await resolveModel('local:qwen2.5-coder', {
      config: { ...config(), models: { 'local:qwen2.5-coder': { temperature: 0.2, requestsPerMinute: 60 } } },
      env,
    });
    expect(model).toBeInstanceOf(ProviderModel);
    const description = (model as ProviderModel).describe();
    expect(description).toEqual({
      id: 'local:qwen2.5-coder',
      provider: 'local',
      type: 'openai-compatible',
      model: 'qwen2.5-coder',
      baseURL: server.baseURLs.openai,
      apiKeyVariable: 'LOCAL_API_KEY',
      headerNames: [],
      parameters: { temperature: 0.2, requestsPerMinute: 60 },
    });
    expect(JSON.stringify(description)).not.toContain(LOCAL_KEY);
  });
});

/** Every text reachable from a value: own properties (enumerable or not), causes, stacks. */
function everything(value: unknown, seen = new Set<unknown>()): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  if (seen.has(value)) return '';
  seen.add(value);
  const parts: string[] = [];
  for (const key of Reflect.ownKeys(value)) {
    parts.push(String(key), everything((value as Record<PropertyKey, unknown>)[key], seen));
  }
  return parts.join('\n');
}

describe('the key never appears', () => {
  it('in an answer, a failed request, retry notices or the description, even when the server echoes it', async () => {
    const echo = await startFakeProviderServer({
      answer: (request) => ({ text: `your key is ${String(request.headers.authorization)}`, modelId: `echo ${String(request.headers.authorization)}` }),
      fault: (request) => {
        const last = request.messages.at(-1)?.text;
        if (last === 'deny') return { kind: 'error', status: 401, message: `Incorrect API key provided: ${OPENAI_KEY}.` };
        if (last === 'busy') return { kind: 'error', status: 503, message: `overloaded for key ${OPENAI_KEY}` };
        return undefined;
      },
    });
    try {
      const model = await resolveModel('openai:gpt-4o', {
        config: { providers: { openai: { baseURL: echo.baseURLs.openai } }, models: { 'openai:gpt-4o': { maxRetries: 1 } } },
        env,
        retry: { baseDelayMs: 1 },
      });
      const answered = await model.generate({ messages: [{ role: 'user', content: 'hello' }] });
      expect(echo.requests[0]?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
      expect(answered.text).toBe('your key is Bearer [redacted]');

      const denied = await model.generate({ messages: [{ role: 'user', content: 'deny' }] }).catch((error: unknown) => error);
      expect(SandbenchError.is(denied, 'model-unavailable')).toBe(true);
      expect((denied as Error).message).toContain('HTTP 401');

      const statuses: ModelStatus[] = [];
      const busy = await model.generate({ messages: [{ role: 'user', content: 'busy' }], onStatus: (status) => statuses.push(status) }).catch((error: unknown) => error);
      expect(SandbenchError.is(busy, 'model-unavailable')).toBe(true);
      expect(statuses).toHaveLength(1);

      const all = [everything(answered), everything(denied), everything(busy), everything(statuses), everything((model as ProviderModel).describe())].join('\n');
      expect(all).not.toContain(OPENAI_KEY);
      expect(all).toContain('[redacted]');
    } finally {
      await echo.close();
    }
  });

  it('in the error for a missing key, which names the variable', async () => {
    const error = await resolveModel('openai:gpt-4o', { config: config(), env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY } }).catch((caught: unknown) => caught);
    expect(SandbenchError.is(error, 'config')).toBe(true);
    expect((error as Error).message).toContain('OPENAI_API_KEY');
    expect(everything(error)).not.toContain(ANTHROPIC_KEY);
    await expect(resolveModel('google:g', { config: config(), env: {} })).rejects.toThrow(/GOOGLE_GENERATIVE_AI_API_KEY or GEMINI_API_KEY/);
    await expect(resolveModel('local:m', { config: config(), env: {} })).rejects.toThrow(/LOCAL_API_KEY/);
  });
});

describe('base URLs come only from the config', () => {
  it('OPENAI_BASE_URL in the environment does not redirect requests', async () => {
    const previous = process.env.OPENAI_BASE_URL;
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:1/v1';
    try {
      const before = server.requests.length;
      const model = await resolveModel('openai:gpt-4o', { config: config(), env });
      await model.generate({ messages: [{ role: 'user', content: 'where' }] });
      expect(server.requests.length).toBe(before + 1);
      const unconfigured = await resolveModel('openai:gpt-4o', { config: { providers: {}, models: {} }, env });
      expect((unconfigured as ProviderModel).describe().baseURL).toBe('https://api.openai.com/v1');
    } finally {
      if (previous === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = previous;
    }
  });
});
