import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandbenchError } from '../../src/errors/sandbench-error.ts';
import { exitCodeFor } from '../../src/errors/exit-codes.ts';
import { loadModelConfig, parseModelConfig } from '../../src/models/model-config.ts';
import { resolveModel } from '../../src/models/resolve-model.ts';
import { startFakeProviderServer, type FakeProviderServer } from '../support/fake-provider-server.ts';

let root: string;
let server: FakeProviderServer;
let folderCount = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sandbench-config-'));
  server = await startFakeProviderServer({ answer: () => 'ok' });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

/** A fresh folder holding the given files. */
async function folderWith(files: Record<string, string>): Promise<string> {
  folderCount += 1;
  const folder = join(root, `case-${folderCount}`);
  await mkdir(folder);
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  return folder;
}

/** The issue's example, verbatim but for the port. */
const issueYaml = (baseURL: string) => `providers:
  local:                         # used as --model local:<model name>
    type: openai-compatible      # openai | anthropic | google | openai-compatible
    baseURL: ${baseURL}
    apiKeyEnv: LOCAL_API_KEY     # optional: the NAME of the variable holding the key
models:
  local:qwen2.5-coder:           # optional per-model defaults
    temperature: 0.2
    maxTokens: 1024
    requestsPerMinute: 60
`;

async function configError(promise: Promise<unknown>): Promise<SandbenchError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(SandbenchError.is(error, 'config')).toBe(true);
  expect(exitCodeFor(error)).toBe(2);
  return error as SandbenchError;
}

