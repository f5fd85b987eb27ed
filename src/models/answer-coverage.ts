import type { Task } from '../schemas/task.ts';
import type { ModelCoverage } from './model.ts';

/**
 * The coverage of an offline model whose answers are indexed by task id and sample index: the
 * selected tasks short of `samples` answers, and the task ids it answers that the suite lacks.
 */
export function answerCoverage(
  answers: ReadonlyMap<string, { has(sampleIndex: number): boolean }>,
  tasks: readonly Task[],
  samples: number,
  allTaskIds: readonly string[],
): ModelCoverage {
  const missing: ModelCoverage['missing'] = [];
  for (const task of tasks) {
    const forTask = answers.get(task.id);
    let have = 0;
    for (let index = 0; index < samples; index += 1) if (forTask?.has(index)) have += 1;
    if (have < samples) missing.push({ taskId: task.id, answers: have });
  }
  const known = new Set(allTaskIds);
  return { missing, unknownTaskIds: [...answers.keys()].filter((id) => !known.has(id)) };
}
