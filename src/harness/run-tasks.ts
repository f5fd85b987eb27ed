import { z } from 'zod';
import type { Task } from '../schemas/task.ts';

/**
 * A line of a run folder's `tasks.jsonl`: what a report needs to know about each task of the run
 * without the suite at hand (the suite may have moved or changed since).
 */
export const runTaskSchema = z.object({
  id: z.string(),
  /** `private` tasks are held out of public reports. */
  split: z.enum(['public', 'private']),
  language: z.string(),
  /** What the model was asked. */
  prompt: z.string(),
});
export type RunTask = z.infer<typeof runTaskSchema>;

/** The `tasks.jsonl` line of a task. */
export function describeRunTask(task: Task): RunTask {
  return { id: task.id, split: task.split ?? 'public', language: task.language, prompt: task.prompt };
}
