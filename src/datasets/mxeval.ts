import { z } from 'zod';
import type { Language, Task, TaskInput } from '../schemas/task.ts';
import { convertRecords, datasetError, finishTask, parseRecord, type RecordLocation } from './dataset-record.ts';
import type { JsonlRecord } from './read-jsonl.ts';

/**
 * Run limit of imported mxeval tasks: the `timeout` of mxeval's `evaluate_functional_correctness`
 * command (15 s; its library function defaults to 10 s), which bounds each program's run.
 */
export const MXEVAL_TIMEOUT_MS = 15_000;
/** mxeval's compile timeout (`compile_timeout=100` seconds: javac, g++). */
export const MXEVAL_COMPILE_TIMEOUT_MS = 100_000;

/**
 * The `language` values of mxeval records that sandbench runs, and the runtime each runs in.
 * The names are mxeval's (`check_correctness_function_map` in `mxeval/evaluation.py`).
 */
export const MXEVAL_LANGUAGES = {
  python: 'python',
  javascript: 'javascript',
  typescript: 'typescript',
  java: 'java',
  go: 'go',
  cpp: 'cpp',
} as const satisfies Record<string, Language>;
export type MxevalLanguage = keyof typeof MXEVAL_LANGUAGES;

/** mxeval languages sandbench has no runtime for: their records are refused, never run as another language. */
export const MXEVAL_LANGUAGES_NOT_RUN = ['csharp', 'kotlin', 'php', 'ruby', 'perl', 'scala', 'swift'] as const;

/**
 * One record of mxeval's data: MBXP (`mbjsp_release_v1.jsonl`, `mbpp_release_v1.jsonl`, …) and
 * multilingual HumanEval (`HumanEval_typescript_v1.jsonl`, …) share it.
 */
export const mxevalRecordSchema = z.object({
  task_id: z.string().min(1),
  prompt: z.string().min(1),
  test: z.string().min(1),
  /** mxeval's language name: which `check_correctness_<language>` judges the record. */
  language: z.string().min(1),
  /** The task in words (MBXP's Python split has none). */
  description: z.string().default(''),
  entry_point: z.string().min(1),
  // `null` or `""` in most published files (no reference solution); some splits carry them.
  canonical_solution: z.string().nullish(),
});
export type MxevalRecord = z.infer<typeof mxevalRecordSchema>;

/** Python's `check(<entry_point>)` is interpolated into the program: only an identifier may go there. */
const pythonIdentifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The language a record names, or a refusal naming file, line, task id and language. */
function recordLanguage(record: MxevalRecord, location: RecordLocation): MxevalLanguage {
  if (Object.hasOwn(MXEVAL_LANGUAGES, record.language)) return record.language as MxevalLanguage;
  const runs = Object.keys(MXEVAL_LANGUAGES).join(', ');
  const known = (MXEVAL_LANGUAGES_NOT_RUN as readonly string[]).includes(record.language);
  throw datasetError(
    location,
    known
      ? `language '${record.language}': sandbench does not run ${record.language} (it runs these mxeval languages: ${runs})`
      : `language '${record.language}' is not an mxeval language sandbench runs (it runs: ${runs})`,
    { field: 'language', language: record.language },
  );
}

/**
 * The task for one record, assembled and judged as mxeval's `check_correctness_<language>`
 * (`mxeval/execution.py`) does. Every language writes `prompt + completion + test` to one file
 * (the harness joins `codePrefix + completion + test.code`) and passes on exit code 0:
 * - Python: `+ "\ncheck(" + entry_point + ")"` after the test, run with `python` (as HumanEval).
 * - JavaScript: run with `node`; the tests `require("lodash")`, which both backends serve.
 * - TypeScript: `tsc --target es5 --lib es2016`, then `node` on what it emitted, whatever tsc
 *   reported (transpile-only, ES5, CommonJS, emit on error).
 * - Java: the file is `main.java` (the test's class `Main` is not public), `javac` then
 *   `java -cp <dir> Main`, no `-ea`: the `mxeval` variant of the Java runtime.
 * - Go: `go run <file>.go`, a `package main` program whose `main` is the test: what the Go
 *   runtime's own `go build` then `./main` does.
 * - C++: `g++ <file>.cpp -o <file>_cpp` (no -std, no -O) and `./<file>_cpp`: the `mxeval` variant.
 */
function languageTask(record: MxevalRecord, language: MxevalLanguage, location: RecordLocation): TaskInput {
  const reference = record.canonical_solution ?? '';
  const base = {
    id: record.task_id,
    prompt: record.prompt,
    language: MXEVAL_LANGUAGES[language],
    codePrefix: record.prompt,
    entryPoint: record.entry_point,
    // An empty canonical solution means "none", not "the empty completion is correct".
    ...(reference.trim() === '' ? {} : { reference }),
    tags: ['mbxp', MXEVAL_LANGUAGES[language]],
    metadata: { source: 'amazon-science/mxeval', description: record.description },
  } satisfies Partial<TaskInput>;
  const test = (code: string) => [{ kind: 'program' as const, code, passWhen: 'exit-zero' as const }];
  const run = { timeoutMs: MXEVAL_TIMEOUT_MS };
  const compile = { timeoutMs: MXEVAL_COMPILE_TIMEOUT_MS, cpuTimeMs: MXEVAL_COMPILE_TIMEOUT_MS };
  switch (language) {
    case 'python':
      if (!pythonIdentifier.test(record.entry_point)) {
        throw datasetError(location, 'entry_point: expected a Python identifier', { field: 'entry_point' });
      }
      return { ...base, tests: test(`${record.test}\ncheck(${record.entry_point})`), limits: { run: { ...run, cpuTimeMs: MXEVAL_TIMEOUT_MS } } };
    case 'javascript':
    case 'go':
      return { ...base, tests: test(record.test), limits: { run } };
    case 'typescript':
      return { ...base, tests: test(record.test), typescript: { target: 'es5', module: 'commonjs', emitOnError: true }, limits: { run } };
    case 'java':
    case 'cpp':
      return { ...base, tests: test(record.test), runtimeVariant: 'mxeval', limits: { run, compile } };
  }
}

/** One mxeval record → a task in the language its `language` field names (or a refusal). */
export function mxevalTask(value: unknown, location: RecordLocation): Task {
  const record = parseRecord(mxevalRecordSchema, location, value);
  return finishTask(location, languageTask(record, recordLanguage(record, location), location));
}

/** Convert mxeval records (MBXP, multilingual HumanEval; any language sandbench runs) to tasks. */
export function importMxeval(records: readonly JsonlRecord[], file: string): Task[] {
  return convertRecords(records, file, 'task_id', mxevalTask);
}
