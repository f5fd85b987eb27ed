import { z } from 'zod';
import type { Task } from '../schemas/task.ts';
import { convertRecords, finishTask, parseRecord, type RecordLocation } from './dataset-record.ts';
import type { JsonlRecord } from './read-jsonl.ts';

/** Run limits of imported HumanEval-X tasks (see `HUMANEVAL_TIMEOUT_MS` for why 10 s). */
export const HUMANEVAL_X_TIMEOUT_MS = 10_000;

/** One record of HumanEval-X (THUDM/CodeGeeX), e.g. `humaneval_js.jsonl.gz`. */
export const humanEvalXRecordSchema = z.object({
  task_id: z.string().min(1),
  prompt: z.string().min(1),
  canonical_solution: z.string(),
  test: z.string().min(1),
  /** The bare function header; tells this format apart. */
  declaration: z.string(),
  /** A test made of the docstring examples only (empty in a few records). */
  example_test: z.string().default(''),
});
export type HumanEvalXRecord = z.infer<typeof humanEvalXRecordSchema>;

/** The function a declaration introduces (`const hasCloseElements = (` → `hasCloseElements`). */
export function declaredName(declaration: string): string | undefined {
  const match = /(?:function\s*\*?\s*|(?:const|let|var)\s+)([A-Za-z_$][\w$]*)/.exec(declaration);
  return match?.[1];
}

/**
 * One HumanEval-X JavaScript record → a task. Upstream runs `prompt + completion + "\n" + test`
 * with `node` and fails the sample when anything reaches stdout or stderr (`console.assert`
 * prints and carries on), hence `'\n' + test` and `passWhen: 'exit-zero-silent'`.
 */
export function humanEvalXTask(value: unknown, location: RecordLocation): Task {
  const record = parseRecord(humanEvalXRecordSchema, location, value);
  const entryPoint = declaredName(record.declaration);
  return finishTask(location, {
    id: record.task_id,
    prompt: record.prompt,
    language: 'javascript',
    codePrefix: record.prompt,
    ...(entryPoint === undefined ? {} : { entryPoint }),
    reference: record.canonical_solution,
    tests: [{ kind: 'program', code: `\n${record.test}`, passWhen: 'exit-zero-silent' }],
    limits: { run: { timeoutMs: HUMANEVAL_X_TIMEOUT_MS } },
    tags: ['humaneval-x', 'javascript'],
    metadata: { source: 'THUDM/CodeGeeX humaneval-x', declaration: record.declaration, exampleTest: record.example_test },
  });
}

/** Convert HumanEval-X JavaScript records to tasks. */
export function importHumanEvalX(records: readonly JsonlRecord[], file: string): Task[] {
  return convertRecords(records, file, 'task_id', humanEvalXTask);
}
