import { z } from 'zod';
import { languageSchema, type Task, type TaskInput } from '../schemas/task.ts';
import { APPS_CALL_HEADER, appsCallTest } from './apps-call-test.ts';
import { convertRecords, datasetError, finishTask, jsonEncoded, parseRecord, type RecordLocation } from './dataset-record.ts';
import { jsonArrayItemTexts } from './json-array-item-texts.ts';
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
 * optional `language` replaces the default, Python (standard-input problems only). This schema
 * reads standard-input problems; a call-based one (`fn_name`) is read by its own below.
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

/** `input_output` of a call-based problem: the function's name, its arguments and return values as JSON. */
const callInputOutputSchema = z.looseObject({
  fn_name: z.string().min(1, 'expected the name of the function the tests call'),
  inputs: z.array(z.unknown()).min(1, 'expected at least one input'),
  outputs: z.array(z.unknown()),
});

const appsCallRecordSchema = appsRecordSchema.extend({ input_output: jsonEncoded(callInputOutputSchema) });

/** Just enough of a record to tell a call-based problem (upstream: `fn_name` present and not null). */
const callBasedProbeSchema = z.looseObject({ input_output: jsonEncoded(z.looseObject({ fn_name: z.unknown() })) });

/**
 * One APPS problem → a task, as APPS's `run_test` runs it (hendrycks/apps `eval/testing_util.py`),
 * stopping at the first failing test:
 * - standard input (no `fn_name`): a whole program per answer, each input/output pair an I/O
 *   test under SandboxFusion's comparator;
 * - call-based (`fn_name`, LeetCode and Codewars style): Python only; the answer follows APPS's
 *   import header, and each input is one program test that calls the function with the JSON
 *   arguments and compares its return value as upstream does (see `appsCallTest`).
 */
export function appsTask(value: unknown, location: RecordLocation): Task {
  const probe = callBasedProbeSchema.safeParse(value);
  if (probe.success && probe.data.input_output.fn_name != null) return appsCallTask(value, location);
  const record = parseRecord(appsRecordSchema, location, value);
  const { inputs, outputs } = record.input_output;
  if (inputs.length !== outputs.length) {
    throw datasetError(location, `input_output: ${inputs.length} inputs but ${outputs.length} outputs`, { field: 'input_output' });
  }
  const language = record.language ?? 'python';
  return finishTask(location, {
    ...commonFields(record, location),
    prompt: stdioProgramPrompt(record.question, language),
    language,
    tests: inputs.map((stdin, index) => ({ kind: 'io' as const, stdin, stdout: outputs[index]! })),
    comparator: 'sandboxfusion',
    tags: ['apps', language],
  });
}

/** A call-based problem's task: one program test per input, after APPS's import header. */
function appsCallTask(value: unknown, location: RecordLocation): Task {
  const record = parseRecord(appsCallRecordSchema, location, value);
  const { fn_name: functionName, inputs, outputs } = record.input_output;
  if (inputs.length !== outputs.length) {
    throw datasetError(location, `input_output: ${inputs.length} inputs but ${outputs.length} outputs`, { field: 'input_output' });
  }
  if (record.language !== undefined && record.language !== 'python') {
    throw datasetError(
      location,
      `language: a call-based problem (fn_name '${functionName}') runs Python only, as APPS runs it; this record says ${record.language}`,
      { field: 'language' },
    );
  }
  const raw = (value as { input_output: unknown }).input_output;
  const argumentTexts = itemTexts(raw, 'inputs', inputs, location);
  const expectedTexts = itemTexts(raw, 'outputs', outputs, location);
  const common = commonFields(record, location);
  return finishTask(location, {
    ...common,
    prompt: `${record.question.trimEnd()}\n\n${callInstruction(functionName, common.starterCode)}`,
    language: 'python',
    entryPoint: functionName,
    // The header starts the program without being the model's to continue or to see.
    importHelper: { header: APPS_CALL_HEADER.trimEnd(), packages: [] },
    tests: argumentTexts.map((argumentsJson, index) => appsCallTest(functionName, argumentsJson, expectedTexts[index]!)),
    tags: ['apps', 'python', 'call-based'],
    metadata: { ...common.metadata, fnName: functionName },
  });
}

/** The fields both kinds of problem share: id, reference, starter code, limits, stopping, source. */
function commonFields(record: Pick<AppsRecord, 'problem_id' | 'id' | 'solutions' | 'starter_code'> & { difficulty?: unknown }, location: RecordLocation) {
  const id = record.problem_id ?? record.id;
  if (id === undefined) throw datasetError(location, 'problem_id: a record needs a problem_id (or an id)', { field: 'problem_id' });
  const reference = (record.solutions || [])[0] ?? '';
  const starterCode = record.starter_code ?? '';
  return {
    id: String(id),
    ...(starterCode.trim() === '' ? {} : { starterCode }),
    stopAtFirstFailure: true,
    ...(reference.trim() === '' ? {} : { reference }),
    limits: { run: { timeoutMs: APPS_TIMEOUT_MS } },
    metadata: { source: 'hendrycks/apps', ...(typeof record.difficulty === 'string' ? { difficulty: record.difficulty } : {}) },
  } satisfies Partial<TaskInput>;
}

/**
 * The JSON text of each item of `inputs` or `outputs`: as the record wrote it when
 * `input_output` is JSON text (the published layout), so the program decodes exactly what
 * upstream decoded; re-encoded when the record held it decoded, refusing a number that
 * decoding may already have changed (an integer beyond 2^53, one too large for a double).
 */
function itemTexts(raw: unknown, key: 'inputs' | 'outputs', items: readonly unknown[], location: RecordLocation): string[] {
  if (typeof raw === 'string') {
    const texts = jsonArrayItemTexts(raw, key);
    if (texts === undefined || texts.length !== items.length) throw new Error(`bug: the ${key} of input_output were not found in its text`);
    return texts;
  }
  return items.map((item, index) => {
    const inexact = inexactNumber(item);
    if (inexact !== undefined) {
      throw datasetError(
        location,
        `input_output.${key}[${index}]: the number read as ${inexact} is beyond 2^53 and may have lost digits when the line was decoded; give input_output as JSON text, as APPS publishes it`,
        { field: `input_output.${key}` },
      );
    }
    return JSON.stringify(item);
  });
}

/** A number in `value` that a decoded JSON number may not hold exactly, if any. */
function inexactNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)) ? value : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const item of Object.values(value)) {
    const found = inexactNumber(item);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** What a call-based prompt ends with: the function the tests call, and how. */
function callInstruction(functionName: string, starterCode: string | undefined): string {
  const compared = 'with each test\'s arguments and compare the value it returns (standard input and output play no part).';
  if (starterCode === undefined) return `Write a Python function named ${functionName}. The tests call ${functionName}(...) ${compared}`;
  const call = starterCode.includes('class Solution') ? `Solution().${functionName}(...)` : `the function ${functionName}(...)`;
  return `Complete the starter code in Python. The tests call ${call} ${compared}`;
}

/** Convert APPS records to tasks; the id is `problem_id`, else `id`. */
export function importApps(records: readonly JsonlRecord[], file: string): Task[] {
  const first = records[0]?.value;
  const idKey = typeof first === 'object' && first !== null && Object.hasOwn(first, 'problem_id') ? 'problem_id' : 'id';
  return convertRecords(records, file, idKey, appsTask);
}
