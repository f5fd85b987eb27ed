import type { Logger } from 'pino';
import { InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { emptyModel } from './empty-model.ts';
import type { Model } from './model.ts';
import { BUILT_IN_PROVIDERS, loadModelConfig, parseModelConfig, type LoadedModelConfig, type ModelConfig, type ProviderType } from './model-config.ts';
import { referenceModel } from './reference-model.ts';
import type { RetryPolicyOptions } from './retry-policy.ts';
import { ScriptedModel } from './scripted-model.ts';

/** Model providers this build knows, as written in a spec (named providers from the config come on top). */
export const MODEL_PROVIDERS = ['reference', 'empty', 'scripted:<file>', 'replay:<run folder>', 'openai:<model>', 'anthropic:<model>', 'google:<model>'] as const;

/** Where each key-taking provider type reads its key when the config names no variable (first one set wins). */
export const DEFAULT_KEY_VARIABLES: Record<Exclude<ProviderType, 'openai-compatible'>, readonly string[]> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  google: ['GOOGLE_GENERATIVE_AI_API_KEY', 'GEMINI_API_KEY'],
};

export interface ResolveModelOptions {
  /** The model config (as loaded, or the parsed object). Default: `sandbench.config.*` of `configPath` or the working folder, read only for provider specs. */
  config?: LoadedModelConfig | ModelConfig;
  /** An explicit config file (`--config`), used when `config` is not given. */
  configPath?: string;
  /** Where keys are read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Retry policy overrides for provider models. */
  retry?: RetryPolicyOptions;
  logger?: Logger;
}

function isModel(value: unknown): value is Model {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Model).id === 'string' &&
    typeof (value as Model).generate === 'function'
  );
}

function unknownModel(spec: string, why: string, configured: readonly string[] = []): InvalidInputError {
  const providers = [...MODEL_PROVIDERS, ...configured.filter((name) => !(BUILT_IN_PROVIDERS as readonly string[]).includes(name)).map((name) => `${name}:<model>`)];
  return new InvalidInputError(`unknown model '${spec}': ${why}; known providers: ${providers.join(', ')}`, {
    details: { spec, providers },
  });
}

function isLoaded(config: LoadedModelConfig | ModelConfig): config is LoadedModelConfig {
  return 'config' in config;
}

async function modelConfigFor(options: ResolveModelOptions): Promise<{ config: ModelConfig; file?: string }> {
  // A parsed object from a library caller is validated like a file (it may come from plain JavaScript).
  if (options.config !== undefined) return isLoaded(options.config) ? options.config : { config: parseModelConfig(options.config, 'the config object') };
  const loaded = await loadModelConfig(options.configPath === undefined ? {} : { path: options.configPath });
  return loaded ?? { config: { providers: {}, models: {} } };
}

/** The key for a provider, from the variable the config names or the type's usual ones; a clear error naming the variable when unset. */
function apiKeyFor(
  spec: string,
  providerName: string,
  type: ProviderType,
  apiKeyEnv: string | undefined,
  env: Record<string, string | undefined>,
): { apiKey?: string; apiKeyVariable?: string } {
  const variables = apiKeyEnv !== undefined ? [apiKeyEnv] : type === 'openai-compatible' ? [] : DEFAULT_KEY_VARIABLES[type];
  if (variables.length === 0) return {};
  for (const variable of variables) {
    const value = env[variable]?.trim();
    if (value) return { apiKey: value, apiKeyVariable: variable };
  }
  const names = variables.join(' or ');
  throw new SandbenchError('config', `model ${spec}: no API key: set ${names} (provider '${providerName}')`, {
    details: { spec, provider: providerName, variables: [...variables] },
  });
}

async function providerModel(
  spec: string,
  providerName: string,
  modelName: string,
  { config, file }: { config: ModelConfig; file?: string },
  options: ResolveModelOptions,
): Promise<Model | undefined> {
  const entry = config.providers[providerName];
  const builtIn = (BUILT_IN_PROVIDERS as readonly string[]).includes(providerName);
  if (entry === undefined && !builtIn) return undefined;
  if (modelName === '') throw unknownModel(spec, `'${providerName}' needs a model name: ${providerName}:<model>`, Object.keys(config.providers));
  const type = (entry?.type ?? providerName) as ProviderType;
  // Loaded only for provider specs: the AI SDK and its providers take ~150 ms to import.
  const { DEFAULT_BASE_URLS, ProviderModel } = await import('./provider-model.ts');
  // Only the config file sets a base URL: OPENAI_BASE_URL and the like are never read.
  const baseURL = entry?.baseURL ?? (type === 'openai-compatible' ? undefined : DEFAULT_BASE_URLS[type]);
  if (baseURL === undefined) {
    throw new SandbenchError('config', `${file ?? 'config'}: providers.${providerName}.baseURL: required for an openai-compatible provider`);
  }
  const settings = config.models[spec];
  return new ProviderModel({
    id: spec,
    providerName,
    type,
    modelName,
    baseURL,
    ...apiKeyFor(spec, providerName, type, entry?.apiKeyEnv, options.env ?? process.env),
    ...(entry?.headers ? { headers: entry.headers } : {}),
    ...(entry?.name ? { sdkProviderName: entry.name } : {}),
    ...(settings ? { settings } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/**
 * The model for a `provider:model` spec, or a user-supplied `Model` object, returned as is.
 * Offline: `reference`, `empty`, `scripted:<file>`. Providers: `openai:<m>` (chat completions),
 * `anthropic:<m>`, `google:<m>`, and `<name>:<m>` for each provider of the config file. The
 * provider is the text before the first colon, so a model name or file path may hold colons
 * (`local:qwen2.5-coder:7b`). A provider model's key must be set now: a missing one is a
 * `config` error naming the variable, before any run starts.
 */
export async function resolveModel(spec: string | Model, options: ResolveModelOptions = {}): Promise<Model> {
  if (typeof spec !== 'string') {
    if (isModel(spec)) return spec;
    throw new InvalidInputError('a model must be a spec string or an object with an `id` and a `generate` function');
  }
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const provider = colon === -1 ? trimmed : trimmed.slice(0, colon);
  const name = colon === -1 ? '' : trimmed.slice(colon + 1);
  switch (provider) {
    case 'reference':
      if (name !== '') throw unknownModel(spec, "'reference' takes no model name");
      return referenceModel;
    case 'empty':
      if (name !== '') throw unknownModel(spec, "'empty' takes no model name");
      return emptyModel;
    case 'scripted':
      if (name === '') throw unknownModel(spec, "'scripted' needs a file: scripted:<file.jsonl>");
      return ScriptedModel.load(name);
    case 'replay': {
      if (name === '') throw unknownModel(spec, "'replay' needs a run folder: replay:<folder>");
      const { ReplayModel } = await import('./replay-model.ts');
      return ReplayModel.load(name);
    }
    default: {
      if (provider === '') throw unknownModel(spec, 'empty spec');
      const loaded = await modelConfigFor(options);
      const model = await providerModel(trimmed, provider, name, loaded, options);
      if (model !== undefined) return model;
      throw unknownModel(spec, `no provider '${provider}'`, Object.keys(loaded.config.providers));
    }
  }
}
