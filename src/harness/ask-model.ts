import type { GenerateRequest, GenerateResponse, Model } from '../models/model.ts';
import type { ResponseCache } from '../models/response-cache.ts';
import type { Transcript } from '../schemas/sample-result.ts';

/** Characters of a provider's raw response kept in a sample's transcript. */
export const RAW_RESPONSE_CHARS = 16_384;

/** The raw response as capped JSON text. */
export function capRaw(raw: unknown): Pick<Transcript, 'raw' | 'truncated'> {
  if (raw === undefined) return {};
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  } catch {
    return {};
  }
  if (text === undefined) return {};
  return text.length > RAW_RESPONSE_CHARS ? { raw: text.slice(0, RAW_RESPONSE_CHARS), truncated: true } : { raw: text };
}

/** Ask the model (through the cache, when there is one). */
export async function ask(
  options: { model: Model; cache?: ResponseCache },
  request: GenerateRequest,
  sampleIndex: number,
  turn: number,
): Promise<{ response: GenerateResponse; cached: boolean }> {
  const cache = options.model.offline ? undefined : options.cache;
  const key = cache?.key(options.model, request, sampleIndex, turn);
  if (cache && key) {
    const hit = await cache.get(key);
    if (hit) return { response: { ...hit, retries: 0 }, cached: true };
  }
  const response = await options.model.generate(request);
  if (cache && key) await cache.put(key, response);
  return { response, cached: false };
}

