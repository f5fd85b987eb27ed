import { SandbenchError } from '../errors/sandbench-error.ts';
import type { Task } from '../schemas/task.ts';
import type { GenerateRequest, GenerateResponse, Model } from './model.ts';

/**
 * The reference's answer at one turn of an agent episode: its `referenceCalls`, one per turn, then
 * `reference` submitted (with the `submit` tool when the task has it, as text otherwise).
 */
function referenceEpisodeTurn(task: Task, turn: number): GenerateResponse {
  const calls = task.referenceCalls ?? [];
  const usage = { inputTokens: 0, outputTokens: 0 };
  const call = calls[turn];
  if (call) return { text: '', toolCalls: [{ id: `reference_${turn}`, name: call.tool, arguments: JSON.stringify(call.arguments) }], usage, finishReason: 'tool-calls' };
  const reference = task.reference;
  if (reference === undefined) return { text: '', toolCalls: [], usage, finishReason: calls.length > 0 ? 'stop' : 'no-reference' };
  const submits = (task.tools ?? []).includes('submit');
  return submits
    ? { text: '', toolCalls: [{ id: `reference_${turn}`, name: 'submit', arguments: JSON.stringify({ answer: reference }) }], usage, finishReason: 'tool-calls' }
    : { text: reference, toolCalls: [], usage, finishReason: 'stop' };
}

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
    const task = request.task;
    if (task.kind === 'agent') return referenceEpisodeTurn(task, request.turn ?? 0);
    const reference = task.reference;
    return {
      text: reference ?? '',
      toolCalls: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      finishReason: reference === undefined ? 'no-reference' : 'stop',
    };
  },
  coverage(tasks) {
    return { missing: tasks.filter((task) => task.reference === undefined && (task.referenceCalls ?? []).length === 0).map((task) => ({ taskId: task.id, answers: 0 })), unknownTaskIds: [] };
  },
};
