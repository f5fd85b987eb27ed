import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogle } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, tool, type LanguageModel, type ModelMessage as SdkMessage, type ToolSet } from 'ai';
import type { Logger } from 'pino';
import { SandbenchError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { httpFetch } from './http-fetch.ts';
import type { ModelSettings, ProviderType } from './model-config.ts';
import type { GenerateRequest, GenerateResponse, Model, ModelToolCall } from './model.ts';
import { sharedRateLimiter, type RateLimiter, type RateLimitPermit } from './rate-limiter.ts';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicyOptions } from './retry-policy.ts';

/** Where each built-in provider's requests go when the config file does not say otherwise. */
export const DEFAULT_BASE_URLS: Record<Exclude<ProviderType, 'openai-compatible'>, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
};

/** Everything needed to build a provider model; made by `resolveModel` from a spec and the config. */
export interface ProviderModelOptions {
  /** The spec, `<provider>:<model>`: the model's id. */
  id: string;
  /** Provider name as written in the spec (`openai`, `local`…). */
  providerName: string;
  type: ProviderType;
  /** Model name sent to the provider (`gpt-4o`, `qwen2.5-coder:7b`). */
  modelName: string;
  baseURL: string;
  /** The key's value; never reported. */
  apiKey?: string;
  /** Name of the variable the key came from, for `describe()`. */
  apiKeyVariable?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Provider name the SDK reports (config `name`). */
  sdkProviderName?: string;
  /** Defaults for requests that leave a parameter unset, and the model's limits. */
  settings?: ModelSettings;
  /** Overrides of the retry policy (tests shorten the delays). */
  retry?: RetryPolicyOptions;
  /** The limiter to use; default: the process-wide one of this id, when the settings set limits. */
  rateLimiter?: RateLimiter;
  logger?: Logger;
}

/** What a run manifest records about a provider model: no key, only where it would come from. */
export type ProviderModelDescription = {
  id: string;
  provider: string;
  type: ProviderType;
  model: string;
  baseURL: string;
  /** Name of the environment variable holding the key, when there is one. */
  apiKeyVariable?: string;
  /** Names of the extra headers (their values may be secrets). */
  headerNames: string[];
  /** Per-model defaults and limits from the config. */
  parameters: ModelSettings;
};

/** Shortest key worth redacting: shorter ones would mangle ordinary text and guard little. */
const MINIMUM_REDACTED_LENGTH = 6;
const REDACTED = '[redacted]';

/** A function that removes every occurrence of the secrets from a text. */
export function secretRedactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const kept = secrets.filter((secret): secret is string => secret !== undefined && secret.length >= MINIMUM_REDACTED_LENGTH);
  if (kept.length === 0) return (text) => text;
  return (text) => kept.reduce((result, secret) => result.split(secret).join(REDACTED), text);
}

/** A copy of a JSON-like value with secrets removed from every string. */
function redactDeep(value: unknown, redact: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 50 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactDeep(item, redact, depth + 1)]));
}

/** Provider warnings stay in each result; the SDK's own process warnings would be stderr noise. */
function silenceSdkWarnings(): void {
  if (globalThis.AI_SDK_LOG_WARNINGS === undefined) globalThis.AI_SDK_LOG_WARNINGS = false;
}

function languageModel(options: ProviderModelOptions): LanguageModel {
  const common = {
    baseURL: options.baseURL,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.sdkProviderName ? { name: options.sdkProviderName } : {}),
    // Lighter than Node's fetch for a run's thousands of small requests (see httpFetch).
    fetch: httpFetch as typeof fetch,
  };
  switch (options.type) {
    case 'openai':
      // Chat completions: the format every OpenAI-like server speaks (openai('id') would use Responses).
      return createOpenAI({ ...common, apiKey: options.apiKey ?? '' }).chat(options.modelName);
    case 'anthropic':
      return createAnthropic({ ...common, apiKey: options.apiKey ?? '' }).messages(options.modelName);
    case 'google':
      return createGoogle({ ...common, apiKey: options.apiKey ?? '' }).languageModel(options.modelName);
    case 'openai-compatible':
      return createOpenAICompatible({
        ...common,
        name: options.sdkProviderName ?? options.providerName,
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      }).chatModel(options.modelName);
  }
}

