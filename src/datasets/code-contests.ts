import { z } from 'zod';
import { languageSchema, type Language, type Task } from '../schemas/task.ts';
import { convertRecords, finishTask, jsonEncoded, parseRecord, type RecordLocation } from './dataset-record.ts';
import type { JsonlRecord } from './read-jsonl.ts';
import { stdioProgramPrompt } from './stdio-program-prompt.ts';

/** SandboxFusion's run limit for interpreted languages when the request sets none. */
export const CODE_CONTESTS_INTERPRETED_TIMEOUT_MS = 20_000;
/** SandboxFusion's compile and run limits for compiled languages when the request sets none. */
export const CODE_CONTESTS_COMPILED_TIMEOUT_MS = 10_000;

const INTERPRETED: ReadonlySet<Language> = new Set(['python', 'javascript', 'typescript', 'bash']);

/** One stdio case of SandboxFusion's `test` column. */
const stdioCaseSchema = z.looseObject({
  input: z.looseObject({ stdin: z.string() }),
  output: z.looseObject({ stdout: z.string() }),
});

/**
 * One record of DeepMind CodeContests as SandboxFusion packages it (its `code_contests` table,
 * served by `CommonOJDataset`): `id`, `content` (the statement), `test` (JSON text of
 * `[{"input": {"stdin": …}, "output": {"stdout": …}}]`) and `labels` (JSON text). A
 * `canonical_solution` becomes the reference; `language` (one sandbench runs) replaces the
 * default, Python — upstream takes the language from the request instead.
 */
export const codeContestsRecordSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().int().nonnegative()]),
  content: z.string().min(1),
  test: jsonEncoded(z.array(stdioCaseSchema).min(1, 'expected at least one test case')),
  labels: jsonEncoded(z.unknown()).optional(),
  canonical_solution: z.string().nullish(),
  language: languageSchema.optional(),
});
export type CodeContestsRecord = z.infer<typeof codeContestsRecordSchema>;

/** Run (and compile) limits as SandboxFusion's defaults, by language. */
export function contestLimits(language: Language): NonNullable<Task['limits']> {
  if (INTERPRETED.has(language)) return { run: { timeoutMs: CODE_CONTESTS_INTERPRETED_TIMEOUT_MS } };
  return { run: { timeoutMs: CODE_CONTESTS_COMPILED_TIMEOUT_MS }, compile: { timeoutMs: CODE_CONTESTS_COMPILED_TIMEOUT_MS } };
}

/**
 * One CodeContests record → a task: the answer is a whole program, each case an I/O test judged
 * by SandboxFusion's comparator, and the task stops at its first failing case as upstream does
 * unless asked to run them all (`run_all_cases`).
 */
export function codeContestsTask(value: unknown, location: RecordLocation): Task {
  const record = parseRecord(codeContestsRecordSchema, location, value);
  const language = record.language ?? 'python';
  const reference = record.canonical_solution ?? '';
  return finishTask(location, {
    id: String(record.id),
    prompt: stdioProgramPrompt(record.content, language),
    language,
    tests: record.test.map((testCase) => ({ kind: 'io' as const, stdin: testCase.input.stdin, stdout: testCase.output.stdout })),
    comparator: 'sandboxfusion',
    stopAtFirstFailure: true,
    ...(reference.trim() === '' ? {} : { reference }),
    limits: contestLimits(language),
    tags: ['codecontests', language],
    metadata: { source: 'deepmind/code_contests (SandboxFusion)', ...(record.labels !== undefined ? { labels: record.labels } : {}) },
  });
}

/** Convert SandboxFusion CodeContests records to tasks. */
export function importCodeContests(records: readonly JsonlRecord[], file: string): Task[] {
  return convertRecords(records, file, 'id', codeContestsTask);
}
