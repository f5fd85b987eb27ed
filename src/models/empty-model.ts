import type { GenerateRequest, GenerateResponse, Model } from './model.ts';

/**
 * `empty`: answers `''` to everything. Validating a benchmark with it shows that no task
 * passes without an answer (a test that passes on an empty completion tests nothing).
 */
export const emptyModel: Model = {
  id: 'empty',
  offline: true,
  promptStyle: 'continuation',
  async generate(request: GenerateRequest): Promise<GenerateResponse> {
    request.signal?.throwIfAborted();
    return { text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' };
  },
};