/** A tool call's arguments as the SDK wants them: the parsed JSON, or the raw text when it is not JSON. */
function callInput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The request's messages in the SDK's shape, system messages gathered into `instructions`. */
function sdkPrompt(request: GenerateRequest, defaultSystem: string | undefined): { instructions?: string; messages: SdkMessage[] } {
  const system: string[] = [];
  const messages: SdkMessage[] = [];
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
        system.push(message.content);
        break;
      case 'user':
        messages.push({ role: 'user', content: message.content });
        break;
      case 'assistant':
        if (!message.toolCalls || message.toolCalls.length === 0) {
          messages.push({ role: 'assistant', content: message.content });
          break;
        }
        messages.push({
          role: 'assistant',
          content: [
            ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
            ...message.toolCalls.map((call) => ({ type: 'tool-call' as const, toolCallId: call.id, toolName: call.name, input: callInput(call.arguments) })),
          ],
        });
        break;
      case 'tool': {
        if (message.toolCallId === undefined || message.toolName === undefined) {
          throw new SandbenchError('model', 'a tool message needs the id and the name of the call it answers');
        }
        const part = { type: 'tool-result' as const, toolCallId: message.toolCallId, toolName: message.toolName, output: { type: 'text' as const, value: message.content } };
        // Results of one turn's parallel calls travel in one message, as providers expect.
        const previous = messages.at(-1);
        if (previous?.role === 'tool' && Array.isArray(previous.content)) previous.content.push(part);
        else messages.push({ role: 'tool', content: [part] });
        break;
      }
    }
  }
  const instructions = system.length > 0 ? system.join('\n\n') : defaultSystem;
  return { ...(instructions === undefined ? {} : { instructions }), messages };
}

function sdkTools(request: GenerateRequest): ToolSet | undefined {
  if (!request.tools || request.tools.length === 0) return undefined;
  const tools: ToolSet = {};
  // No `execute`: the calls come back to the caller, which runs them in its sandbox.
  for (const entry of request.tools) tools[entry.name] = tool({ description: entry.description, inputSchema: jsonSchema(entry.inputSchema) });
  return tools;
}

/**
 * A `Model` backed by a real provider through the AI SDK's `generateText`: the config's
 * defaults fill unset parameters, the rate limiter admits each request, and the retry policy
 * retries failed attempts (the SDK's own retries are off). No key reaches what it returns or throws.
 */
export class ProviderModel implements Model {
  readonly id: string;
  /** Requests in flight at once, from the config (`concurrency`); the run's default otherwise. */
  readonly concurrency?: number;
  private readonly options: ProviderModelOptions;
  private readonly model: LanguageModel;
  private readonly limiter: RateLimiter | undefined;
  private readonly redact: (text: string) => string;
  private readonly logger: Logger;
  /** Warnings already logged, so that a run of many samples logs each once. */
  private readonly warned = new Set<string>();

  constructor(options: ProviderModelOptions) {
    silenceSdkWarnings();
    this.id = options.id;
    this.options = options;
    this.model = languageModel(options);
    this.redact = secretRedactor([options.apiKey]);
    this.logger = options.logger ?? silentLogger;
    const settings = options.settings ?? {};
    if (settings.concurrency !== undefined) this.concurrency = settings.concurrency;
    const limits = {
      ...(settings.requestsPerMinute === undefined ? {} : { requestsPerMinute: settings.requestsPerMinute }),
      ...(settings.tokensPerMinute === undefined ? {} : { tokensPerMinute: settings.tokensPerMinute }),
      ...(settings.concurrency === undefined ? {} : { concurrency: settings.concurrency }),
    };
    this.limiter = options.rateLimiter ?? (Object.keys(limits).length > 0 ? sharedRateLimiter(options.id, limits) : undefined);
  }

