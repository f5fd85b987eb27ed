import { z } from 'zod';
import { languageSchema, type Task } from '../schemas/task.ts';
import { convertRecords, datasetError, finishTask, jsonEncoded, parseRecord, type RecordLocation } from './dataset-record.ts';
import type { JsonlRecord } from './read-jsonl.ts';
import { stdioProgramPrompt } from './stdio-program-prompt.ts';

/** APPS's own limit per test (`timeout = 4` in its `testing_util.py`). */
export const APPS_TIMEOUT_MS = 4_000;

/** An input or output: text, or lines that upstream joins with `\n`. */
const textOrLinesSchema = z.union([z.string(), z.array(z.string()).transform((lines) => lines.join('\n'))]);

const inputOutputSchema = z.looseObject({
  inputs: z.array(textOrLinesSchema).min(1, 'expected at least one input'),
  outputs: z.array(textOrLinesSchema),
  fn_name: z.string().nullish(),
});

/**
 * One record of APPS (Hendrycks et al.; the Hugging Face `codeparrot/apps` layout): `question`,
 * `input_output` (JSON text of `{inputs, outputs, fn_name?}`), `solutions` (JSON text of a list
 * of programs; the first is the reference), `starter_code`, and `problem_id` (or `id`). An
 * optional `language` replaces the default, Python.
 */
export const appsRecordSchema = z.looseObject({
  problem_id: z.union([z.string().min(1), z.number().int().nonnegative()]).optional(),
  id: z.union([z.string().min(1), z.number().int().nonnegative()]).optional(),
  question: z.string().min(1),
  input_output: jsonEncoded(inputOutputSchema),
  // Empty text in records without solutions.
  solutions: z.union([z.literal(''), jsonEncoded(z.array(z.string()))]).nullish(),
  starter_code: z.string().nullish(),
  language: languageSchema.optional(),
});
export type AppsRecord = z.infer<typeof appsRecordSchema>;

/** Just enough of a record to tell a call-based problem, whose inputs are JSON arguments. */
const callBasedProbeSchema = z.looseObject({ input_output: jsonEncoded(z.looseObject({ fn_name: z.string().nullish() })) });

/**
 * One APPS standard-input problem → a task: a whole program per answer, each input/output pair
 * an I/O test under SandboxFusion's comparator, stopping at the first failing test. Call-based
 * problems (`fn_name`: the function is called with JSON arguments and its return value compared)
 * are refused, naming the record: sandbench runs APPS's standard-input half only.
 */
export function appsTask(value: unknown, location: RecordLocation): Task {
  // Told first: a call-based problem's inputs are not text, and its refusal should say why.
  const functionName = callBasedProbeSchema.safeParse(value).data?.input_output.fn_name;
  if (functionName) {
    throw datasetError(
      location,
      `input_output.fn_name: '${functionName}' makes this a call-based problem (the function is called with JSON arguments), which sandbench does not run; only standard-input problems are imported: leave call-based records out of the file`,
      { field: 'input_output.fn_name' },
    );
  }
  const record = parseRecord(appsRecordSchema, location, value);
  const id = record.problem_id ?? record.id;
  if (id === undefined) throw datasetError(location, 'problem_id: a record needs a problem_id (or an id)', { field: 'problem_id' });
  const { inputs, outputs } = record.input_output;
  if (inputs.length !== outputs.length) {
    throw datasetError(location, `input_output: ${inputs.length} inputs but ${outputs.length} outputs`, { field: 'input_output' });
  }
  const language = record.language ?? 'python';
  const solutions = record.solutions || [];
  const reference = solutions[0] ?? '';
  const starterCode = record.starter_code ?? '';
  return finishTask(location, {
    id: String(id),
    prompt: stdioProgramPrompt(record.question, language),
    language,
    ...(starterCode.trim() === '' ? {} : { starterCode }),
    tests: inputs.map((stdin, index) => ({ kind: 'io' as const, stdin, stdout: outputs[index]! })),
    comparator: 'sandboxfusion',
    stopAtFirstFailure: true,
    ...(reference.trim() === '' ? {} : { reference }),
    limits: { run: { timeoutMs: APPS_TIMEOUT_MS } },
    tags: ['apps', language],
    metadata: { source: 'hendrycks/apps', ...(typeof record.difficulty === 'string' ? { difficulty: record.difficulty } : {}) },
  });
}

/** Convert APPS records to tasks; the id is `problem_id`, else `id`. */
export function importApps(records: readonly JsonlRecord[], file: string): Task[] {
  const first = records[0]?.value;
  const idKey = typeof first === 'object' && first !== null && Object.hasOwn(first, 'problem_id') ? 'problem_id' : 'id';
  return convertRecords(records, file, idKey, appsTask);
}
