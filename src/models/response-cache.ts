import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { GenerateRequest, GenerateResponse, Model } from './model.ts';

/** Where responses are cached unless told otherwise: `$SANDBENCH_CACHE_DIR`, else the user's cache folder. */
export function defaultCacheFolder(): string {
  if (process.env.SANDBENCH_CACHE_DIR) return process.env.SANDBENCH_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'sandbench', 'responses');
}

/** What a cached entry holds: the answer, without the provider's raw response. */
type CachedResponse = Pick<GenerateResponse, 'text' | 'toolCalls' | 'usage' | 'finishReason' | 'responseModelId'>;

/**
 * Model answers on disk, keyed by a hash of the normalized request (model, its endpoint and
 * settings, messages, sampling parameters) and the sample's index and turn, so a re-run asks
 * only for what it has not had answered. One file per entry, written atomically; a damaged
 * entry is a miss.
 */
export class ResponseCache {
  readonly folder: string;
  /** Each model's description, taken once: it is part of every key. */
  readonly #descriptions = new WeakMap<Model, Record<string, unknown> | null>();

  constructor(folder: string = defaultCacheFolder()) {
    this.folder = folder;
  }

  /** The key of a request: the same request for the same sample and turn maps to the same key. */
  key(model: Model, request: GenerateRequest, sampleIndex: number, turn: number): string {
    const normalized = {
      model: model.id,
      fingerprint: model.fingerprint ?? null,
      // The endpoint and per-model defaults matter, never a key (describe() holds none).
      describe: this.#descriptions.has(model) ? this.#descriptions.get(model) : this.#describe(model),
      // Tool calls and results are part of what was asked (two episodes differing only there must not share answers).
      messages: request.messages.map((message) => (message.toolCalls || message.toolCallId ? [message.role, message.content, message.toolCalls ?? null, message.toolCallId ?? null, message.toolName ?? null] : [message.role, message.content])),
      tools: request.tools ?? null,
      temperature: request.temperature ?? null,
      topP: request.topP ?? null,
      maxTokens: request.maxTokens ?? null,
      stopSequences: request.stopSequences ?? null,
      seed: request.seed ?? null,
      sampleIndex,
      turn,
    };
    return createHash('sha256').update(JSON.stringify(normalized)).digest('hex');
  }

  #describe(model: Model): Record<string, unknown> | null {
    const description = model.describe?.() ?? null;
    this.#descriptions.set(model, description);
    return description;
  }

  private path(key: string): string {
    return join(this.folder, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    try {
      const value = JSON.parse(await readFile(this.path(key), 'utf8')) as CachedResponse;
      return typeof value.text === 'string' && typeof value.finishReason === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async put(key: string, response: GenerateResponse): Promise<void> {
    const entry: CachedResponse = {
      text: response.text,
      toolCalls: response.toolCalls,
      usage: response.usage,
      finishReason: response.finishReason,
      ...(response.responseModelId !== undefined ? { responseModelId: response.responseModelId } : {}),
    };
    const path = this.path(key);
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, JSON.stringify(entry));
    await rename(temporary, path);
  }
}
