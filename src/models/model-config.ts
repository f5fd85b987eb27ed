import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { approvalPolicySchema } from '../agents/agent-task-schema.ts';
import { SandbenchError } from '../errors/sandbench-error.ts';

/** Wire formats a configured provider can speak. */
export const PROVIDER_TYPES = ['openai', 'anthropic', 'google', 'openai-compatible'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Provider names built in: usable without a config entry, and overridable by one of the same name. */
export const BUILT_IN_PROVIDERS = ['openai', 'anthropic', 'google'] as const;

/** Names that belong to offline models and so cannot name a provider. */
export const RESERVED_PROVIDER_NAMES = ['reference', 'empty', 'scripted', 'replay'] as const;

/** File names looked for in a folder, in this order. */
export const CONFIG_FILE_NAMES = ['sandbench.config.yaml', 'sandbench.config.yml', 'sandbench.config.json'] as const;

const ENVIRONMENT_VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One provider entry: `providers.<name>`. */
export const providerConfigSchema = z.strictObject({
  /** Wire format; may be left out when the entry's name is a built-in provider (`openai`, `anthropic`, `google`). */
  type: z.enum(PROVIDER_TYPES).optional(),
  /** Where requests go, e.g. `http://127.0.0.1:8000/v1`. Required for `openai-compatible`. */
  baseURL: z.url({ protocol: /^https?$/ }).optional(),
  /** The NAME of the environment variable holding the key (never the key itself). */
  apiKeyEnv: z.string().regex(ENVIRONMENT_VARIABLE, 'must be an environment variable name').optional(),
  /** Extra HTTP headers sent with every request. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Provider name the SDK reports (defaults to the entry's name). */
  name: z.string().min(1).optional(),
});
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

/** Per-model defaults and limits: `models.'<provider>:<model>'`. */
export const modelSettingsSchema = z.strictObject({
  /** Sampling temperature used when a request sets none. */
  temperature: z.number().min(0).max(2).optional(),
  /** Nucleus sampling used when a request sets none. */
  topP: z.number().gt(0).max(1).optional(),
  /** Most answer tokens, used when a request sets none. */
  maxTokens: z.int().positive().optional(),
  /** Stop sequences, used when a request sets none. */
  stop: z.array(z.string().min(1)).optional(),
  /** Sampling seed, used when a request sets none. */
  seed: z.int().optional(),
  /** System prompt, used when the request's messages carry none. */
  system: z.string().optional(),
  /** Requests started per minute, shared by every sample of this model in the process. */
  requestsPerMinute: z.number().positive().optional(),
  /** Tokens (input + output, as the provider reports them) per minute, shared likewise. */
  tokensPerMinute: z.number().positive().optional(),
  /** Time one request may take before it is abandoned and retried (milliseconds). */
  timeoutMs: z.int().positive().optional(),
  /** Retries of a failed request after the first attempt. */
  maxRetries: z.int().nonnegative().max(20).optional(),
  /** Requests of this model in flight at once. */
  concurrency: z.int().positive().optional(),
  /** What the model costs, in US dollars per million tokens; reports show a run's cost from it. */
  price: z
    .strictObject({
      inputPerMillion: z.number().nonnegative(),
      outputPerMillion: z.number().nonnegative(),
    })
    .optional(),
});
export type ModelSettings = z.infer<typeof modelSettingsSchema>;

/** The whole config file. */
export const modelConfigSchema = z
  .strictObject({
    /** Named providers, used as `--model <name>:<model>`. */
    providers: z.record(z.string(), providerConfigSchema).default({}),
    /** Per-model settings keyed by the full `<provider>:<model>` spec. */
    models: z.record(z.string(), modelSettingsSchema).default({}),
    /** The remote backend's services (`--sandbox remote`): their URLs and the variable holding their token. */
    remotes: z
      .strictObject({
        urls: z.array(z.url({ protocol: /^https?$/ })).min(1),
        tokenEnv: z.string().regex(ENVIRONMENT_VARIABLE, 'must be an environment variable name').optional(),
      })
      .optional(),
    /** Agent tasks: an approval policy for every run with this config, checked before each task's own. */
    approval: approvalPolicySchema.optional(),
  })
  .superRefine((config, context) => {
    for (const [name, provider] of Object.entries(config.providers)) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
        context.addIssue({ code: 'custom', path: ['providers', name], message: 'a provider name has only letters, digits, ".", "_" and "-" (no colon)' });
      }
      if ((RESERVED_PROVIDER_NAMES as readonly string[]).includes(name)) {
        context.addIssue({ code: 'custom', path: ['providers', name], message: `'${name}' is an offline model, not a provider name` });
      }
      const builtIn = (BUILT_IN_PROVIDERS as readonly string[]).includes(name);
      if (provider.type === undefined && !builtIn) {
        context.addIssue({ code: 'custom', path: ['providers', name, 'type'], message: `required: one of ${PROVIDER_TYPES.join(', ')}` });
      }
      if ((provider.type ?? name) === 'openai-compatible' && provider.baseURL === undefined) {
        context.addIssue({ code: 'custom', path: ['providers', name, 'baseURL'], message: 'required for an openai-compatible provider' });
      }
    }
    for (const spec of Object.keys(config.models)) {
      const colon = spec.indexOf(':');
      if (colon <= 0 || colon === spec.length - 1) {
        context.addIssue({ code: 'custom', path: ['models', spec], message: "a model key is '<provider>:<model>'" });
      }
    }
  });
