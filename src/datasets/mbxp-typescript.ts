import { z } from 'zod';
import type { Task } from '../schemas/task.ts';
import { convertRecords, finishTask, parseRecord, type RecordLocation } from './dataset-record.ts';
import type { JsonlRecord } from './read-jsonl.ts';

/** Run limits of imported MBXP tasks (see `HUMANEVAL_TIMEOUT_MS` for why 10 s). */
export const MBXP_TIMEOUT_MS = 10_000;

/** One record of mxeval's multilingual HumanEval, TypeScript split (`HumanEval_typescript_v1.jsonl`). */
export const mbxpTypescriptRecordSchema = z.object({
  task_id: z.string().min(1),
  prompt: z.string().min(1),
  test: z.string().min(1),
  // Other mxeval splits run under other harness rules; this importer reproduces the TypeScript one.
  language: z.literal('typescript', 'expected "typescript" (only the TypeScript split of MBXP is supported)'),
  description: z.string(),
  entry_point: z.string().min(1),
  // Empty in the published file (`null` there, `""` per its documentation): no reference solutions.
  canonical_solution: z.string().nullish(),
});
export type MbxpTypescriptRecord = z.infer<typeof mbxpTypescriptRecordSchema>;

/**
 * One MBXP TypeScript record → a task. Upstream (mxeval) writes `prompt + completion + test`,
 * emits JavaScript with `tsc --target es5` (neither type nor syntax errors stop the emit) and runs
 * it with `node`, passing on exit 0; hence `code: test` and transpile-only `{ target: 'es5',
 * module: 'commonjs', emitOnError: true }`: ES5 turns `let`/`const` into `var`, which some
 * completions rely on, and what tsc emits despite a syntax diagnostic runs as upstream runs it.
 */
export function mbxpTypescriptTask(value: unknown, location: RecordLocation): Task {
  const record = parseRecord(mbxpTypescriptRecordSchema, location, value);
  const reference = record.canonical_solution ?? '';
  return finishTask(location, {
    id: record.task_id,
    prompt: record.prompt,
    language: 'typescript',
    codePrefix: record.prompt,
    entryPoint: record.entry_point,
    // An empty canonical solution means "none", not "the empty completion is correct".
    ...(reference.trim() === '' ? {} : { reference }),
    tests: [{ kind: 'program', code: record.test, passWhen: 'exit-zero' }],
    typescript: { target: 'es5', module: 'commonjs', emitOnError: true },
    limits: { run: { timeoutMs: MBXP_TIMEOUT_MS } },
    tags: ['mbxp', 'typescript'],
    metadata: { source: 'amazon-science/mxeval', description: record.description },
  });
}

/** Convert MBXP TypeScript records to tasks. */
export function importMbxpTypescript(records: readonly JsonlRecord[], file: string): Task[] {
  return convertRecords(records, file, 'task_id', mbxpTypescriptTask);
}
