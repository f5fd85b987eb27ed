import { SandbenchError } from '../errors/sandbench-error.ts';
import type { GenerateRequest, GenerateResponse, Model } from './model.ts';

/**
 * `reference`: answers each task with its known-good completion (`task.reference`). Validating
 * a benchmark with it shows that the reference solutions pass. A task without a reference gets
 * `''` with `finishReason: 'no-reference'`, so a report can tell "no reference" from "wrong
 * reference".
 */
export const referenceModel: Model = {
  id: 'reference',
  offline: true,
  // A reference solution continues the task's code prefix.
  promptStyle: 'continuation',
  async generate(request: GenerateRequest): Promise<GenerateResponse> {
    request.signal?.throwIfAborted();
    if (request.task === undefined) {
      throw new SandbenchError('model', 'the reference model answers tasks only: the request carries no task', {
        details: { model: 'reference' },
      });
    }
    const reference = request.task.reference;
    return {
      text: reference ?? '',
      toolCalls: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      finishReason: reference === undefined ? 'no-reference' : 'stop',
    };
  },
  coverage(tasks) {
    return { missing: tasks.filter((task) => task.reference === undefined).map((task) => ({ taskId: task.id, answers: 0 })), unknownTaskIds: [] };
  },
};