export type ModelConfig = z.infer<typeof modelConfigSchema>;

/** A config as loaded, with the file it came from (for messages). */
export interface LoadedModelConfig {
  config: ModelConfig;
  /** Absolute path of the file, or undefined for a config given as an object. */
  file?: string;
}

export interface LoadModelConfigOptions {
  /** An explicit file (`--config`): it must exist. */
  path?: string;
  /** Folder to look in for `sandbench.config.{yaml,yml,json}` (default: the working folder). */
  folder?: string;
}

/** `a.b["local:qwen"].c`: dots for plain names, quoted brackets for others. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? '(top level)' : text;
}

function configError(file: string, problems: string[]): SandbenchError {
  return new SandbenchError('config', `${file}: ${problems.join('; ')}`, { details: { file, problems } });
}

/** Validates a parsed config; errors name the file and each field path. */
export function parseModelConfig(value: unknown, file = 'config'): ModelConfig {
  const result = modelConfigSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatFieldPath([...issue.path, key])}: unknown key`).join('; ');
    }
    return `${formatFieldPath(issue.path)}: ${issue.message}`;
  });
  throw configError(file, problems);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readConfigFile(file: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'config file not found' : `cannot read the config file (${(error as Error).message})`;
    throw new SandbenchError('config', `${file}: ${reason}`, { details: { file }, cause: error });
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SandbenchError('config', `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`, {
      details: { file },
      cause: error,
    });
  }
  return parseModelConfig(value, file);
}

/**
 * Loads the model config: the explicit `path` (which must exist), else the one
 * `sandbench.config.{yaml,yml,json}` in `folder` (default: the working folder). Returns
 * undefined when there is none to find; two candidates in one folder are an error.
 */
export async function loadModelConfig(options: LoadModelConfigOptions = {}): Promise<LoadedModelConfig | undefined> {
  if (options.path !== undefined) {
    const file = resolve(options.path);
    return { config: await readConfigFile(file), file };
  }
  const folder = resolve(options.folder ?? process.cwd());
  const found: string[] = [];
  for (const name of CONFIG_FILE_NAMES) {
    if (await isFile(join(folder, name))) found.push(join(folder, name));
  }
  if (found.length > 1) {
    throw new SandbenchError('config', `several config files in ${folder}: ${found.join(', ')}; keep one, or choose with --config`, {
      details: { files: found },
    });
  }
  const [file] = found;
  return file === undefined ? undefined : { config: await readConfigFile(file), file };
}