  /** What the run manifest records: id, provider, base URL, parameters; never the key. */
  describe(): ProviderModelDescription {
    const { options } = this;
    return {
      id: options.id,
      provider: options.providerName,
      type: options.type,
      model: options.modelName,
      baseURL: this.redact(options.baseURL),
      ...(options.apiKeyVariable === undefined ? {} : { apiKeyVariable: options.apiKeyVariable }),
      headerNames: Object.keys(options.headers ?? {}),
      parameters: { ...(options.settings ?? {}) },
    };
  }

  async generate(request: GenerateRequest): Promise<GenerateResponse> {
    const settings = this.options.settings ?? {};
    const prompt = sdkPrompt(request, settings.system);
    const tools = sdkTools(request);
    const temperature = request.temperature ?? settings.temperature;
    const topP = request.topP ?? settings.topP;
    const maxOutputTokens = request.maxTokens ?? settings.maxTokens;
    const stopSequences = request.stopSequences ?? settings.stop;
    const seed = request.seed ?? settings.seed;
    const maxAttempts = settings.maxRetries !== undefined ? settings.maxRetries + 1 : (this.options.retry?.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts);

    let permit: RateLimitPermit | undefined;
    try {
      const { value: result, retries } = await withRetries(
        async (signal) => {
          try {
            const answer = await generateText({
              model: this.model,
              ...prompt,
              ...(tools ? { tools } : {}),
              ...(temperature === undefined ? {} : { temperature }),
              ...(topP === undefined ? {} : { topP }),
              ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
              ...(stopSequences === undefined ? {} : { stopSequences }),
              ...(seed === undefined ? {} : { seed }),
              abortSignal: signal,
              maxRetries: 0,
              include: { responseBody: true },
            });
            permit?.record((answer.usage.inputTokens ?? 0) + (answer.usage.outputTokens ?? 0));
            return answer;
          } finally {
            // Released per attempt: a backoff wait holds no concurrency slot.
            permit?.release();
          }
        },
        {
          ...this.options.retry,
          maxAttempts,
          ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
          ...(request.signal ? { signal: request.signal } : {}),
          onStatus: (status) => {
            this.logger.info({ model: this.id, status }, 'model request retried');
            request.onStatus?.(status);
          },
          modelId: this.id,
          redact: this.redact,
          // Every attempt, retries included, goes through the limits; the wait is not part of its timeout.
          beforeAttempt: async () => {
            permit = await this.limiter?.acquire({
              ...(request.signal ? { signal: request.signal } : {}),
              ...(request.onStatus ? { onStatus: request.onStatus } : {}),
            });
          },
        },
      );
      this.reportWarnings(result.warnings);
      const toolCalls: ModelToolCall[] = result.toolCalls.map((call) => ({
        id: call.toolCallId,
        name: call.toolName,
        arguments: typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? {}),
      }));
      const step = result.finalStep;
      return {
        text: this.redact(result.text),
        toolCalls: redactDeep(toolCalls, this.redact) as ModelToolCall[],
        usage: { inputTokens: result.usage.inputTokens ?? 0, outputTokens: result.usage.outputTokens ?? 0 },
        finishReason: result.finishReason,
        ...(step.response.body === undefined ? {} : { raw: redactDeep(step.response.body, this.redact) }),
        retries,
        ...(step.response.modelId ? { responseModelId: this.redact(step.response.modelId) } : {}),
      };
    } catch (error) {
      // Anything else the SDK throws (an invalid prompt, a bug) must not carry the key either.
      if (SandbenchError.isInstance(error) || (request.signal?.aborted && error === request.signal.reason)) throw error;
      throw new SandbenchError('model', `model ${this.id} failed: ${this.redact(error instanceof Error ? error.message : String(error))}`);
    }
  }

  /**
   * The SDK drops or changes parameters it deems unsupported (Anthropic ignores top_p beside a
   * temperature; reasoning models drop temperature): that changes the experiment, so each
   * distinct warning is logged once per model at warn level.
   */
  private reportWarnings(warnings: ReadonlyArray<unknown> | undefined): void {
    for (const warning of warnings ?? []) {
      const text = this.redact(JSON.stringify(warning));
      if (this.warned.has(text)) continue;
      this.warned.add(text);
      this.logger.warn({ model: this.id, warning: JSON.parse(text) as unknown }, 'provider changed the request');
    }
  }
}
