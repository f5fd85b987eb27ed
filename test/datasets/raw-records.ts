import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * The raw records of a dataset file, read independently of the importers (so tests compare
 * the importers' output with the upstream data, not with themselves).
 */
export function rawRecords<Fields = Record<string, unknown>>(file: string): Fields[] {
  let bytes = readFileSync(file);
  if (file.endsWith('.gz')) bytes = gunzipSync(bytes);
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Fields);
}

/** The string fields of the upstream records the tests compare with. */
export interface RawHumanEvalRecord {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}