describe('loadModelConfig', () => {
  it("loads the issue's YAML from the folder, and a model resolves from it with its defaults on the wire", async () => {
    const folder = await folderWith({ 'sandbench.config.yaml': issueYaml(server.baseURLs.openai) });
    const loaded = await loadModelConfig({ folder });
    expect(loaded?.file).toBe(join(folder, 'sandbench.config.yaml'));
    expect(loaded?.config).toEqual({
      providers: { local: { type: 'openai-compatible', baseURL: server.baseURLs.openai, apiKeyEnv: 'LOCAL_API_KEY' } },
      models: { 'local:qwen2.5-coder': { temperature: 0.2, maxTokens: 1024, requestsPerMinute: 60 } },
    });
    const model = await resolveModel('local:qwen2.5-coder', { config: loaded, env: { LOCAL_API_KEY: 'local-key-abcdef' } });
    await model.generate({ messages: [{ role: 'user', content: 'hi' }] });
    expect(server.requests.at(-1)?.body).toMatchObject({ model: 'qwen2.5-coder', temperature: 0.2, max_tokens: 1024 });
  });

  it('reads the JSON form, and .yml', async () => {
    const json = await folderWith({
      'sandbench.config.json': JSON.stringify({ providers: { vllm: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:8000/v1' } }, models: { 'vllm:m': { seed: 1 } } }),
    });
    expect((await loadModelConfig({ folder: json }))?.config).toEqual({
      providers: { vllm: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:8000/v1' } },
      models: { 'vllm:m': { seed: 1 } },
    });
    const yml = await folderWith({ 'sandbench.config.yml': 'providers:\n  openai:\n    baseURL: http://127.0.0.1:9999/v1\n' });
    expect((await loadModelConfig({ folder: yml }))?.config.providers.openai).toEqual({ baseURL: 'http://127.0.0.1:9999/v1' });
  });

  it('finds nothing in a folder without one, and refuses two', async () => {
    expect(await loadModelConfig({ folder: await folderWith({}) })).toBeUndefined();
    const both = await folderWith({ 'sandbench.config.yaml': 'providers: {}\n', 'sandbench.config.json': '{}' });
    expect((await configError(loadModelConfig({ folder: both }))).message).toMatch(/several config files/);
  });

  it('an explicit --config file that does not exist is an error naming it', async () => {
    const missing = join(root, 'nowhere', 'my.config.yaml');
    expect((await configError(loadModelConfig({ path: missing }))).message).toBe(`${missing}: config file not found`);
  });

  it('errors name the file and the field path', async () => {
    const folder = await folderWith({
      'sandbench.config.yaml': 'providers:\n  local:\n    type: openai-compatible\n    baseURL: not a url\nmodels:\n  "local:m":\n    temperature: 7\n',
    });
    const file = join(folder, 'sandbench.config.yaml');
    const error = await configError(loadModelConfig({ folder }));
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(error.message).toContain('providers.local.baseURL: Invalid URL');
    expect(error.message).toContain('models["local:m"].temperature: Too big');
    expect(error.details).toMatchObject({ file });
  });

  it('unknown keys are errors that name them', async () => {
    const folder = await folderWith({
      'sandbench.config.yaml': 'providers:\n  local:\n    type: openai-compatible\n    baseUrl: http://127.0.0.1:1/v1\nmodel:\n  x: 1\n',
    });
    const error = await configError(loadModelConfig({ folder }));
    expect(error.message).toContain('providers.local.baseUrl: unknown key');
    expect(error.message).toContain('model: unknown key');
    expect(error.message).toContain('providers.local.baseURL: required for an openai-compatible provider');
  });

  it('rejects a provider without a type (unless built in), reserved names, and model keys without a provider', () => {
    const problems = (value: unknown) => {
      try {
        parseModelConfig(value, 'x.yaml');
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ providers: { mine: { baseURL: 'http://127.0.0.1:1/v1' } } })).toContain('providers.mine.type: required');
    expect(problems({ providers: { openai: { baseURL: 'http://127.0.0.1:1/v1' } } })).toBe('');
    expect(problems({ providers: { reference: { type: 'openai', baseURL: 'http://127.0.0.1:1/v1' } } })).toContain("'reference' is an offline model");
    expect(problems({ providers: { 'a:b': { type: 'openai' } } })).toContain('no colon');
    expect(problems({ models: { gpt: { temperature: 1 } } })).toContain("models.gpt: a model key is '<provider>:<model>'");
    expect(problems({ providers: { x: { type: 'openai', apiKeyEnv: 'sk-123 not a name' } } })).toContain('providers.x.apiKeyEnv: must be an environment variable name');
    expect(problems({ providers: { x: { type: 'ftp' } } })).toContain('providers.x.type');
  });

  it('invalid YAML names the file', async () => {
    const folder = await folderWith({ 'sandbench.config.yaml': 'providers:\n  local: [unclosed\n' });
    expect((await configError(loadModelConfig({ folder }))).message).toContain(`${join(folder, 'sandbench.config.yaml')}: not valid YAML`);
  });
});

describe('resolveModel with a config', () => {
  it('validates a config object given in code like a file', async () => {
    const bad = { providers: { local: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1', apiKey: 'inline-secret-123' } }, models: {} };
    const error = await configError(resolveModel('local:m', { config: bad as never, env: {} }));
    expect(error.message).toBe('the config object: providers.local.apiKey: unknown key');
  });

  it('reads the config from configPath, and lists configured providers for an unknown one', async () => {
    const folder = await folderWith({ 'custom.yaml': issueYaml(server.baseURLs.openai) });
    const model = await resolveModel('local:qwen2.5-coder', { configPath: join(folder, 'custom.yaml'), env: { LOCAL_API_KEY: 'local-key-abcdef' } });
    expect(model.id).toBe('local:qwen2.5-coder');
    await expect(resolveModel('remote:x', { configPath: join(folder, 'custom.yaml'), env: {} })).rejects.toThrow(
      "unknown model 'remote:x': no provider 'remote'; known providers: reference, empty, scripted:<file>, replay:<run folder>, openai:<model>, anthropic:<model>, google:<model>, local:<model>",
    );
    await expect(resolveModel('local:', { configPath: join(folder, 'custom.yaml'), env: {} })).rejects.toThrow(/needs a model name/);
  });
});
